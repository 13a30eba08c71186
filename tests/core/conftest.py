"""Fixtures of the core's tests."""

from __future__ import annotations

import pytest

from pytest_ecs_events.core.simulation import Simulation
from tests.helpers.simulation import make_sim


@pytest.fixture
def sim() -> Simulation:
    """A simulation at T0 with instances i-a, i-b, i-c (cn-hangzhou) and i-bj (cn-beijing)."""
    return make_sim()
