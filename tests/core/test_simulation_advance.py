"""Advancing the simulation's clock (core/simulation.py): transitions in time order, the
event histories they leave, the observers, the next due time, memory per event."""

from __future__ import annotations

import gc
import itertools

import pytest

from pytest_ecs_events.core.lifecycle import TRANSITIONS, Transition
from pytest_ecs_events.core.simulation import Simulation, SimulationConfig
from tests.helpers.simulation import HOUR, MIN, SEC, T0, Recorder, S, scheduled_mix, snapshot


# ============================================================================== history
def test_history_is_in_time_order_creation_first(sim: Simulation) -> None:
    events = scheduled_mix(sim)
    sim.advance_to(T0 + 5 * MIN)
    sim.reboot_instance("i-a")
    sim.advance_to(T0 + 3 * HOUR)
    for event in events.values():
        assert event.history[0] == (event.publish_time, event.history[0][1])
        assert event.history[0][1] in (S.Scheduled, S.Executing)
        times = [t for t, _ in event.history]
        assert times == sorted(times)
        assert event.history[-1][1] is event.state
        for (_, a), (_, b) in itertools.pairwise(event.history):
            assert any(src is a and dst is b for (src, _), dst in TRANSITIONS.items()), (a, b)


# ============================================================================ advance_to
def test_advance_returns_transitions_in_time_order(sim: Simulation) -> None:
    [c] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + 3 * HOUR)
    [a] = sim.create_simulated_events("SystemMaintenance.Stop", ["i-b"], T0 + HOUR)
    [f] = sim.create_simulated_events("SystemFailure.Reboot", ["i-c"], T0 + 2 * HOUR)
    [b] = sim.create_simulated_events("SystemMaintenance.Redeploy", ["i-c"], T0 + 2 * HOUR)
    transitions = sim.advance_to(T0 + 4 * HOUR)
    assert [(t.time, t.event_id, t.new_state) for t in transitions] == [
        (T0 + HOUR, a.event_id, S.Executing),
        (T0 + HOUR + 30 * SEC, a.event_id, S.Executed),
        (T0 + 2 * HOUR, f.event_id, S.Executed),
        (T0 + 2 * HOUR, b.event_id, S.Executing),
        (T0 + 2 * HOUR + 30 * SEC, b.event_id, S.Executed),
        (T0 + 3 * HOUR, c.event_id, S.Executing),
        (T0 + 3 * HOUR + 30 * SEC, c.event_id, S.Executed),
    ]
    assert all(t.simulated for t in transitions)
    assert sim.now == T0 + 4 * HOUR


def test_advance_sets_the_clock_even_without_timers(sim: Simulation) -> None:
    assert sim.advance_to(T0 + HOUR) == []
    assert sim.now == T0 + HOUR
    assert sim.advance_to(T0 + HOUR) == []


def test_advance_refuses_going_backwards(sim: Simulation) -> None:
    sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + 3 * HOUR)
    sim.advance_to(T0 + HOUR)
    before = snapshot(sim)
    with pytest.raises(ValueError, match="backwards"):
        sim.advance_to(T0 + HOUR - SEC)
    assert snapshot(sim) == before
    assert sim.now == T0 + HOUR


def test_transitions_are_also_reported_to_observers(sim: Simulation) -> None:
    recorder = Recorder()
    sim.observers.append(recorder)
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    returned = sim.advance_to(T0 + 2 * HOUR)
    seen = [c for c in recorder.changes if isinstance(c, Transition)]
    assert seen[0].old_state is None
    assert seen[0].new_state is S.Scheduled
    assert seen[0].trigger == "created"
    assert seen[1:] == returned
    assert str(returned[0]).endswith(f"{event.event_id} SystemMaintenance.Reboot i-a: "
                                     "Scheduled -> Executing")  # fmt: skip


def test_next_due(sim: Simulation) -> None:
    assert sim.next_due() is None
    sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + 2 * HOUR)
    sim.create_simulated_events("SystemMaintenance.Reboot", ["i-b"], T0 + HOUR)
    assert sim.next_due() == T0 + HOUR
    sim.advance_to(T0 + HOUR)
    assert sim.next_due() == T0 + HOUR + 30 * SEC


def test_a_finished_event_leaves_one_object_for_the_cyclic_gc() -> None:
    """The event, and the part it shares with the nine created with it: its trail holds
    nothing tracked (history tuples holding EventState members were most of the GC's work
    with 100,000 events). Counted, not timed."""
    sim = Simulation(now=T0, config=SimulationConfig(seed=2))
    ids = [sim.add_instance().instance_id for _ in range(10)]
    # one batch first: what the first batch creates once (caches, interned values; more of
    # them on older Pythons) is not a cost per event
    sim.create_simulated_events("SystemMaintenance.Reboot", ids, sim.now + MIN)
    sim.advance_to(sim.now + 2 * MIN)
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(20):
        sim.create_simulated_events("SystemMaintenance.Reboot", ids, sim.now + MIN)
        sim.advance_to(sim.now + 2 * MIN)
    gc.collect()
    events = sim.store.events.values()
    assert len(events) == 210
    assert all(e.state is S.Executed for e in events)
    assert all(len(e.history) == 3 for e in events)
    assert len({id(e._part) for e in events}) == 21  # one part per batch of 10
    assert (len(gc.get_objects()) - before) / 200 <= 1 + 1 / 10 + 0.1
    assert not any(gc.is_tracked(e.trail) for e in events)
