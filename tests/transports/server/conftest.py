"""A simulator and a running server on loopback, for the server's module tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer

START = "2030-01-01T00:00:00Z"


@pytest.fixture
def sim() -> EcsSimulator:
    return EcsSimulator(now=START, instances=["i-a", "i-b"])


@pytest.fixture
def server(sim: EcsSimulator) -> Iterator[EcsServer]:
    with EcsServer(sim) as srv:
        yield srv
    assert srv.errors == []
