from __future__ import annotations

from datetime import timedelta

import pytest
from scheduler import AsyncMaintenanceScheduler, make_client

from pytest_ecs_events import EcsSimulator


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def scheduler(ecs_sim: EcsSimulator, ecs_server, sleeps: list[float]) -> AsyncMaintenanceScheduler:
    # aiohttp (the SDK's async transport) cannot be intercepted in-process: the ecs_server
    # fixture serves this test's ecs_sim on 127.0.0.1, and the client is pointed at it.
    client = make_client(
        "my-access-key",
        "my-secret",
        ecs_sim.region,
        endpoint=ecs_server.endpoint,  # "127.0.0.1:PORT", no scheme
        protocol="http",
    )

    async def no_wait(delay: float) -> None:
        sleeps.append(delay)

    return AsyncMaintenanceScheduler(
        client,
        region_id=ecs_sim.region,
        window=timedelta(hours=1),
        concurrency=3,
        page_size=10,
        now=lambda: ecs_sim.now,  # the simulator's virtual clock
        sleep=no_wait,
    )
