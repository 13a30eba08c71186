"""The AccessKey and the scrubber: the secret never shows, in any form."""

from __future__ import annotations

import pickle

import pytest

from pytest_ecs_events.live.credentials import Credentials, CredentialsMissing, Scrubber

SECRET = "unit-Secret/with+chars=="


def test_scrubber_replaces_every_form_of_the_secret() -> None:
    scrub = Scrubber([SECRET, ""])
    text = f"a {SECRET} b {SECRET.replace('/', '%2F').replace('+', '%2B').replace('=', '%3D')}"
    assert scrub(text) == "a *** b ***"
    assert scrub.found_in(text)
    assert not scrub.found_in(scrub(text))
    assert SECRET not in repr(scrub)


def test_credentials_never_show_the_secret() -> None:
    credentials = Credentials("LTAI5tAbcdefgh", SECRET, "sts-token-value")
    for text in (repr(credentials), str(credentials), f"{credentials}"):
        assert SECRET not in text
        assert "LTAI5tAbcdefgh" not in text
        assert "sts-token-value" not in text
    assert "LTAI****" in repr(credentials)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(credentials)
    assert credentials.scrubber()("x sts-token-value y") == "x *** y"


def test_credentials_from_the_environment() -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "AK1", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET}
    assert Credentials.from_env(env).reveal_secret() == SECRET
    with pytest.raises(CredentialsMissing, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET") as info:
        Credentials.from_env({"ALIBABA_CLOUD_ACCESS_KEY_ID": "AK1"})
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID and" not in str(info.value)
    with pytest.raises(CredentialsMissing, match="ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SEC"):
        Credentials.from_env({})
