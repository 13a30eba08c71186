"""The event lifecycle through the simulation (core/simulation.py): maintenance and failure
events, cancelling, inquiring events and accepting them, rescheduling, failing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pytest_ecs_events.core.catalog import InstanceStatus
from pytest_ecs_events.core.clock import format_api_time
from pytest_ecs_events.core.simulation import Simulation, SimulationConfig
from tests.helpers.simulation import (
    FAILURE,
    HOUR,
    MAINTENANCE,
    MIN,
    SEC,
    SIMULATABLE,
    T0,
    Recorder,
    S,
    make_sim,
    refused,
    snapshot,
)


# ================================================================ maintenance lifecycle
@pytest.mark.parametrize("event_type", MAINTENANCE)
def test_maintenance_scheduled_executing_executed(sim: Simulation, event_type: str) -> None:
    nb = T0 + HOUR
    [event] = sim.create_simulated_events(event_type, ["i-a"], nb)
    assert event.state is S.Scheduled
    assert event.simulated is True
    assert event.event_type == event_type
    assert event.instance_id == "i-a"
    assert event.not_before == nb
    assert event.publish_time == T0
    assert event.finish_time is None
    assert event.reason == "A simulated event."
    assert event.impact_level == "100"
    assert event.history == [(T0, S.Scheduled)]
    assert re.fullmatch(r"e-bp1[a-z0-9]{17}", event.event_id)

    assert sim.advance_to(nb - SEC) == []
    assert event.state is S.Scheduled
    [t] = sim.advance_to(nb)
    assert (t.old_state, t.new_state, t.time, t.event_id) == (
        S.Scheduled, S.Executing, nb, event.event_id,
    )  # fmt: skip
    assert event.state is S.Executing
    assert event.execute_start_time == nb
    assert event.finish_time is None

    assert sim.advance_to(nb + 29 * SEC) == []
    assert event.state is S.Executing
    [t] = sim.advance_to(nb + 30 * SEC)
    assert (t.old_state, t.new_state, t.time) == (S.Executing, S.Executed, nb + 30 * SEC)
    assert event.state is S.Executed
    assert event.finish_time == nb + 30 * SEC
    assert event.history == [(T0, S.Scheduled), (nb, S.Executing), (nb + 30 * SEC, S.Executed)]
    # Final: nothing more happens, and the instance was never touched.
    assert sim.advance_to(nb + 30 * HOUR) == []
    assert event.state is S.Executed
    assert sim.get_instance("i-a").status is InstanceStatus.Running


def test_default_execution_duration_is_thirty_seconds() -> None:
    assert SimulationConfig().execution_duration == timedelta(seconds=30)


def test_execution_duration_is_configurable() -> None:
    sim = make_sim(execution_duration=timedelta(minutes=5))
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    sim.advance_to(T0 + HOUR + 4 * MIN + 59 * SEC)
    assert event.state is S.Executing
    sim.advance_to(T0 + HOUR + 5 * MIN)
    assert event.state is S.Executed
    assert event.finish_time == T0 + HOUR + 5 * MIN


def test_maintenance_with_not_before_now_starts_executing(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0)
    assert event.state is S.Executing
    assert event.history == [(T0, S.Scheduled), (T0, S.Executing)]
    sim.advance_to(T0 + 30 * SEC)
    assert event.state is S.Executed


# ==================================================================== failure lifecycle
@pytest.mark.parametrize("event_type", FAILURE)
def test_failure_starts_executing_and_ends_at_not_before(sim: Simulation, event_type: str) -> None:
    nb = T0 + 10 * MIN
    [event] = sim.create_simulated_events(event_type, ["i-a"], nb)
    assert event.state is S.Executing
    assert event.execute_start_time == T0
    assert event.history == [(T0, S.Executing)]
    sim.advance_to(nb - SEC)
    assert event.state is S.Executing
    [t] = sim.advance_to(nb + HOUR)
    assert (t.old_state, t.new_state, t.time) == (S.Executing, S.Executed, nb)
    assert event.state is S.Executed
    assert event.finish_time == nb
    assert event.history == [(T0, S.Executing), (nb, S.Executed)]
    assert sim.get_instance("i-a").status is InstanceStatus.Running


@pytest.mark.parametrize("event_type", FAILURE)
def test_failure_with_not_before_now_executes_immediately(sim: Simulation, event_type: str) -> None:
    [event] = sim.create_simulated_events(event_type, ["i-a"], T0)
    assert event.state is S.Executed
    assert event.finish_time == T0
    assert event.history == [(T0, S.Executing), (T0, S.Executed)]
    assert sim.advance_to(T0 + HOUR) == []


def test_failure_ignores_the_execution_duration() -> None:
    sim = make_sim(execution_duration=timedelta(hours=5))
    [event] = sim.create_simulated_events("SystemFailure.Reboot", ["i-a"], T0 + MIN)
    sim.advance_to(T0 + MIN)
    assert event.state is S.Executed


@pytest.mark.parametrize("event_type", SIMULATABLE)
def test_simulated_events_never_change_the_instance(sim: Simulation, event_type: str) -> None:
    recorder = Recorder()
    sim.observers.append(recorder)
    sim.create_simulated_events(event_type, ["i-a"], T0 + MIN)
    sim.advance_to(T0 + HOUR)
    assert sim.get_instance("i-a").status is InstanceStatus.Running
    assert recorder.instance("i-a") == []


# ============================================================================= canceling
def test_cancel_scheduled(sim: Simulation) -> None:
    a, b = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a", "i-b"], T0 + HOUR)
    sim.advance_to(T0 + MIN)
    assert sim.cancel_simulated_events([a.event_id]) == [a]
    assert a.state is S.Canceled
    assert a.finish_time == T0 + MIN
    assert a.history == [(T0, S.Scheduled), (T0 + MIN, S.Canceled)]
    assert b.state is S.Scheduled
    sim.advance_to(T0 + 2 * HOUR)
    assert a.state is S.Canceled
    assert b.state is S.Executed


def test_cancel_executing_maintenance(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Stop", ["i-a"], T0 + HOUR)
    sim.advance_to(T0 + HOUR + 10 * SEC)
    assert event.state is S.Executing
    sim.cancel_simulated_events([event.event_id])
    assert event.state is S.Canceled
    assert sim.advance_to(T0 + 2 * HOUR) == []
    assert event.history[-1] == (T0 + HOUR + 10 * SEC, S.Canceled)


@pytest.mark.parametrize("event_type", FAILURE)
def test_cancel_executing_failure(sim: Simulation, event_type: str) -> None:
    [event] = sim.create_simulated_events(event_type, ["i-a"], T0 + HOUR)
    sim.cancel_simulated_events([event.event_id])
    assert event.state is S.Canceled
    assert event.history == [(T0, S.Executing), (T0, S.Canceled)]
    assert sim.advance_to(T0 + 2 * HOUR) == []


def test_cancel_of_a_finished_event_leaves_it(sim: Simulation) -> None:
    # Project choice (the real answer is unknown): an idempotent cancel.
    [event] = sim.create_simulated_events("SystemFailure.Reboot", ["i-a"], T0)
    assert event.state is S.Executed
    sim.cancel_simulated_events([event.event_id])
    assert event.state is S.Executed
    assert event.history == [(T0, S.Executing), (T0, S.Executed)]


def test_cancel_duplicate_ids_once(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    sim.cancel_simulated_events([event.event_id, event.event_id])
    assert event.history == [(T0, S.Scheduled), (T0, S.Canceled)]


def test_cancel_platform_event_refused(sim: Simulation) -> None:
    platform = sim.inject_event("SystemMaintenance.Reboot", "i-a")
    [simulated] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-b"], T0 + HOUR)
    with refused(sim, "CannotCancelSystemEvent.NotSimulated", 403) as info:
        sim.cancel_simulated_events([simulated.event_id, platform.event_id])
    assert platform.event_id in info.value.message
    assert simulated.state is S.Scheduled


def test_cancel_unknown_event_refused(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    with refused(sim, "InvalidEventId.NotFound", 403) as info:
        sim.cancel_simulated_events([event.event_id, "e-doesnotexist"])
    assert "e-doesnotexist" in info.value.message
    assert event.state is S.Scheduled


def test_cancel_event_of_another_region_refused(sim: Simulation) -> None:
    [event] = sim.create_simulated_events(
        "SystemMaintenance.Reboot", ["i-bj"], T0 + HOUR, region="cn-beijing"
    )
    with refused(sim, "InvalidEventId.NotFound", 403):
        sim.cancel_simulated_events([event.event_id])
    sim.cancel_simulated_events([event.event_id], region="cn-beijing")
    assert event.state is S.Canceled


def test_cancel_without_ids_refused(sim: Simulation) -> None:
    with refused(sim, "MissingParameter", 404):
        sim.cancel_simulated_events([])


def test_cancel_more_than_100_ids_refused(sim: Simulation) -> None:
    events = []
    for n in range(101):
        iid = sim.add_instance(f"i-x{n}").instance_id
        events += sim.create_simulated_events("SystemMaintenance.Reboot", [iid], T0 + HOUR)
    ids = [e.event_id for e in events]
    with refused(sim, "EventIdLimitExceeded", 400):
        sim.cancel_simulated_events(ids)
    assert all(e.state is S.Scheduled for e in events)
    sim.cancel_simulated_events(ids[:100])
    assert [e.state for e in events].count(S.Canceled) == 100


# ===================================================================== inquiring / accept
def test_inquiring_waits_forever_until_accepted(sim: Simulation) -> None:
    recorder = Recorder()
    sim.observers.append(recorder)
    event = sim.inject_event("SystemMaintenance.Reboot", "i-a", state="Inquiring")
    assert event.state is S.Inquiring
    assert event.not_before is None
    assert sim.next_due() is None
    assert sim.advance_to(T0 + timedelta(days=400)) == []
    assert event.state is S.Inquiring
    assert sim.get_instance("i-a").status is InstanceStatus.Running
    accepted_at = T0 + timedelta(days=400)
    assert sim.accept_inquired_event(event.event_id) is event
    assert event.state is S.Executing
    assert event.execute_start_time == accepted_at
    assert sim.get_instance("i-a").status is not InstanceStatus.Running
    [t] = sim.advance_to(accepted_at + 30 * SEC)
    assert (t.old_state, t.new_state) == (S.Executing, S.Executed)
    assert event.history == [
        (T0, S.Inquiring), (accepted_at, S.Executing), (accepted_at + 30 * SEC, S.Executed),
    ]  # fmt: skip
    assert sim.get_instance("i-a").status is InstanceStatus.Running
    assert recorder.instance("i-a")[-1] is InstanceStatus.Running


def test_accept_refused_for_non_inquiring_events(sim: Simulation) -> None:
    event = sim.inject_event("SystemMaintenance.Reboot", "i-a")
    with refused(sim, "InvalidEventId.NoInquiringEventFound", 404):
        sim.accept_inquired_event(event.event_id)
    with refused(sim, "InvalidEventId.NoInquiringEventFound", 404):
        sim.accept_inquired_event("e-nope")
    inquiring = sim.inject_event("SystemMaintenance.Reboot", "i-b", state="Inquiring")
    with refused(sim, "InvalidEventId.NoInquiringEventFound", 404):
        sim.accept_inquired_event(inquiring.event_id, region="cn-beijing")


def test_reboot_avoids_an_inquiring_platform_reboot(sim: Simulation) -> None:
    event = sim.inject_event("SystemMaintenance.Reboot", "i-a", state="Inquiring")
    sim.reboot_instance("i-a")
    assert event.state is S.Avoided


# ============================================================================ reschedule
def test_reschedule_keeps_initial_not_before_and_moves_the_timer(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    sim.reschedule_event(event.event_id, "i-a", T0 + 3 * HOUR)
    assert event.not_before == T0 + 3 * HOUR
    assert event.extended["InitialNotBefore"] == format_api_time(T0 + HOUR)
    assert sim.advance_to(T0 + 2 * HOUR) == []
    assert event.state is S.Scheduled
    # A second reschedule keeps the first original time.
    sim.reschedule_event(event.event_id, "i-a", T0 + 5 * HOUR)
    assert event.extended["InitialNotBefore"] == format_api_time(T0 + HOUR)
    sim.advance_to(T0 + 5 * HOUR - SEC)
    assert event.state is S.Scheduled
    [t] = sim.advance_to(T0 + 5 * HOUR)
    assert (t.new_state, t.time) == (S.Executing, T0 + 5 * HOUR)


def test_reschedule_earlier(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + 3 * HOUR)
    sim.reschedule_event(event.event_id, "i-a", T0 + HOUR)
    transitions = sim.advance_to(T0 + 4 * HOUR)
    assert [(t.time, t.new_state) for t in transitions] == [
        (T0 + HOUR, S.Executing), (T0 + HOUR + 30 * SEC, S.Executed),
    ]  # fmt: skip


def test_reschedule_to_now_executes(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    sim.advance_to(T0 + MIN)
    sim.reschedule_event(event.event_id, "i-a", T0 + MIN)
    assert event.state is S.Executing


def test_reschedule_refusals(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    [failure] = sim.create_simulated_events("SystemFailure.Reboot", ["i-a"], T0 + HOUR)
    sim.advance_to(T0 + MIN)
    with refused(sim, "InvalidEventId.NotFound", 404):
        sim.reschedule_event("e-nope", "i-a", T0 + 2 * HOUR)
    with refused(sim, "InvalidParameter", 400):
        sim.reschedule_event(event.event_id, "i-b", T0 + 2 * HOUR)
    with refused(sim, "IncorrectEventStatus", 403):
        sim.reschedule_event(failure.event_id, "i-a", T0 + 2 * HOUR)
    with refused(sim, "InvalidNotBefore.Passed", 403):
        sim.reschedule_event(event.event_id, "i-a", T0)
    with refused(sim, "InvalidEventId.NotFound", 404):
        sim.reschedule_event(event.event_id, "i-a", T0 + 2 * HOUR, region="cn-beijing")
    assert "InitialNotBefore" not in event.extended


# ============================================================================ fail_event
def test_fail_event(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    sim.advance_to(T0 + MIN)
    sim.fail_event(event.event_id, reason_code="InternalError")
    assert event.state is S.Failed
    assert event.reason_code == "InternalError"
    assert event.finish_time == T0 + MIN
    assert event.history == [(T0, S.Scheduled), (T0 + MIN, S.Failed)]
    assert sim.advance_to(T0 + 2 * HOUR) == []
    assert event.state is S.Failed
    before = snapshot(sim)
    with pytest.raises(ValueError, match="Failed"):
        sim.fail_event(event.event_id)
    assert snapshot(sim) == before
    with refused(sim, "InvalidEventId.NotFound", 404):
        sim.fail_event("e-nope")


@pytest.mark.parametrize("start", ["Executing", "Inquiring"])
def test_fail_executing_or_inquiring(sim: Simulation, start: str) -> None:
    event = sim.inject_event("SystemMaintenance.Reboot", "i-a", state=start)
    sim.fail_event(event.event_id)
    assert event.state is S.Failed
    assert sim.advance_to(T0 + 2 * HOUR) == []


@pytest.mark.parametrize(
    "event_type", ["SystemFailure.Reboot", "SystemMaintenance.Stop", "SystemFailure.Delete"]
)
def test_failed_platform_event_does_not_strand_the_instance(
    sim: Simulation, event_type: str
) -> None:
    # While a platform event executes, the instance is in a transitional status (Starting or
    # Stopping). If the event then fails, the instance must not stay there for ever: nothing
    # could ever act on it again (every instance action needs Running or Stopped).
    event = sim.inject_event(event_type, "i-a", state="Executing")
    assert sim.get_instance("i-a").status in (InstanceStatus.Starting, InstanceStatus.Stopping)
    sim.fail_event(event.event_id)
    sim.advance_to(T0 + timedelta(days=1))
    assert sim.get_instance("i-a").status in (InstanceStatus.Running, InstanceStatus.Stopped)
