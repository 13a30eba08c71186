"""DescribeInstanceHistoryEvents answers the common poll (state filters only) from the store's
counters and newest-first order; every other question scans and filters. Both must agree."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsSimulator

START = "2024-05-01T00:00:00Z"
STATES = ("Scheduled", "Executing", "Executed", "Avoided", "Canceled", "Failed", "Inquiring")

# One step of a history: (what, instance index, hours to move on).
steps = st.lists(
    st.tuples(st.sampled_from(["drill", "platform", "cancel", "advance"]),
              st.integers(0, 3), st.integers(0, 40 * 24)),
    max_size=40,
)  # fmt: skip


def build(history: list[tuple[str, int, int]]) -> EcsSimulator:
    sim = EcsSimulator(now=START, instances=["i-0", "i-1", "i-2"], seed=3)
    sim.add_instance("i-3", region="cn-beijing")
    for what, index, hours in history:
        instance = f"i-{index}"
        if what == "drill" and index < 3:
            sim.create_events("SystemMaintenance.Reboot", instance, f"+{hours % 48 + 1}h")
        elif what == "platform":
            sim.inject_event("SystemMaintenance.Reboot", instance, not_before=f"+{hours % 5 + 1}h")
        elif what == "cancel":
            scheduled = sim.events(state="Scheduled")
            if scheduled and scheduled[0].simulated:
                sim.cancel_events([scheduled[0].event_id])
        else:
            sim.advance(f"{hours}h")
    return sim


def page(sim: EcsSimulator, **params: Any) -> tuple[int, str, list[str]]:
    body = sim.call("DescribeInstanceHistoryEvents", RegionId=sim.region, **params)
    ids = [e["EventId"] for e in body["InstanceSystemEventSet"]["InstanceSystemEventType"]]
    return body["TotalCount"], body["NextToken"], ids


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps,
    st.lists(st.sampled_from(STATES), max_size=4, unique=True),
    st.integers(10, 12),  # MaxResults below 10 counts as 10
    st.integers(0, 4),
)
def test_the_counted_path_answers_as_the_scanning_path(
    history: list[tuple[str, int, int]], states: list[str], size: int, pages: int
) -> None:
    sim = build(history)
    filters = {f"InstanceEventCycleStatus.{n}": s for n, s in enumerate(states, 1)}
    # A publish-time range that holds every event takes the scanning path, and filters nothing.
    scanning = {"EventPublishTime.Start": "2000-01-01T00:00:00Z", **filters}
    token = ""
    for _ in range(pages + 1):
        counted = page(sim, MaxResults=size, NextToken=token, **filters)
        assert counted == page(sim, MaxResults=size, NextToken=token, **scanning)
        token = counted[1]
        if not token:
            break
