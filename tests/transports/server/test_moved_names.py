"""The old single module ``pytest_ecs_events.transports.server``: ``EcsServer`` stays there;
every other public name it had still reads, for one release, with a DeprecationWarning that
names its new place."""

from __future__ import annotations

import importlib

import pytest

import pytest_ecs_events.transports.server as old

MOVED = {
    "AccessRecord": "pytest_ecs_events.transports.server.access",
    "WallClockFollower": "pytest_ecs_events.transports.server.wallclock",
    "DEFAULT_MAX_BODY": "pytest_ecs_events.transports.server.framing",
    "MAX_FIELDS": "pytest_ecs_events.transports.server.framing",
    "CONNECTION_TIMEOUT": "pytest_ecs_events.transports.server.framing",
    "METADATA_INSTANCE_HEADER": "pytest_ecs_events.transports.server.metadata",
    "active_system_events": "pytest_ecs_events.transports.server.metadata",
    "MetadataFormatter": "pytest_ecs_events.transports.server.protocols",
    "event_json": "pytest_ecs_events.transports.server.control",
    "instance_json": "pytest_ecs_events.transports.server.control",
    "is_loopback": "pytest_ecs_events.core.network",
}


def test_ecs_server_stays_without_a_warning(recwarn: pytest.WarningsRecorder) -> None:
    from pytest_ecs_events.transports.server import EcsServer
    from pytest_ecs_events.transports.server.ecs_server import EcsServer as Defined

    assert EcsServer is Defined
    assert old.__all__ == ["EcsServer"]
    assert not recwarn.list


@pytest.mark.parametrize(("name", "module"), sorted(MOVED.items()))
def test_moved_names_warn_and_still_work(name: str, module: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"server\.{name} moved to {module}\.{name}"):
        value = getattr(old, name)
    assert value is getattr(importlib.import_module(module), name)
    assert name in dir(old)


def test_the_old_import_statement_warns() -> None:
    with pytest.warns(DeprecationWarning, match="transports.server.wallclock"):
        from pytest_ecs_events.transports.server import WallClockFollower
    assert WallClockFollower.__name__ == "WallClockFollower"


def test_unknown_names_are_still_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        old.nope  # noqa: B018
