"""The indexed store and its timer heap (core/store.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.catalog import EventState, InstanceStatus
from pytest_ecs_events.core.models import Instance, SystemEvent
from pytest_ecs_events.core.store import Store

T0 = datetime(2018, 8, 22, 10, 0, tzinfo=timezone.utc)
FAST = settings(max_examples=100, deadline=None, database=None, derandomize=True)


def make_instance(iid: str, region: str = "cn-hangzhou") -> Instance:
    return Instance(iid, region, f"{region}-b", iid, InstanceStatus.Running)


def make_event(
    store: Store,
    eid: str,
    iid: str = "i-a",
    *,
    state: EventState = EventState.Scheduled,
    region: str = "cn-hangzhou",
    simulated: bool = True,
) -> SystemEvent:
    event = SystemEvent(
        event_id=eid,
        instance_id=iid,
        region=region,
        event_type="SystemMaintenance.Reboot",
        state=state,
        not_before=T0 + timedelta(hours=1),
        publish_time=T0,
        simulated=simulated,
        seq=store.next_seq(),
    )
    event.record(T0, state)
    store.add_event(event)
    return event


def ids_in(store: Store, state: EventState) -> set[str]:
    return {e.event_id for e in store.events_in_state(state)}


# ----------------------------------------------------------------------------- instances
def test_live_instance_hides_unknown_and_released() -> None:
    store = Store()
    a = make_instance("i-a")
    store.add_instance(a)
    assert store.live_instance("i-a") is a
    assert store.live_instance("i-b") is None
    a.released = True
    assert store.live_instance("i-a") is None
    assert store.instances["i-a"] is a


def test_events_of_instance() -> None:
    store = Store()
    store.add_instance(make_instance("i-a"))
    assert store.events_of_instance("i-a") == []
    assert store.events_of_instance("i-nope") == []
    e1 = make_event(store, "e-1", "i-a")
    e2 = make_event(store, "e-2", "i-b")
    e3 = make_event(store, "e-3", "i-a")
    assert store.events_of_instance("i-a") == [e1, e3]
    assert store.events_of_instance("i-b") == [e2]


# ------------------------------------------------------------------------------ indexes
def test_state_index_and_counts_follow_set_state() -> None:
    store = Store()
    e1 = make_event(store, "e-1")
    e2 = make_event(store, "e-2", state=EventState.Executing)
    e3 = make_event(store, "e-3", region="cn-beijing", simulated=False)
    assert ids_in(store, EventState.Scheduled) == {"e-1", "e-3"}
    assert ids_in(store, EventState.Executing) == {"e-2"}
    assert store.count([EventState.Scheduled]) == 2
    assert store.count([EventState.Scheduled], simulated=True) == 1
    assert store.count([EventState.Scheduled], region="cn-beijing") == 1
    assert store.count([EventState.Scheduled], region="cn-beijing", simulated=True) == 0
    assert store.count([EventState.Scheduled, EventState.Executing]) == 3
    assert store.count([]) == 0

    later = T0 + timedelta(minutes=5)
    store.set_state(e1, EventState.Executing, later)
    assert e1.state is EventState.Executing
    assert e1.history == [(T0, EventState.Scheduled), (later, EventState.Executing)]
    assert ids_in(store, EventState.Scheduled) == {"e-3"}
    assert ids_in(store, EventState.Executing) == {"e-1", "e-2"}
    assert store.count([EventState.Executing], simulated=True) == 2

    store.set_state(e2, EventState.Canceled, later)
    store.set_state(e3, EventState.Avoided, later)
    assert ids_in(store, EventState.Scheduled) == set()
    assert store.count([EventState.Scheduled]) == 0
    assert store.count([EventState.Canceled], region="cn-hangzhou") == 1
    assert store.count([EventState.Avoided], simulated=False) == 1
    for state in EventState:
        assert store.count([state]) == len(list(store.events_in_state(state)))
    assert sum(store.count([s]) for s in EventState) == 3


def test_newest_first() -> None:
    store = Store()
    for n in range(5):
        make_event(store, f"e-{n}")
    assert [e.event_id for e in store.newest_first()] == ["e-4", "e-3", "e-2", "e-1", "e-0"]


def test_next_seq_increases() -> None:
    store = Store()
    seqs = [store.next_seq() for _ in range(10)]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 10


# -------------------------------------------------------------------------------- timers
def test_empty_heap() -> None:
    store = Store()
    assert store.next_due() is None
    assert store.pop_due(T0 + timedelta(days=1000)) is None
    assert store.pending_timers() == 0


def test_pop_order_is_by_due_time_then_insertion() -> None:
    store = Store()
    events = [make_event(store, f"e-{n}") for n in range(4)]
    dues = [T0 + timedelta(minutes=m) for m in (30, 10, 20, 10)]
    for event, due in zip(events, dues, strict=True):
        store.schedule_event(event, due)
    assert store.next_due() == T0 + timedelta(minutes=10)
    assert store.pending_timers() == 4
    popped = []
    while (timer := store.pop_due(T0 + timedelta(hours=1))) is not None:
        popped.append((timer.due, timer.target_id))
    assert popped == [
        (T0 + timedelta(minutes=10), "e-1"),
        (T0 + timedelta(minutes=10), "e-3"),
        (T0 + timedelta(minutes=20), "e-2"),
        (T0 + timedelta(minutes=30), "e-0"),
    ]
    assert store.next_due() is None


def test_pop_due_stops_at_until() -> None:
    store = Store()
    a, b = make_event(store, "e-a"), make_event(store, "e-b")
    store.schedule_event(a, T0 + timedelta(minutes=10))
    store.schedule_event(b, T0 + timedelta(minutes=20))
    assert store.pop_due(T0 + timedelta(minutes=9, seconds=59)) is None
    assert store.pending_timers() == 2
    timer = store.pop_due(T0 + timedelta(minutes=10))
    assert timer is not None
    assert timer.target_id == "e-a"
    assert timer.kind == "event"
    assert store.pop_due(T0 + timedelta(minutes=10)) is None
    assert store.next_due() == T0 + timedelta(minutes=20)


def test_rescheduling_makes_the_old_timer_stale() -> None:
    store = Store()
    event = make_event(store, "e-1")
    store.schedule_event(event, T0 + timedelta(minutes=10))
    store.schedule_event(event, T0 + timedelta(minutes=30))
    assert store.pending_timers() == 1
    assert store.next_due() == T0 + timedelta(minutes=30)
    assert store.pop_due(T0 + timedelta(minutes=20)) is None
    timer = store.pop_due(T0 + timedelta(minutes=30))
    assert timer is not None
    assert timer.due == T0 + timedelta(minutes=30)
    assert timer.version == event.version
    assert store.pop_due(T0 + timedelta(days=1)) is None


def test_rescheduling_earlier_skips_the_later_stale_timer() -> None:
    store = Store()
    event = make_event(store, "e-1")
    store.schedule_event(event, T0 + timedelta(minutes=30))
    store.schedule_event(event, T0 + timedelta(minutes=10))
    timer = store.pop_due(T0 + timedelta(hours=1))
    assert timer is not None
    assert timer.due == T0 + timedelta(minutes=10)
    assert store.pop_due(T0 + timedelta(hours=1)) is None


def test_cleared_event_timer_is_skipped() -> None:
    store = Store()
    a, b = make_event(store, "e-a"), make_event(store, "e-b")
    store.schedule_event(a, T0 + timedelta(minutes=10))
    store.schedule_event(b, T0 + timedelta(minutes=20))
    store.clear_event_timer(a)
    assert store.pending_timers() == 1
    assert store.next_due() == T0 + timedelta(minutes=20)
    timer = store.pop_due(T0 + timedelta(hours=1))
    assert timer is not None
    assert timer.target_id == "e-b"


def test_an_event_timer_holds_the_event_itself() -> None:
    # Events are never removed from the store: an event's heap entry holds the event (no
    # look-up by id when it is popped), stale once the event's version moved on.
    store = Store()
    event = make_event(store, "e-1")
    store.schedule_event(event, T0)
    store.clear_event_timer(event)
    assert store.pending_timers() == 0
    assert store.pop_due(T0) is None
    store.schedule_event(event, T0)
    popped = store.pop_next(T0)
    assert popped is not None
    assert popped == (T0, store._seq, event, event.version)
    assert popped[2] is event
    assert store.pop_next(T0) is None


def test_instance_timers() -> None:
    store = Store()
    a, b = make_instance("i-a"), make_instance("i-b")
    store.add_instance(a)
    store.add_instance(b)
    store.schedule_instance(a, T0 + timedelta(seconds=5), InstanceStatus.Starting)
    store.schedule_instance(a, T0 + timedelta(seconds=7), InstanceStatus.Stopped)
    store.schedule_instance(b, T0 + timedelta(seconds=6), InstanceStatus.Running)
    assert store.pending_timers() == 2
    assert store.next_due() == T0 + timedelta(seconds=6)
    first = store.pop_due(T0 + timedelta(minutes=1))
    assert first is not None
    assert (first.kind, first.target_id) == ("instance", "i-b")
    assert first.status is InstanceStatus.Running
    second = store.pop_due(T0 + timedelta(minutes=1))
    assert second is not None
    assert (second.target_id, second.status) == ("i-a", InstanceStatus.Stopped)
    assert store.pop_due(T0 + timedelta(minutes=1)) is None


def test_cleared_instance_timer_is_skipped() -> None:
    store = Store()
    a = make_instance("i-a")
    store.add_instance(a)
    store.schedule_instance(a, T0, InstanceStatus.Stopped)
    store.clear_instance_timer(a)
    assert store.pending_timers() == 0
    assert store.next_due() is None
    # A new timer after clearing is live again.
    store.schedule_instance(a, T0, InstanceStatus.Running)
    timer = store.pop_due(T0)
    assert timer is not None
    assert timer.status is InstanceStatus.Running


def test_clear_instance_timer_without_a_timer() -> None:
    store = Store()
    a = make_instance("i-a")
    store.add_instance(a)
    store.clear_instance_timer(a)
    store.schedule_instance(a, T0, InstanceStatus.Running)
    assert store.pending_timers() == 1


def test_event_and_instance_timers_share_one_order() -> None:
    store = Store()
    a = make_instance("i-a")
    store.add_instance(a)
    event = make_event(store, "e-1")
    store.schedule_instance(a, T0 + timedelta(seconds=10), InstanceStatus.Running)
    store.schedule_event(event, T0 + timedelta(seconds=5))
    kinds = []
    while (timer := store.pop_due(T0 + timedelta(minutes=1))) is not None:
        kinds.append(timer.kind)
    assert kinds == ["event", "instance"]


def test_next_due_drops_stale_entries() -> None:
    store = Store()
    event = make_event(store, "e-1")
    for minutes in range(1, 6):
        store.schedule_event(event, T0 + timedelta(minutes=minutes))
    # Only the last one is live; the stale earlier ones are dropped on the way.
    assert store.next_due() == T0 + timedelta(minutes=5)
    assert store.pending_timers() == 1


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=9),  # which event
            st.integers(min_value=0, max_value=1000),  # due, in seconds
            st.booleans(),  # clear afterwards
        ),
        max_size=40,
    ),
    st.integers(min_value=0, max_value=1000),
)
@FAST
def test_heap_pops_exactly_the_live_timers_in_order(
    ops: list[tuple[int, int, bool]], until: int
) -> None:
    store = Store()
    events = [make_event(store, f"e-{n}") for n in range(10)]
    expected: dict[str, datetime | None] = {}
    for index, seconds, clear in ops:
        event = events[index]
        due = T0 + timedelta(seconds=seconds)
        store.schedule_event(event, due)
        expected[event.event_id] = due
        if clear:
            store.clear_event_timer(event)
            expected[event.event_id] = None
    live = {eid: due for eid, due in expected.items() if due is not None}
    assert store.pending_timers() == len(live)
    assert store.next_due() == (min(live.values()) if live else None)
    limit = T0 + timedelta(seconds=until)
    popped = []
    while (timer := store.pop_due(limit)) is not None:
        popped.append((timer.due, timer.target_id))
    assert [d for d, _ in popped] == sorted(d for d, _ in popped)
    assert sorted(popped) == sorted((d, e) for e, d in live.items() if d <= limit)
    remaining = [d for d in live.values() if d > limit]
    assert store.next_due() == (min(remaining) if remaining else None)


@pytest.mark.parametrize("state", list(EventState))
def test_every_state_has_an_index(state: EventState) -> None:
    store = Store()
    make_event(store, "e-1", state=state)
    assert ids_in(store, state) == {"e-1"}
    for other in EventState:
        if other is not state:
            assert ids_in(store, other) == set()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=300), st.integers(0, 5))
def test_a_batch_of_scheduled_events_is_added_as_one_by_one(owners: list[int], before: int) -> None:
    """``add_scheduled_events`` against ``add_scheduled_event`` for each event in turn, each
    event made with ``next_seq()`` just before (past 256 events, a batch spans parts)."""
    due = datetime(2024, 5, 1, tzinfo=timezone.utc)
    values = ("cn-hangzhou", "SystemMaintenance.Reboot", EventState.Scheduled, due, due, True,
              "", "", "100", None, None, {}, (), 1, 0)  # fmt: skip
    stores = []
    for batched in (True, False):
        store = Store()
        for _ in range(before):
            store.next_seq()
        made = {}
        for k, owner in enumerate(owners):
            seq = store._seq + 1 + 2 * k
            made[f"e-{k}"] = SystemEvent.sharing(f"e-{k}", f"i-{owner}", values, seq)
        if batched:
            store.add_scheduled_events(made, due)
        else:
            for event in made.values():
                store.next_seq()
                store.add_scheduled_event(event, due)
        stores.append(store)
    one, other = stores
    assert one._seq == other._seq == before + 2 * len(owners)
    assert list(one.events) == list(other.events)
    assert {i: [e.event_id for e in es] for i, es in one._by_instance.items()} == {
        i: [e.event_id for e in es] for i, es in other._by_instance.items()
    }
    assert list(one._by_state[EventState.Scheduled]) == list(other._by_state[EventState.Scheduled])
    assert one._counts == other._counts
    assert [(d, s, e.event_id, v) for d, s, e, v in one._heap] == [  # type: ignore[misc]
        (d, s, e.event_id, v)
        for d, s, e, v in other._heap  # type: ignore[misc]
    ]
