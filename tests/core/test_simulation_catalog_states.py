"""The documented start states and the documented states that only a cause reaches
(core/simulation.py with the catalog's rules): asking maintenance types, a Scheduled
SystemFailure.Redeploy, SystemFailure.Delete -> Avoided by DeleteInstance, SystemMaintenance.Stop
-> Failed when its instance is busy, and the refusals of AcceptInquiredSystemEvent."""

from __future__ import annotations

import pytest

from pytest_ecs_events.core.catalog import InstanceStatus
from pytest_ecs_events.core.simulation import Simulation
from tests.helpers.simulation import HOUR, SEC, T0, S, refused

ASKING = (
    "SystemMaintenance.RebootAndIsolateErrorDisk",
    "SystemMaintenance.RebootAndReInitErrorDisk",
    "SystemMaintenance.IsolateErrorDisk",
    "SystemMaintenance.ReInitErrorDisk",
    "SystemMaintenance.StopAndRepair",
)


# ----------------------------------------------------------------------- start states
@pytest.mark.parametrize("name", ASKING)
def test_error_disk_maintenance_starts_inquiring_and_waits_for_acceptance(
    sim: Simulation, name: str
) -> None:
    event = sim.inject_event(name, "i-a")
    assert event.state is S.Inquiring
    assert event.not_before is None
    sim.advance_to(T0 + 48 * HOUR)
    assert event.state is S.Inquiring  # no timer: it waits for the user
    sim.accept_inquired_event(event.event_id)
    assert event.state is S.Executing


def test_platform_system_failure_redeploy_can_start_scheduled(sim: Simulation) -> None:
    event = sim.inject_event("SystemFailure.Redeploy", "i-a", state="Scheduled")
    assert event.state is S.Scheduled
    assert event.not_before == T0 + HOUR  # a Scheduled event's default, failure or not
    sim.advance_to(T0 + HOUR)
    assert event.state is S.Executing
    assert sim.get_instance("i-a").status is InstanceStatus.Stopping


def test_a_scheduled_system_failure_redeploy_is_avoided_by_redeploying(sim: Simulation) -> None:
    event = sim.inject_event("SystemFailure.Redeploy", "i-a", state="Scheduled")
    sim.redeploy_instance("i-a")
    assert event.state is S.Avoided


@pytest.mark.parametrize(
    "name", ["InstanceFailure.Alert", "Security.TpmAlert", "SecurityPunish.Locked",
             "SecurityPunish.WebsiteBanned"],
)  # fmt: skip
def test_alert_and_security_events_run_their_course_without_touching_the_instance(
    sim: Simulation, name: str
) -> None:
    event = sim.inject_event(name, "i-a")
    assert event.state is S.Executing
    sim.advance_to(T0 + HOUR)
    assert event.state is S.Executed
    assert sim.get_instance("i-a").status is InstanceStatus.Running


def test_system_upgrade_migrate_redeploys_the_instance_unless_redeployed_first(
    sim: Simulation,
) -> None:
    migrate = sim.inject_event("SystemUpgrade.Migrate", "i-a", not_before=T0 + HOUR)
    sim.advance_to(T0 + HOUR)
    assert migrate.state is S.Executing
    assert sim.get_instance("i-a").status is InstanceStatus.Stopping
    avoided = sim.inject_event("SystemUpgrade.Migrate", "i-b", not_before=T0 + 2 * HOUR)
    sim.redeploy_instance("i-b")
    assert avoided.state is S.Avoided


# ------------------------------------------------- SystemFailure.Delete -> Avoided
def test_releasing_the_instance_first_avoids_a_creation_failure_release(sim: Simulation) -> None:
    event = sim.inject_event("SystemFailure.Delete", "i-a")
    assert event.state is S.Executing
    assert sim.get_instance("i-a").status is InstanceStatus.Stopping
    sim.delete_instance("i-a", force=True)
    assert event.state is S.Avoided
    assert event.finish_time == T0
    assert sim.store.live_instance("i-a") is None
    sim.advance_to(T0 + HOUR)
    assert event.state is S.Avoided


def test_delete_instance_needs_a_stopped_instance_unless_forced(sim: Simulation) -> None:
    with refused(sim, "IncorrectInstanceStatus", 403):
        sim.delete_instance("i-a")
    with refused(sim, "DryRunOperation", 400):
        sim.delete_instance("i-a", force=True, dry_run=True)
    with refused(sim, "InvalidInstanceId.NotFound", 404):
        sim.delete_instance("i-nope", force=True)
    sim.stop_instance("i-b")
    sim.advance_to(T0 + 10 * SEC)
    drill = sim.create_simulated_events("SystemFailure.Reboot", ["i-b"], T0 + HOUR)[0]
    sim.delete_instance("i-b")
    assert sim.store.live_instance("i-b") is None
    assert drill.state is S.Executing  # only a release event is avoided by releasing


# --------------------------------------------------- SystemMaintenance.Stop -> Failed
def test_a_maintenance_stop_fails_when_its_instance_is_busy_at_not_before(
    sim: Simulation,
) -> None:
    stop = sim.inject_event("SystemMaintenance.Stop", "i-a", not_before=T0 + HOUR)
    sim.advance_to(T0 + HOUR - 3 * SEC)
    sim.reboot_instance("i-a")  # RebootInstance does not avoid a Stop; it is under way at NB
    sim.advance_to(T0 + HOUR)
    assert stop.state is S.Failed
    assert sim.get_instance("i-a").status is InstanceStatus.Stopping  # the reboot goes on
    sim.advance_to(T0 + HOUR + 10 * SEC)
    assert sim.get_instance("i-a").status is InstanceStatus.Running


def test_a_maintenance_stop_of_an_idle_instance_is_executed(sim: Simulation) -> None:
    stop = sim.inject_event("SystemMaintenance.Stop", "i-a", not_before=T0 + HOUR)
    sim.reboot_instance("i-a")  # finished long before NotBefore
    sim.advance_to(T0 + 2 * HOUR)
    assert stop.state is S.Executed
    assert sim.get_instance("i-a").status is InstanceStatus.Stopped


def test_a_simulated_stop_never_fails_for_a_busy_instance(sim: Simulation) -> None:
    [drill] = sim.create_simulated_events("SystemMaintenance.Stop", ["i-a"], T0 + HOUR)
    sim.advance_to(T0 + HOUR - 3 * SEC)
    sim.reboot_instance("i-a")
    sim.advance_to(T0 + HOUR)
    assert drill.state is S.Executing


# ------------------------------------------------------- AcceptInquiredSystemEvent
def test_accept_refuses_a_type_that_does_not_ask(sim: Simulation) -> None:
    event = sim.inject_event("SystemFailure.Reboot", "i-a", state="Inquiring")
    with refused(sim, "OperationDenied.AcceptNotSupported", 403) as info:
        sim.accept_inquired_event(event.event_id)
    assert info.value.message == "Accept is not supported on current event type."


def test_accept_refuses_an_event_whose_extended_attribute_says_it_cannot(
    sim: Simulation,
) -> None:
    event = sim.inject_event("SystemMaintenance.Reboot", "i-a", state="Inquiring",
                             extended={"CanAccept": "false"})  # fmt: skip
    with refused(sim, "OperationDenied.AcceptNotSupported", 403):
        sim.accept_inquired_event(event.event_id)


def test_accept_refuses_while_the_instance_is_in_transition(sim: Simulation) -> None:
    event = sim.inject_event("SystemMaintenance.Redeploy", "i-a", state="Inquiring")
    sim.reboot_instance("i-a")  # does not avoid a Redeploy
    with refused(sim, "IncorrectInstanceStatus", 400) as info:
        sim.accept_inquired_event(event.event_id)
    assert info.value.message == "Current instance status does not support this operation."
    sim.advance_to(T0 + 10 * SEC)
    sim.accept_inquired_event(event.event_id)
    assert event.state is S.Executing


def test_accept_refuses_while_another_platform_event_executes_on_the_instance(
    sim: Simulation,
) -> None:
    ask = sim.inject_event("SystemMaintenance.Redeploy", "i-a", state="Inquiring")
    sim.inject_event("SystemMaintenance.PerformanceImpact", "i-a")  # Executing, no effect
    with refused(sim, "OperationConflict", 403):
        sim.accept_inquired_event(ask.event_id)
    sim.advance_to(T0 + HOUR)
    sim.accept_inquired_event(ask.event_id)
    assert ask.state is S.Executing
