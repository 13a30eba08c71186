from __future__ import annotations

import pytest
from lb_pool import BackendPool
from rebooter import LegacyEcs, MaintenanceRebooter, NewEcs

from pytest_ecs_events import EcsSimulator


@pytest.fixture
def pool() -> BackendPool:
    return BackendPool("172.16.0.11", "172.16.0.12")


@pytest.fixture(params=["legacy", "new"])
def rebooter(
    request: pytest.FixtureRequest, ecs_sim: EcsSimulator, pool: BackendPool
) -> MaintenanceRebooter:
    kind = LegacyEcs if request.param == "legacy" else NewEcs
    return MaintenanceRebooter(kind("my-access-key", "my-secret", ecs_sim.region), pool)
