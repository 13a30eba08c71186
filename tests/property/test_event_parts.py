"""The events created together share one immutable part (core/models.py, ``_Shared``): after
every step of random scripts, every event reads exactly as the same event of a simulation
that shares nothing (each event its own part, made afresh at every change)."""

from __future__ import annotations

import contextlib
import heapq
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.core import models, regions
from pytest_ecs_events.core.catalog import EventState, InstanceStatus
from pytest_ecs_events.core.lifecycle import TIMED_TRIGGER, Trigger
from pytest_ecs_events.core.models import Instance, SystemEvent
from pytest_ecs_events.core.regions import resource_id_parts
from pytest_ecs_events.core.simulation import SIMULATED_REASON, Simulation, SimulationConfig
from pytest_ecs_events.core.store import Store, Timer
from pytest_ecs_events.core.timeline import Recorder

from .test_answer_cache import _apply

_T = TypeVar("_T")

START = "2024-05-01T00:00:00Z"
INSTANCES = ["i-0", "i-1", "i-2"]
START_T = datetime(2024, 5, 1, tzinfo=timezone.utc)

steps = st.lists(
    st.tuples(st.sampled_from(["batch", "drill", "inquire", "advance", "cancel", "reboot",
                               "stop", "start", "reschedule", "accept", "nothing"]),
              st.integers(0, 2), st.integers(1, 50)),
    max_size=15,
)  # fmt: skip


def _unshared_part(values: tuple[object, ...], seq: int) -> Any:
    part = models._Shared.__new__(models._Shared)
    for name, value in zip(models._SHARED_FIELDS, (*values, seq), strict=True):
        setattr(part, name, value)
    part.successor = None
    return part, 0


def _view(event: SystemEvent) -> tuple[Any, ...]:
    """Everything the record shows (the public fields, the history, the counters)."""
    return (
        event.event_id, event.instance_id, event.region, event.event_type, event.state,
        event.not_before, event.publish_time, event.finish_time, event.execute_start_time,
        event.simulated, event.reason, event.reason_code, event.impact_level,
        dict(event.extended), event.history, event.trail, event.seq, event.version,
        event.revision, repr(event),
    )  # fmt: skip


def _step(sim: EcsSimulator, what: str, index: int, hours: int) -> None:
    with contextlib.suppress(EcsApiError):  # refused: nothing changes, on both sides alike
        if what == "batch":
            sim.create_events("SystemMaintenance.Reboot", INSTANCES, f"+{hours}h")
        elif what == "reschedule" and (scheduled := sim.events(state="Scheduled")):
            sim.reschedule_event(scheduled[index % len(scheduled)].event_id, f"+{hours}h")
        elif what == "accept" and (inquiring := sim.events(state="Inquiring")):
            sim.accept_event(inquiring[0].event_id)
        else:
            _apply(sim, what, index, hours)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
# Events of one part changed apart: canceled at two times, rescheduled to two times.
@example([("batch", 0, 9), ("cancel", 0, 1), ("advance", 0, 1), ("cancel", 0, 1)])
@example([("batch", 0, 9), ("reschedule", 0, 3), ("reschedule", 1, 4), ("advance", 0, 20)])
def test_shared_parts_read_as_parts_of_their_own(script: list[tuple[str, int, int]]) -> None:
    shared = EcsSimulator(now=START, instances=INSTANCES, seed=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(models, "_evolve", models._changed)
        patch.setattr(models, "_new_shared", _unshared_part)
        alone = EcsSimulator(now=START, instances=INSTANCES, seed=2)
    for what, index, hours in [("batch", 0, 1), *script]:
        _step(shared, what, index, hours)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(models, "_evolve", models._changed)
            patch.setattr(models, "_new_shared", _unshared_part)
            _step(alone, what, index, hours)
        assert [_view(e) for e in shared.events()] == [_view(e) for e in alone.events()]
    parts = [e._part for e in alone.events()]
    assert len({id(p) for p in parts}) == len(parts)  # the other side really shares nothing


def test_events_created_together_share_one_part_until_one_changes() -> None:
    sim = EcsSimulator(now=START, instances=INSTANCES, seed=2)
    events = sim.create_events("SystemMaintenance.Reboot", INSTANCES, "+1h")
    assert len({id(e._part) for e in events}) == 1
    sim.advance("2h")
    assert len({id(e._part) for e in events}) == 1
    assert all(e.state == "Executed" for e in events)
    sim.simulation.get_event(events[0].event_id).reason = "changed"
    assert [e.reason for e in events][1:] == [events[1].reason] * 2
    assert events[0].reason == "changed" != events[1].reason


# The build's own paths (core/sim_events.py ``_new_simulated_events``, core/store.py
# ``fire_event``, ``SystemEvent.fire``/``start``/``sharing``) against the one-by-one way they
# replace: a whole simulation, its records and its change records, equal after every step.

TYPES = ["SystemMaintenance.Reboot", "SystemMaintenance.Stop", "SystemFailure.Reboot",
         "SystemFailure.Stop", "InstanceFailure.Reboot"]  # fmt: skip
core_steps = st.lists(
    st.tuples(st.sampled_from(["create", "create_now", "advance", "cancel", "reboot", "fail",
                               "inject", "accept", "listen", "deaf", "delete", "call"]),
              st.integers(0, 4), st.integers(0, 7)),
    max_size=20,
)  # fmt: skip


def _plain_new_simulated_events(
    self: Simulation, spec: Any, ids: Any, region: str, not_before: Any
) -> list[SystemEvent]:
    return [
        self._new_event(spec, iid, region, not_before, simulated=True, state=spec.start_state,
                        reason=SIMULATED_REASON)
        for iid in ids
    ]  # fmt: skip


def _plain_fire_event(self: Store, event: SystemEvent, state: Any, when: Any) -> None:
    self.set_state(event, state, when)
    if state.is_final:
        self.mark_finished(event, when)
    self.clear_event_timer(event)


def _plain_start(self: SystemEvent, when: Any) -> None:
    self.execute_start_time = when
    self.version += 1


def _plain_push_event_timer(self: Store, event: SystemEvent, due: Any) -> None:
    event.version -= 1  # start() bumped it; schedule_event bumps it again
    self.schedule_event(event, due)


def _plain_fire(self: SystemEvent, when: Any, state: Any) -> None:
    self._part = models._evolve(self._part, models._FIRE_AS[state], when)


def _plain_run_timers(self: Simulation, until: Any) -> None:
    """``Simulation._run_timers`` before its event case was inlined: ``Store.pop_due``,
    ``_fire``, ``notify`` and ``_enter`` for every timer."""
    store = self.store
    clock = self.clock
    events = store.events
    plans = self._plans
    while (timer := store.pop_due(until)) is not None:
        due = timer.due
        if due > clock.now:
            clock.set(due)
        kind = timer.kind
        if kind == "event":
            event = events[timer.target_id]
            trigger = TIMED_TRIGGER.get(event.state)
            if (
                trigger is Trigger.NOT_BEFORE
                and event.instance_id in plans
                and self._busy_at_not_before(event)
            ):
                self._fire(event, Trigger.FAIL, "instance busy")
            elif trigger is not None:
                self._fire(event, trigger, trigger.value)
        elif kind == "disk_event":
            self._disk_event_due(timer.target_id)
        elif kind == "callback":
            assert timer.callback is not None
            timer.callback()
        else:
            instance = store.instances[timer.target_id]
            remaining = self._plans.get(instance.instance_id)
            if remaining:
                _, status = remaining.pop(0)
                self._change_status(instance, status, "transition")
                self._schedule_next_step(instance)


def _plain(patch: pytest.MonkeyPatch) -> None:
    patch.setattr(Simulation, "_new_simulated_events", _plain_new_simulated_events)
    patch.setattr(Simulation, "_run_timers", _plain_run_timers)
    patch.setattr(SystemEvent, "fire", _plain_fire)
    patch.setattr(Store, "fire_event", _plain_fire_event)
    patch.setattr(Store, "push_event_timer", _plain_push_event_timer)
    patch.setattr(SystemEvent, "start", _plain_start)


@contextlib.contextmanager
def _the_way(plain: bool) -> Iterator[None]:
    """The one-by-one way (the quick ways patched out, :func:`_plain`) if ``plain``, else
    the code as it is."""
    with pytest.MonkeyPatch.context() as patch:
        if plain:
            _plain(patch)
        yield


def _twins(make: Callable[[], _T]) -> tuple[_T, _T]:
    """What ``make`` makes the quick way, then the one-by-one way."""
    made = []
    for plain in (False, True):
        with _the_way(plain):
            made.append(make())
    return made[0], made[1]


def _account(*, timeline: bool = False) -> tuple[Simulation, list[Any], Recorder | None]:
    """A seeded account of five instances, what its observers heard, and its timeline (one
    listening from the start, if ``timeline``)."""
    sim = Simulation(now=START_T, config=SimulationConfig(seed=5))
    recorder = None
    if timeline:
        recorder = Recorder(START_T)
        sim.observers.append(recorder.record)
    for k in range(5):
        sim.add_instance(f"i-{k}")
    return sim, [], recorder


def _whole(sim: Simulation) -> tuple[Any, ...]:
    store = sim.store
    return (
        [_view(e) for e in store.events.values()],
        {i: [e.event_id for e in store.events_of_instance(i)] for i in store.instances},
        [(s, [e.event_id for e in store.events_in_state(s)]) for s in EventState],
        [getattr(store.first_in_state(s), "event_id", None) for s in EventState],
        sorted(store._counts.items()), store.first_finish, store._seq,
        [(t.due, t.seq, t.kind, t.target_id, t.version) for t in store.live_timers()],
        sim.mutations, sim.now, sim._rng.getstate(),
        [(i.instance_id, i.status, i.revision) for i in store.instances.values()],
    )  # fmt: skip


def _core_step(sim: Simulation, heard: list[Any], what: str, index: int, n: int) -> None:
    ids = [f"i-{k % 5}" for k in range(index, index + n)]  # repeats: one event per instance
    with contextlib.suppress(EcsApiError, ValueError):
        if what in ("create", "create_now"):
            at = sim.now + (timedelta(0) if what == "create_now" else timedelta(minutes=n))
            sim.create_simulated_events(TYPES[index], ids or ["i-0"], at)
        elif what == "advance":  # what it returns, as the observers' records
            heard.append(("advanced", sim.advance_to(sim.now + timedelta(minutes=n * 7))))
        elif what == "cancel":
            sim.cancel_simulated_events([e.event_id for e in list(sim.store.events.values())[-n:]])
        elif what == "reboot":
            sim.reboot_instance(f"i-{index}")
        elif what == "fail" and sim.store.events:
            sim.fail_event(list(sim.store.events)[-1 - index % len(sim.store.events)])
        elif what == "inject":
            sim.inject_event("SystemMaintenance.Reboot", f"i-{index}", state="Inquiring")
        elif what == "accept" and (asking := list(sim.store.events_in_state(EventState.Inquiring))):
            sim.accept_inquired_event(asking[0].event_id)
        elif what == "delete":
            sim.delete_instance(f"i-{index}", force=True)
        elif what == "call":  # an area's own timer among the events' (Simulation.call_at)
            sim.call_at(sim.now + timedelta(minutes=n), lambda: heard.append(("called", sim.now)))
        elif what == "listen":
            sim.observers.append(heard.append)
        elif what == "deaf" and sim.observers:
            sim.observers.pop()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(core_steps)
@example([("create", 0, 7), ("advance", 0, 7), ("advance", 0, 7)])
@example([("listen", 0, 0), ("create_now", 2, 3), ("create", 0, 5), ("advance", 0, 3)])
def test_the_build_paths_change_what_the_one_by_one_way_changes(
    script: list[tuple[str, int, int]],
) -> None:
    sims = _twins(_account)
    for step in [("listen", 0, 0), ("create", 0, 4), *script, ("advance", 0, 7)]:
        for (sim, heard, _), plain in zip(sims, (False, True), strict=True):
            with _the_way(plain):
                _core_step(sim, heard, *step)
        (fast, fast_heard, _), (slow, slow_heard, _) = sims
        assert _whole(fast) == _whole(slow)
        assert fast_heard == slow_heard


# advance()'s loop makes a simulated event's timed transition itself while only its own
# recorder listens (core/sim_timers.py ``_run_timers``): the same simulation, the same
# transitions returned, as the one-by-one way, with nobody else listening from the start.


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(core_steps)
@example([("create", 0, 7), ("advance", 0, 7), ("advance", 0, 7)])
@example([("create", 0, 7), ("call", 0, 1), ("listen", 0, 0), ("advance", 0, 7)])
@example([("create", 2, 4), ("reboot", 1, 0), ("inject", 2, 0), ("advance", 0, 2)])
def test_advance_alone_moves_events_as_the_one_by_one_way(
    script: list[tuple[str, int, int]],
) -> None:
    sims = _twins(_account)
    for step in [("create", 0, 4), *script, ("deaf", 0, 0), ("advance", 0, 7)]:
        for (sim, heard, _), plain in zip(sims, (False, True), strict=True):
            with _the_way(plain):
                _core_step(sim, heard, *step)
        (fast, fast_heard, _), (slow, slow_heard, _) = sims
        assert _whole(fast) == _whole(slow)
        assert fast_heard == slow_heard
        assert [e.event_id for e in fast.store.events.values()] == [
            e.event_id for e in slow.store.events.values()
        ]


def test_advance_alone_records_every_timed_transition() -> None:
    """The loop's own way is taken (nobody listens) and returns each event's two records."""
    sim = Simulation(now=START_T, config=SimulationConfig(seed=5))
    for k in range(3):
        sim.add_instance(f"i-{k}")
    created = sim.create_simulated_events(
        TYPES[0], ["i-0", "i-1", "i-2"], START_T + timedelta(minutes=1)
    )
    before = sim.mutations
    applied = sim.advance_to(START_T + timedelta(hours=1))
    assert [(t.event_id, t.old_state, t.new_state, t.trigger) for t in applied] == [
        (e.event_id, EventState.Scheduled, EventState.Executing, "not_before") for e in created
    ] + [(e.event_id, EventState.Executing, EventState.Executed, "execution_done") for e in created]
    assert sim.mutations == before + 6
    assert not sim.observers


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["i-0", "i-1", "i-2", "i-3", "i-4", "i-9"]), min_size=1, max_size=6),
    st.lists(st.integers(0, 4), max_size=3),
    st.sampled_from(["cn-hangzhou", "cn-shanghai"]),
)
def test_a_batch_names_the_missing_instances_as_live_in_region_does(
    ids: list[str], deleted: list[int], region: str
) -> None:
    sim = Simulation(now=START_T, config=SimulationConfig(seed=5))
    for k in range(5):
        sim.add_instance(f"i-{k}", region="cn-hangzhou" if k % 2 else "cn-shanghai")
    for k in deleted:
        with contextlib.suppress(EcsApiError):
            sim.delete_instance(f"i-{k}", force=True)
    missing = [i for i in dict.fromkeys(ids) if sim._live_in_region(i, region) is None]
    if missing:
        with pytest.raises(EcsApiError, match=f"Not found in {region}: {', '.join(missing)}$"):
            sim.create_simulated_events(TYPES[0], ids, sim.now, region=region)
    else:
        created = sim.create_simulated_events(TYPES[0], ids, sim.now, region=region)
        assert [e.instance_id for e in created] == list(dict.fromkeys(ids))


# An event's heap entry holds no Timer (core/store.py, ``Store._timer``): every reader of the
# heap answers as it did when each entry held its Timer record.
heap_ops = st.lists(
    st.tuples(st.sampled_from(["event", "push", "instance", "callback", "cancel", "clear"]),
              st.integers(0, 3), st.integers(0, 30)),
    max_size=25,
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(heap_ops, st.integers(0, 30))
def test_the_heap_without_event_timers_answers_as_with_them(
    ops: list[tuple[str, int, int]], until: int
) -> None:
    store = Store()
    events = []
    for k in range(4):
        event = SystemEvent.created(event_id=f"e-{k}", instance_id=f"i-{k}", region="r",
                                    event_type="SystemMaintenance.Reboot",
                                    state=EventState.Scheduled, not_before=START_T,
                                    publish_time=START_T, simulated=True)  # fmt: skip
        store.add_event(event)
        events.append(event)
    instances = {}
    pushed: list[Timer] = []  # the Timer each push made before, in push order
    callbacks: list[Timer] = []
    for what, k, minutes in ops:
        due = START_T + timedelta(minutes=minutes)
        event = events[k]
        if what == "event":
            store.schedule_event(event, due)
            pushed.append(Timer(due, store._seq, "event", event.event_id, event.version))
        elif what == "push":
            event.start(due)
            store.push_event_timer(event, due)
            pushed.append(Timer(due, store._seq, "event", event.event_id, event.version))
        elif what == "instance":
            running = InstanceStatus.Running
            instance = instances.setdefault(k, Instance(f"i-{k}", "r", "r-a", f"n-{k}", running))
            store.schedule_instance(instance, due, InstanceStatus.Stopping)
            pushed.append(next(t for t in store.heap_timers() if t.seq == store._seq))
        elif what == "callback":
            callbacks.append(store.schedule_callback(due, lambda: None))
            pushed.append(callbacks[-1])
        elif what == "cancel" and callbacks:
            callbacks[k % len(callbacks)].cancelled = True
        elif what == "clear":
            store.clear_event_timer(event)
    order = sorted(pushed, key=lambda t: (t.due, t.seq))
    live = [t for t in order if store._is_live(t)]
    assert sorted(store.heap_timers(), key=lambda t: t.seq) == sorted(pushed, key=lambda t: t.seq)
    assert store.live_timers() == live
    assert store.pending_timers() == len(live)
    assert store.pending_event_times() == {t.target_id: t.due for t in live if t.kind == "event"}
    assert store.next_due() == (live[0].due if live else None)
    limit = START_T + timedelta(minutes=until)
    popped = []
    while (timer := store.pop_due(limit)) is not None:
        popped.append(timer)
    assert popped == [t for t in live if t.due <= limit]


# advance()'s loop pops through ``Store.pop_next`` (core/sim_timers.py ``_run_timers``): the
# same simulation as with the loop that read the heap itself (round 3's), after every step.


def _heap_run_timers(self: Simulation, until: Any) -> None:
    """``Simulation._run_timers`` as it read ``Store._heap`` itself, popping bare entries, and
    found each event by its id in the store."""
    store = self.store
    clock = self.clock
    events = store.events
    plans = self._plans
    heap = store._heap
    while heap and heap[0][0] <= until:
        entry = heapq.heappop(heap)
        if len(entry) == 4:
            due, _, held, version = entry  # round 3 held the event's id: looked up by it
            event = events.get(held.event_id)
            if event is None or event.version != version:
                continue
            if due > clock.now:
                clock.set(due)
            trigger = TIMED_TRIGGER.get(event.state)
            if trigger is None:
                continue
            if (
                trigger is Trigger.NOT_BEFORE
                and event.instance_id in plans
                and self._busy_at_not_before(event)
            ):
                self._fire(event, Trigger.FAIL, "instance busy")
            else:
                self._fire(event, trigger, trigger.value)
            continue
        timer = entry[2]
        kind = timer.kind
        if not store._is_live(timer):
            continue
        if timer.due > clock.now:
            clock.set(timer.due)
        if kind == "disk_event":
            self._disk_event_due(timer.target_id)
        elif kind == "callback":
            assert timer.callback is not None
            timer.callback()
        else:
            instance = store.instances[timer.target_id]
            remaining = self._plans.get(instance.instance_id)
            if remaining:
                _, status = remaining.pop(0)
                self._change_status(instance, status, "transition")
                self._schedule_next_step(instance)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(core_steps)
@example([("create", 0, 7), ("reboot", 0, 0), ("call", 0, 1), ("advance", 0, 7)])
def test_the_timer_loop_pops_as_the_loop_over_the_heap_did(
    script: list[tuple[str, int, int]],
) -> None:
    sims = [_account(), _account()]
    for step in [("listen", 0, 0), ("create", 0, 4), *script, ("advance", 0, 7)]:
        for (sim, heard, _), old in zip(sims, (False, True), strict=True):
            with pytest.MonkeyPatch.context() as patch:
                if old:
                    patch.setattr(Simulation, "_run_timers", _heap_run_timers)
                _core_step(sim, heard, *step)
        (new, new_heard, _), (old_sim, old_heard, _) = sims
        assert _whole(new) == _whole(old_sim)
        assert new_heard == old_heard
        stale_too = [  # the heap as it is left, stale entries and all, in heap order
            [
                (t.due, t.seq, t.kind, t.target_id, t.version, t.cancelled)
                for t in s.store.heap_timers()
            ]
            for s in (new, old_sim)
        ]
        assert stale_too[0] == stale_too[1]


@settings(max_examples=60, deadline=None)
@given(heap_ops, st.integers(0, 30))
def test_pop_next_hands_back_the_event_pop_due_names(
    ops: list[tuple[str, int, int]], until: int
) -> None:
    """Two equal stores: one popped with ``pop_next``, one with ``pop_due``."""
    stores = []
    for _ in range(2):
        store = Store()
        events = []
        for k in range(4):
            event = SystemEvent.created(event_id=f"e-{k}", instance_id=f"i-{k}", region="r",
                                        event_type="SystemMaintenance.Reboot",
                                        state=EventState.Scheduled, not_before=START_T,
                                        publish_time=START_T, simulated=True)  # fmt: skip
            store.add_event(event)
            events.append(event)
        callbacks: list[Timer] = []
        instance = Instance("i-0", "r", "r-a", "n-0", InstanceStatus.Running)
        for what, k, minutes in ops:
            due = START_T + timedelta(minutes=minutes)
            if what == "event":
                store.schedule_event(events[k], due)
            elif what == "push":
                events[k].start(due)
                store.push_event_timer(events[k], due)
            elif what == "instance":
                store.schedule_instance(instance, due, InstanceStatus.Stopping)
            elif what == "callback":
                callbacks.append(store.schedule_callback(due, lambda: None))
            elif what == "cancel" and callbacks:
                callbacks[k % len(callbacks)].cancelled = True
            elif what == "clear":
                store.clear_event_timer(events[k])
        stores.append(store)
    by_next, by_due = stores
    limit = START_T + timedelta(minutes=until)
    popped = []
    while (got := by_next.pop_next(limit)) is not None:
        due, seq, target = got[:3]
        if isinstance(target, Timer):
            assert (target.due, target.seq) == (due, seq)
            popped.append((due, seq, target.kind, target.target_id, target.version))
        else:
            assert target is by_next.events[target.event_id]  # the event itself, live
            assert got == (due, seq, target, target.version)
            popped.append((due, seq, "event", target.event_id, target.version))
    timers = []
    while (timer := by_due.pop_due(limit)) is not None:
        timers.append((timer.due, timer.seq, timer.kind, timer.target_id, timer.version))
    assert popped == timers
    assert len(by_next._heap) == len(by_due._heap)


# A batch's ids are drawn with getrandbits(...).to_bytes(...) where random.Random.randbytes
# is that function (core/sim_events.py ``_new_simulated_events``), randbytes otherwise.


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**64), st.integers(1, 40))
def test_the_inline_draw_is_the_draw_of_randbytes(seed: int, size: int) -> None:
    if regions.PLAIN_RANDBYTES is None:
        pytest.skip("this Python's randbytes is not the pure-Python one: it is called")
    inline, called = random.Random(seed), random.Random(seed)
    for _ in range(3):
        assert inline.getrandbits(size * 8).to_bytes(size, "little") == called.randbytes(size)
    assert inline.getstate() == called.getstate()


def test_a_generator_of_its_own_draws_the_ids_through_its_randbytes() -> None:
    class Fixed(random.Random):
        def randbytes(self, n: int) -> bytes:
            self.asked = n
            return bytes(n)

    sim = Simulation(now=START_T, config=SimulationConfig(seed=5))
    sim.add_instance("i-0")
    sim._rng = Fixed(5)
    (event,) = sim.create_simulated_events(TYPES[0], ["i-0"], START_T + timedelta(minutes=1))
    head, size, table = resource_id_parts("e", sim.config.region)
    assert event.event_id == head + bytes(size).translate(table).decode()
    assert sim._rng.asked == size


# A timeline's ``Recorder.record`` (the simulator's own observer, core/timeline.py) reads
# nothing: with it alone listening, a batch is still made at once (core/sim_events.py) and
# advance()'s loop still makes the timed transitions itself (core/sim_timers.py), handing it
# each record. The same simulation, the same records in the timeline and the same transitions
# returned as the one-by-one way, with the timeline listening from the start.


def _timeline_step(sim: Simulation, heard: list[Any], recorder: Recorder, step: Any) -> None:
    what = step[0]
    if what == "deaf" and sim.observers and sim.observers[-1] == recorder.record:
        return  # the timeline stays
    _core_step(sim, heard, *step)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(core_steps)
@example([("create", 0, 7), ("advance", 0, 7), ("advance", 0, 7)])
@example([("create", 0, 7), ("listen", 0, 0), ("advance", 0, 3), ("deaf", 0, 0), ("advance", 0, 7)])
@example([("create", 2, 4), ("reboot", 1, 0), ("inject", 2, 0), ("advance", 0, 2)])
@example([("create_now", 0, 3), ("call", 0, 1), ("advance", 0, 7)])
def test_a_timeline_alone_hears_what_the_one_by_one_way_tells_it(
    script: list[tuple[str, int, int]],
) -> None:
    sims = _twins(lambda: _account(timeline=True))
    for step in [("create", 0, 4), *script, ("advance", 0, 7)]:
        for (sim, heard, recorder), plain in zip(sims, (False, True), strict=True):
            assert recorder is not None
            with _the_way(plain):
                _timeline_step(sim, heard, recorder, step)
        (fast, fast_heard, fast_recorder), (slow, slow_heard, slow_recorder) = sims
        assert fast_recorder is not None
        assert slow_recorder is not None
        assert _whole(fast) == _whole(slow)
        assert fast_heard == slow_heard
        assert fast_recorder.records() == slow_recorder.records()
        assert fast.observer_errors == slow.observer_errors == []


def test_a_timeline_hears_each_created_event_and_both_timed_transitions() -> None:
    """The quick ways are taken with a timeline listening (no per-event _fire, no
    schedule_event), and the timeline holds every record, in order."""
    sim = Simulation(now=START_T, config=SimulationConfig(seed=5))
    recorder = Recorder(START_T)
    sim.observers.append(recorder.record)
    for k in range(3):
        sim.add_instance(f"i-{k}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Simulation, "_fire", _must_not_run)
        patch.setattr(Store, "schedule_event", _must_not_run)
        created = sim.create_simulated_events(
            TYPES[0], ["i-0", "i-1", "i-2"], START_T + timedelta(minutes=1)
        )
        before = sim.mutations
        applied = sim.advance_to(START_T + timedelta(hours=1))
    changes = recorder.changes()[3:]  # after the instances' own records
    expected = [(e.event_id, None, EventState.Scheduled, "created") for e in created]
    expected += [(e.event_id, EventState.Scheduled, EventState.Executing, "not_before")
                 for e in created]  # fmt: skip
    expected += [(e.event_id, EventState.Executing, EventState.Executed, "execution_done")
                 for e in created]  # fmt: skip
    assert [(t.event_id, t.old_state, t.new_state, t.trigger) for t in changes] == expected
    assert changes[3:] == applied
    assert sim.mutations == before + 6
    assert sim.observers == [recorder.record]


def test_a_failing_timeline_is_told_as_notify_tells_it() -> None:
    """An observer's error is kept, as notify() keeps it, on the quick ways too."""

    class Full(list[Any]):
        def append(self, item: Any) -> None:
            raise RuntimeError(f"no room for {type(item[1]).__name__}")

    def run() -> Simulation:
        sim = Simulation(now=START_T, config=SimulationConfig(seed=5))
        sim.add_instance("i-0")
        recorder = Recorder(START_T)
        recorder._changes = Full()  # still Recorder.record: its append fails
        sim.observers.append(recorder.record)
        sim.create_simulated_events(TYPES[0], ["i-0"], START_T + timedelta(minutes=1))
        sim.advance_to(START_T + timedelta(hours=1))
        return sim

    fast, slow = _twins(run)
    assert [str(e) for e in fast.observer_errors] == [str(e) for e in slow.observer_errors]
    assert [str(e) for e in fast.observer_errors] == ["no room for Transition"] * 3
    assert _whole(fast) == _whole(slow)


def _must_not_run(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the quick way was not taken")
