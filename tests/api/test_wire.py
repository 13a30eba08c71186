"""``pytest_ecs_events.api.wire`` (deprecated): every name that moved still reads, with a
warning naming its new place."""

from __future__ import annotations

import importlib

import pytest

MOVED = {
    "ApiRequest": "pytest_ecs_events.api.messages",
    "ApiResponse": "pytest_ecs_events.api.messages",
    "NO_HEADERS": "pytest_ecs_events.api.messages",
    "JSON_CONTENT_TYPE": "pytest_ecs_events.api.protocol",
    "parse_query": "pytest_ecs_events.api.speedups.fast_parse",
    "split_url": "pytest_ecs_events.api.speedups.fast_parse",
    "unquote_query_part": "pytest_ecs_events.api.speedups.fast_parse",
    "Rendered": "pytest_ecs_events.api.speedups.json_output",
    "encode_json": "pytest_ecs_events.api.speedups.json_output",
    "json_tail": "pytest_ecs_events.api.speedups.json_output",
}


@pytest.mark.parametrize(("name", "module"), MOVED.items())
def test_a_moved_name_warns_and_is_the_new_one(name: str, module: str) -> None:
    from pytest_ecs_events.api import wire

    with pytest.warns(DeprecationWarning, match=rf"api\.wire\.{name} moved to {module}\.{name}"):
        value = getattr(wire, name)
    assert value is getattr(importlib.import_module(module), name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    from pytest_ecs_events.api import wire

    with pytest.raises(AttributeError):
        _ = wire.Nope
    assert set(MOVED) <= set(dir(wire))
