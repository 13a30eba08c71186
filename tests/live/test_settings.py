"""Live options parsed and checked: the instance map, the endpoint, the timeout."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_ecs_events.live.settings import (
    DEFAULT_JOURNAL_DIR,
    DEFAULT_TIMEOUT,
    LiveSettings,
    parse_endpoint,
    parse_instance_map,
    parse_timeout,
)


def test_parse_instance_map() -> None:
    assert parse_instance_map("web=i-2ze1, db=i-2ze2,") == {"web": "i-2ze1", "db": "i-2ze2"}
    assert parse_instance_map("i-web,i-db") == {"i-web": "i-web", "i-db": "i-db"}
    for bad, message in [
        ("", "no instance"),
        ("web=", "ALIAS=INSTANCE_ID"),
        ("web=x-1", "starts with 'i-'"),
        ("web=i-1,web=i-2", "mapped twice"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_instance_map(bad)


def test_parse_endpoint_and_timeout() -> None:
    assert parse_endpoint(" 127.0.0.1:8080 ") == "127.0.0.1:8080"
    assert parse_endpoint("ecs.cn-beijing.aliyuncs.com") == "ecs.cn-beijing.aliyuncs.com"
    assert parse_endpoint("[::1]:8080") == "[::1]:8080"
    for bad in ("https://ecs.aliyuncs.com", "h:0", "h:port", "a/b", ""):
        with pytest.raises(ValueError):
            parse_endpoint(bad)
    assert parse_timeout("90") == 90.0
    assert parse_timeout("10m") == 600.0
    for bad in ("0", "-5", "soon"):
        with pytest.raises(ValueError):
            parse_timeout(bad)


def test_the_timeout_option_states_the_real_default() -> None:
    """The options name the default without importing live mode's client (every run loads
    the plugin); the two must agree."""
    from pytest_ecs_events.plugin import options

    assert f"{DEFAULT_TIMEOUT:g}" == options.DEFAULT_LIVE_TIMEOUT_TEXT


def test_settings_derive_the_allowlist_endpoint_and_alias_text() -> None:
    settings = LiveSettings(aliases={"web": "i-1", "i-2": "i-2"}, region="cn-beijing")
    assert settings.allowlist == frozenset({"i-1", "i-2"})
    assert settings.resolved_endpoint == "ecs.cn-beijing.aliyuncs.com"
    assert settings.alias_text() == "web=i-1, i-2"
    assert settings.journal_dir == DEFAULT_JOURNAL_DIR == Path(".pytest_cache/d/ecs-live")
    assert LiveSettings(aliases={}, endpoint="127.0.0.1:1").resolved_endpoint == "127.0.0.1:1"
