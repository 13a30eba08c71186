"""Reused answers of read-only actions never go stale: every kind of change shows at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator

START = "2024-05-01T00:00:00Z"


@pytest.fixture
def sim() -> EcsSimulator:
    return EcsSimulator(now=START, instances=["i-1", "i-2"], seed=5)


def history(sim: EcsSimulator, **params: Any) -> list[dict[str, Any]]:
    body = sim.call("DescribeInstanceHistoryEvents", RegionId=sim.region, **params)
    items: list[dict[str, Any]] = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
    return items


def active(sim: EcsSimulator) -> list[dict[str, Any]]:
    statuses = {f"InstanceEventCycleStatus.{n}": s for n, s in
                enumerate(("Scheduled", "Executing", "Inquiring"), 1)}  # fmt: skip
    return history(sim, **statuses)


def statuses(sim: EcsSimulator) -> dict[str, str]:
    body = sim.call("DescribeInstanceStatus", RegionId=sim.region)
    return {row["InstanceId"]: row["Status"] for row in body["InstanceStatuses"]["InstanceStatus"]}


CHANGES: dict[str, tuple[Callable[[EcsSimulator], object], Callable[[EcsSimulator], object]]] = {
    "create": (lambda s: s.create_events("SystemMaintenance.Reboot", "i-1", "+1h"), active),
    "inject": (lambda s: s.inject_event("SystemMaintenance.Reboot", "i-1"), active),
    "advance": (lambda s: s.advance("2h"), history),
    "reboot": (lambda s: s.reboot_instance("i-1"), statuses),
    "stop": (lambda s: s.stop_instance("i-2"), statuses),
    "add instance": (lambda s: s.add_instance("i-3"), statuses),
    "reschedule": (
        lambda s: s.reschedule_event(s.events(state="Scheduled")[0].event_id, "+5h"),
        active,
    ),
    "cancel": (lambda s: s.cancel_events([e.event_id for e in s.events()]), history),
    "maintenance attributes": (
        lambda s: s.call(
            "ModifyInstanceMaintenanceAttributes", RegionId=s.region, **{"InstanceId.1": "i-1"},
            ActionOnMaintenance="Stop",
        ),
        lambda s: s.call("DescribeInstanceMaintenanceAttributes", RegionId=s.region)[
            "MaintenanceAttributes"
        ],
    ),
}  # fmt: skip


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_shows_in_the_next_identical_read(sim: EcsSimulator, change: str) -> None:
    apply, read = CHANGES[change]
    sim.create_events("SystemMaintenance.Reboot", "i-2", "+1h")
    before = read(sim)
    assert read(sim) == before  # the same question, the same answer
    apply(sim)
    assert read(sim) != before


def test_each_answer_has_its_own_request_id_and_is_a_private_copy(sim: EcsSimulator) -> None:
    sim.create_events("SystemMaintenance.Reboot", "i-1", "+1h")
    first = sim.call("DescribeInstancesFullStatus", RegionId=sim.region)
    second = sim.call("DescribeInstancesFullStatus", RegionId=sim.region)
    assert first["RequestId"] != second["RequestId"]
    first["InstanceFullStatusSet"]["InstanceFullStatusType"].clear()
    third = sim.call("DescribeInstancesFullStatus", RegionId=sim.region)
    assert third["InstanceFullStatusSet"] == second["InstanceFullStatusSet"]
    assert len(third["InstanceFullStatusSet"]["InstanceFullStatusType"]) == 2
