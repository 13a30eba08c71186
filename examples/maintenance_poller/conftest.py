from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from poller import MaintenancePoller, make_client

from pytest_ecs_events import EcsSimulator


class Pager:
    """Stands in for PagerDuty/DingTalk: records every alert."""

    def __init__(self) -> None:
        self.alerts: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, text: str, details: dict[str, Any]) -> None:
        self.alerts.append((text, details))


@pytest.fixture
def pager() -> Pager:
    return Pager()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def poller(ecs_sim: EcsSimulator, pager: Pager, sleeps: list[float]) -> MaintenancePoller:
    # The same client the cron job builds; the ecs_sim fixture answers its calls.
    client = make_client("my-access-key", "my-secret", ecs_sim.region)
    return MaintenancePoller(
        client,
        alert=pager,
        window=timedelta(hours=1),
        page_size=10,
        now=lambda: ecs_sim.now,  # the handler reads the simulator's virtual clock
        sleep=sleeps.append,  # backoff without waiting
    )
