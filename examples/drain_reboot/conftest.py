from __future__ import annotations

import pytest
from drain_clients import LegacyCloud, NewCloud
from drain_handler import DrainRebooter

from pytest_ecs_events import EcsSimulator


@pytest.fixture(params=["legacy", "new"])
def rebooter(request: pytest.FixtureRequest, ecs_sim: EcsSimulator) -> DrainRebooter:
    kind = LegacyCloud if request.param == "legacy" else NewCloud
    cloud = kind("my-access-key", "my-secret", ecs_sim.region)
    # Every wait of the handler moves the virtual clock: commands finish, instances reboot
    # and health checks come back while it polls.
    return DrainRebooter(cloud, sleep=ecs_sim.advance, drain_timeout=120, poll_every=5)
