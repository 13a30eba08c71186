"""CloudMonitor's view of the event store (cms/system_events.py) and its query filters."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.cms.actions import histogram
from pytest_ecs_events.cms.system_events import EventFilter, payload_event_type, system_events
from tests.helpers.simulators import START

A = "i-bp1aaaaaaaaaaaaaaaaa"


@pytest.fixture
def sim() -> EcsSimulator:
    sim = EcsSimulator(now=START, instances=[A])
    sim.inject_event("SystemMaintenance.Reboot", A, not_before="+1h")
    sim.advance("2h")
    return sim


def test_each_state_of_an_event_is_one_system_event_newest_first(sim: EcsSimulator) -> None:
    events = system_events(sim.simulation)
    assert [e.status for e in events] == ["Executed", "Executing", "Scheduled"]
    assert events[0].name == "Instance:SystemMaintenance.Reboot:Executed"
    assert events[0].event_type == "Maintenance"
    assert events[0].payload["content"]["eventStatus"] == "Executed"
    assert payload_event_type(events[0].payload, sim.simulation) == "Maintenance"
    again = system_events(sim.simulation)
    assert [e.id for e in again] == [e.id for e in events]  # stable ids


STATUSES = st.sampled_from([None, "Scheduled", "Executing", "Executed", "Avoided"])
LEVELS = st.sampled_from([None, "CRITICAL", "WARN"])


@settings(max_examples=40)
@given(status=STATUSES, level=LEVELS, minutes=st.integers(0, 180))
def test_the_filters_are_a_conjunction(status: str | None, level: str | None, minutes: int) -> None:
    sim = EcsSimulator(now=START, instances=[A])
    sim.inject_event("SystemMaintenance.Reboot", A, not_before="+1h")
    sim.advance("2h")
    events = system_events(sim.simulation)
    start = sim.now - timedelta(hours=2) + timedelta(minutes=minutes)
    chosen = EventFilter(status=status, level=level, start=start).select(events)
    assert chosen == [
        e
        for e in events
        if (status is None or e.status == status)
        and (level is None or e.level == level)
        and e.time >= start
    ]


@given(
    start=st.integers(0, 10**13),
    span=st.integers(1, 10**9),
    offsets=st.lists(st.integers(0, 10**9), max_size=20),
)
def test_the_histogram_covers_the_range_and_counts_each_event_once(
    start: int, span: int, offsets: list[int]
) -> None:
    end = start + span
    times = sorted(start + o for o in offsets if o <= span)
    buckets = histogram(start, end, times)
    assert buckets[0]["StartTime"] == start
    assert buckets[-1]["EndTime"] == end
    assert all(a["EndTime"] == b["StartTime"] for a, b in itertools.pairwise(buckets))
    assert sum(b["Count"] for b in buckets) == len(times)
    assert len(buckets) <= 31


@given(
    start=st.integers(0, 10**13),
    span=st.integers(0, 10**9),
    offsets=st.lists(st.integers(-(10**6), 10**9 + 10**6), max_size=30),
)
# Times on the bucket edges (whole seconds here), just either side, and on both ends.
@example(
    start=0, span=31_000, offsets=[-1, 0, 0, 999, 1000, 1001, 1999, 2000, 2001, 31_000, 31_001]
)
def test_the_histogram_counts_as_one_pass_per_bucket_does(
    start: int, span: int, offsets: list[int]
) -> None:
    """The bisected counts equal the plain definition (``[low, high)``, the last bucket's
    ``end`` included), times outside the range and on every edge among them."""
    end = start + span
    times = sorted(start + o for o in offsets)
    buckets = histogram(start, end, times)
    if end <= start:
        assert buckets == [{"EndTime": end, "StartTime": start, "Count": len(times)}]
        return
    for bucket in buckets:
        low, high = bucket["StartTime"], bucket["EndTime"]
        last = high == end
        expected = sum(1 for t in times if low <= t < high or (last and t == end))
        assert bucket["Count"] == expected, (bucket, times)
