"""The live client: the guard first, the secret scrubbed, every call recorded."""

from __future__ import annotations

import pickle

import pytest

from pytest_ecs_events.live.client import LiveClient, indexed
from pytest_ecs_events.live.credentials import Credentials
from pytest_ecs_events.live.errors import LiveConnectionError, LiveGuardError
from pytest_ecs_events.live.guard import LiveGuard

SECRET = "client-Secret/x+y=="


@pytest.fixture
def client() -> LiveClient:
    """A client of a closed loopback port: a call that passes the guard gets no answer."""
    return LiveClient(Credentials("AK", SECRET), region="cn-hangzhou", endpoint="127.0.0.1:9",
                      protocol="http", guard=LiveGuard({"i-web"}), connect_timeout=1,
                      read_timeout=1)  # fmt: skip


def test_indexed_parameters_are_api_text() -> None:
    assert indexed("InstanceId", ["i-1", "i-2"]) == {"InstanceId.1": "i-1", "InstanceId.2": "i-2"}
    assert indexed("Flag", [True]) == {"Flag.1": "true"}


def test_a_refused_call_is_not_sent(client: LiveClient) -> None:
    with pytest.raises(LiveGuardError, match="i-db: not in the allowlist"):
        client.call("RebootInstance", {"InstanceId": "i-db"})
    assert client.calls == []


def test_a_call_without_an_answer_is_recorded_and_scrubbed(client: LiveClient) -> None:
    with pytest.raises(
        LiveConnectionError, match=r"RebootInstance to http://127\.0\.0\.1:9"
    ) as info:
        client.call("RebootInstance", {"InstanceId": "i-web", "DryRun": True})
    assert SECRET not in str(info.value)
    [call] = client.calls
    assert (call.action, call.status, call.params) == (
        "RebootInstance", None, {"InstanceId": "i-web", "DryRun": "true"})  # fmt: skip
    assert call.error_code


def test_the_client_never_shows_or_stores_the_secret(client: LiveClient) -> None:
    assert SECRET not in repr(client)
    assert repr(client) == "<LiveClient http://127.0.0.1:9 region=cn-hangzhou>"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(client)


def test_an_sts_token_is_accepted_and_scrubbed() -> None:
    credentials = Credentials("AK", SECRET, "sts-token-value")
    client = LiveClient(credentials, region="cn-hangzhou", endpoint="127.0.0.1:9",
                        guard=LiveGuard(()))  # fmt: skip
    assert client.scrub("sts-token-value") == "***"
