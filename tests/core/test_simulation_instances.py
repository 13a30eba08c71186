"""Instances in the simulation (core/simulation.py): what instance actions avoid, what
platform events do to instances, the actions' status plans, adding instances."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from pytest_ecs_events.core.catalog import DEFAULT_CATALOG, InstanceStatus
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.lifecycle import InstanceChange
from pytest_ecs_events.core.simulation import Simulation
from tests.helpers.simulation import (
    FAILURE,
    HOUR,
    MIN,
    SEC,
    T0,
    Recorder,
    S,
    make_sim,
    refused,
    scheduled_mix,
    snapshot,
    states,
)


# ============================================================================== avoiding
@pytest.mark.parametrize(
    "reboot",
    [
        lambda sim: sim.reboot_instance("i-a"),
        lambda sim: sim.reboot_instances(["i-a"]),
    ],
    ids=["RebootInstance", "RebootInstances"],
)
def test_reboot_before_not_before_avoids_only_maintenance_reboot(
    sim: Simulation, reboot: Callable[[Simulation], object]
) -> None:
    events = scheduled_mix(sim)
    sim.advance_to(T0 + 10 * MIN)
    reboot(sim)
    now = T0 + 10 * MIN
    reboot_event = events["SystemMaintenance.Reboot"]
    assert reboot_event.state is S.Avoided
    assert reboot_event.finish_time == now
    assert reboot_event.history == [(T0, S.Scheduled), (now, S.Avoided)]
    assert events["SystemMaintenance.Stop"].state is S.Scheduled
    assert events["SystemMaintenance.Redeploy"].state is S.Scheduled
    for t in FAILURE:
        assert events[t].state is S.Executing, t
    assert events["other"].state is S.Scheduled  # another instance's event
    # Avoided is final: NotBefore passing changes nothing.
    sim.advance_to(T0 + 2 * HOUR)
    assert reboot_event.state is S.Avoided
    assert len(reboot_event.history) == 2
    assert events["SystemMaintenance.Stop"].state is S.Executed
    assert events["other"].state is S.Executed


def test_reboot_instances_avoids_every_listed_instance(sim: Simulation) -> None:
    a, b, c = sim.create_simulated_events(
        "SystemMaintenance.Reboot", ["i-a", "i-b", "i-c"], T0 + HOUR
    )
    results = sim.reboot_instances(["i-a", "i-b"])
    assert [(i.instance_id, prev, err) for i, prev, err in results] == [
        ("i-a", InstanceStatus.Running, None),
        ("i-b", InstanceStatus.Running, None),
    ]
    assert states([a, b, c]) == [S.Avoided, S.Avoided, S.Scheduled]


def test_reboot_after_not_before_does_not_avoid(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    sim.advance_to(T0 + HOUR)
    assert event.state is S.Executing
    sim.reboot_instance("i-a")
    assert event.state is S.Executing
    sim.advance_to(T0 + HOUR + 30 * SEC)
    assert event.state is S.Executed


def test_reboot_at_not_before_does_not_avoid(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0)
    sim.reboot_instance("i-a")
    assert event.state is not S.Avoided


def test_reboot_one_second_before_not_before_avoids(sim: Simulation) -> None:
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    sim.advance_to(T0 + HOUR - SEC)
    sim.reboot_instance("i-a")
    assert event.state is S.Avoided


def test_stop_and_start_do_not_avoid_simulated_events(sim: Simulation) -> None:
    events = scheduled_mix(sim)
    sim.stop_instance("i-a")
    sim.advance_to(T0 + 10 * SEC)
    sim.start_instance("i-a")
    assert events["SystemMaintenance.Reboot"].state is S.Scheduled
    assert events["SystemMaintenance.Stop"].state is S.Scheduled


def test_redeploy_leaves_simulated_events_alone(sim: Simulation) -> None:
    events = scheduled_mix(sim)
    before = {k: (e.state, list(e.history)) for k, e in events.items()}
    task = sim.redeploy_instance("i-a")
    assert re.fullmatch(r"t-bp1[a-z0-9]{17}", task)
    assert {k: (e.state, list(e.history)) for k, e in events.items()} == before


@pytest.mark.parametrize(
    ("event_type", "state"),
    [
        ("SystemMaintenance.Redeploy", None),
        ("SystemMaintenance.Reboot", None),
        ("SystemMaintenance.Redeploy", "Inquiring"),
        ("SystemFailure.Redeploy", "Scheduled"),
    ],
)
def test_redeploy_avoids_platform_events(
    sim: Simulation, event_type: str, state: str | None
) -> None:
    event = sim.inject_event(event_type, "i-a", state=state)
    other = sim.inject_event(event_type, "i-b", state=state)
    sim.redeploy_instance("i-a")
    assert event.state is S.Avoided
    assert event.finish_time == T0
    assert other.state is not S.Avoided


def test_platform_reboot_event_avoided_by_reboot(sim: Simulation) -> None:
    event = sim.inject_event("SystemMaintenance.Reboot", "i-a", not_before=T0 + HOUR)
    sim.reboot_instance("i-a")
    assert event.state is S.Avoided


# ======================================================================== platform events
@pytest.mark.parametrize(
    ("event_type", "final_status"),
    [
        ("SystemMaintenance.Reboot", InstanceStatus.Running),
        ("SystemMaintenance.Redeploy", InstanceStatus.Running),
        ("SystemMaintenance.Stop", InstanceStatus.Stopped),
        ("InstanceExpiration.Stop", InstanceStatus.Stopped),
        ("AccountUnbalanced.Stop", InstanceStatus.Stopped),
    ],
)
def test_platform_maintenance_event_changes_the_instance(
    sim: Simulation, event_type: str, final_status: InstanceStatus
) -> None:
    recorder = Recorder()
    sim.observers.append(recorder)
    event = sim.inject_event(event_type, "i-a", not_before=T0 + HOUR)
    assert event.simulated is False
    assert event.state is S.Scheduled
    sim.advance_to(T0 + HOUR - SEC)
    assert sim.get_instance("i-a").status is InstanceStatus.Running
    sim.advance_to(T0 + HOUR)
    assert event.state is S.Executing
    assert sim.get_instance("i-a").status is not InstanceStatus.Running
    sim.advance_to(T0 + 2 * HOUR)
    assert event.state is S.Executed
    assert sim.get_instance("i-a").status is final_status
    statuses = recorder.instance("i-a")
    assert statuses[-1] is final_status
    assert any(s is not InstanceStatus.Running for s in statuses[:-1])
    # The other instances are untouched.
    assert recorder.instance("i-b") == []


@pytest.mark.parametrize(
    ("event_type", "final_status"),
    [
        ("SystemFailure.Reboot", InstanceStatus.Running),
        ("InstanceFailure.Reboot", InstanceStatus.Running),
        ("SystemFailure.Redeploy", InstanceStatus.Running),
        ("SystemFailure.Stop", InstanceStatus.Stopped),
    ],
)
def test_platform_failure_event_changes_the_instance(
    sim: Simulation, event_type: str, final_status: InstanceStatus
) -> None:
    event = sim.inject_event(event_type, "i-a", not_before=T0 + 10 * MIN)
    assert event.state is S.Executing
    assert sim.get_instance("i-a").status is not InstanceStatus.Running
    sim.advance_to(T0 + 10 * MIN)
    assert event.state is S.Executed
    assert sim.get_instance("i-a").status is final_status


@pytest.mark.parametrize(
    "event_type", ["SystemFailure.Delete", "InstanceExpiration.Delete", "AccountUnbalanced.Delete"]
)
def test_platform_delete_releases_the_instance(sim: Simulation, event_type: str) -> None:
    other = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + 3 * HOUR)[0]
    event = sim.inject_event(
        event_type, "i-a", not_before=T0 + HOUR, reason="OperationDenied.NoStock"
    )
    assert event.reason == "OperationDenied.NoStock"
    sim.advance_to(T0 + 2 * HOUR)
    assert event.state is S.Executed
    with pytest.raises(EcsApiError) as info:
        sim.get_instance("i-a")
    assert (info.value.code, info.value.status) == ("InvalidInstanceId.NotFound", 404)
    assert "i-a" not in [i.instance_id for i in sim.instances()]
    # The events stay.
    assert sim.get_event(event.event_id) is event
    assert sim.get_event(other.event_id) is other
    assert event in sim.store.events_of_instance("i-a")
    with refused(sim, "InvalidInstanceId.NotFound", 404):
        sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + 3 * HOUR)
    with refused(sim, "InvalidInstanceId.NotFound", 404):
        sim.reboot_instance("i-a")


def test_inject_unknown_type_names_it(sim: Simulation) -> None:
    before = snapshot(sim)
    with pytest.raises(ValueError, match=r"Nope\.Reboot"):
        sim.inject_event("Nope.Reboot", "i-a")
    assert snapshot(sim) == before


def test_inject_on_unknown_instance_refused(sim: Simulation) -> None:
    with refused(sim, "InvalidInstanceId.NotFound", 404):
        sim.inject_event("SystemMaintenance.Reboot", "i-nope")


def test_inject_any_catalog_type(sim: Simulation) -> None:
    for name in DEFAULT_CATALOG.event_types:
        iid = sim.add_instance().instance_id
        event = sim.inject_event(name, iid)
        assert event.event_type == name
        assert event.simulated is False
        assert event.state is DEFAULT_CATALOG.spec(name).start_state


# ===================================================================== instance actions
def _status_walk(sim: Simulation, iid: str, step: timedelta, n: int) -> list[InstanceStatus]:
    walk = [sim.get_instance(iid).status]
    for k in range(1, n + 1):
        sim.advance_to(T0 + k * step)
        walk.append(sim.get_instance(iid).status)
    return walk


def test_reboot_plan(sim: Simulation) -> None:
    sim.reboot_instance("i-a")
    assert _status_walk(sim, "i-a", timedelta(seconds=5), 3) == [
        InstanceStatus.Stopping, InstanceStatus.Starting, InstanceStatus.Running,
        InstanceStatus.Running,
    ]  # fmt: skip


def test_transition_duration_is_configurable() -> None:
    sim = make_sim(instance_transition_duration=timedelta(minutes=1))
    sim.reboot_instance("i-a")
    sim.advance_to(T0 + 59 * SEC)
    assert sim.get_instance("i-a").status is InstanceStatus.Stopping
    assert _status_walk(sim, "i-a", MIN, 2) == [
        InstanceStatus.Stopping, InstanceStatus.Starting, InstanceStatus.Running,
    ]  # fmt: skip


def test_stop_and_start_plans(sim: Simulation) -> None:
    recorder = Recorder()
    sim.observers.append(recorder)
    sim.stop_instance("i-a")
    assert sim.get_instance("i-a").status is InstanceStatus.Stopping
    sim.advance_to(T0 + 5 * SEC)
    assert sim.get_instance("i-a").status is InstanceStatus.Stopped
    sim.start_instance("i-a")
    assert sim.get_instance("i-a").status is InstanceStatus.Starting
    sim.advance_to(T0 + 10 * SEC)
    assert sim.get_instance("i-a").status is InstanceStatus.Running
    assert recorder.instance("i-a") == [
        InstanceStatus.Stopping, InstanceStatus.Stopped, InstanceStatus.Starting,
        InstanceStatus.Running,
    ]  # fmt: skip
    changes = [c for c in recorder.changes if isinstance(c, InstanceChange)]
    assert [c.time for c in changes] == [T0, T0 + 5 * SEC, T0 + 5 * SEC, T0 + 10 * SEC]


def test_redeploy_plans(sim: Simulation) -> None:
    sim.redeploy_instance("i-a")
    assert _status_walk(sim, "i-a", timedelta(seconds=5), 2) == [
        InstanceStatus.Stopping, InstanceStatus.Starting, InstanceStatus.Running,
    ]  # fmt: skip
    stopped = sim.add_instance("i-s", status="Stopped")
    sim.redeploy_instance(stopped.instance_id)
    assert stopped.status is InstanceStatus.Starting
    sim.advance_to(T0 + 15 * SEC)
    assert stopped.status is InstanceStatus.Running


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("Stopped", "reboot_instance"),
        ("Stopped", "stop_instance"),
        ("Running", "start_instance"),
        ("Stopping", "reboot_instance"),
        ("Stopping", "start_instance"),
        ("Starting", "stop_instance"),
        ("Pending", "redeploy_instance"),
        ("Stopping", "redeploy_instance"),
    ],
)
def test_incorrect_instance_status(sim: Simulation, status: str, action: str) -> None:
    sim.add_instance("i-z", status=status)
    [event] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-z"], T0 + HOUR)
    with refused(sim, "IncorrectInstanceStatus", 403) as info:
        getattr(sim, action)("i-z")
    assert status in info.value.message
    assert event.state is S.Scheduled


def test_reboot_while_rebooting_refused(sim: Simulation) -> None:
    sim.reboot_instance("i-a")
    with refused(sim, "IncorrectInstanceStatus", 403):
        sim.reboot_instance("i-a")


@pytest.mark.parametrize("action", ["reboot_instance", "stop_instance", "start_instance"])
def test_dry_run_changes_nothing(sim: Simulation, action: str) -> None:
    if action == "start_instance":
        sim.add_instance("i-z", status="Stopped")
    else:
        sim.add_instance("i-z")
    sim.create_simulated_events("SystemMaintenance.Reboot", ["i-z"], T0 + HOUR)
    with refused(sim, "DryRunOperation", 400):
        getattr(sim, action)("i-z", dry_run=True)


def test_reboot_instances_all_together_refuses_a_stopped_one(sim: Simulation) -> None:
    sim.add_instance("i-z", status="Stopped")
    a, z = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a", "i-z"], T0 + HOUR)
    with refused(sim, "IncorrectInstanceStatus", 403) as info:
        sim.reboot_instances(["i-a", "i-z"])
    assert "i-z" in info.value.message
    with refused(sim, "DRYRUN.SUCCESS", 400):
        sim.reboot_instances(["i-a"], dry_run=True)
    with refused(sim, "InvalidInstanceIds.NotFound", 404):
        sim.reboot_instances(["i-a", "i-nope"])
    results = sim.reboot_instances(["i-a", "i-z"], all_together=False)
    assert [(i.instance_id, prev) for i, prev, _ in results] == [
        ("i-a", InstanceStatus.Running), ("i-z", InstanceStatus.Stopped),
    ]  # fmt: skip
    assert results[0][2] is None
    error = results[1][2]
    assert error is not None
    assert error.code == "IncorrectInstanceStatus"
    assert (a.state, z.state) == (S.Avoided, S.Scheduled)
    assert sim.get_instance("i-z").status is InstanceStatus.Stopped


def test_reboot_instances_more_than_100_refused(sim: Simulation) -> None:
    ids = [sim.add_instance(f"i-r{n}").instance_id for n in range(101)]
    with refused(sim, "InvalidParameter.TooManyInstanceIds", 403):
        sim.reboot_instances(ids)


def test_unknown_instance_actions_refused(sim: Simulation) -> None:
    for action in ("reboot_instance", "stop_instance", "start_instance", "redeploy_instance"):
        with refused(sim, "InvalidInstanceId.NotFound", 404):
            getattr(sim, action)("i-nope")


def test_platform_event_overrides_a_running_plan(sim: Simulation) -> None:
    sim.stop_instance("i-a")
    sim.inject_event("SystemFailure.Reboot", "i-a", not_before=T0 + MIN)
    sim.advance_to(T0 + HOUR)
    # The stop plan was replaced by the event's restart: the instance ends Running.
    assert sim.get_instance("i-a").status is InstanceStatus.Running


# ============================================================================ add_instance
def test_add_instance(sim: Simulation) -> None:
    inst = sim.add_instance(name="web-1", tags={"env": "test"}, zone="cn-hangzhou-i")
    assert re.fullmatch(r"i-bp1[a-z0-9]{17}", inst.instance_id)
    assert (inst.name, inst.tags, inst.zone, inst.region) == (
        "web-1", {"env": "test"}, "cn-hangzhou-i", "cn-hangzhou",
    )  # fmt: skip
    assert inst.status is InstanceStatus.Running
    assert sim.add_instance(inst.instance_id) is inst
    with pytest.raises(ValueError, match="non-empty"):
        sim.add_instance("  ")
    assert sim.get_instance(inst.instance_id, region="cn-hangzhou") is inst
    with pytest.raises(EcsApiError):
        sim.get_instance(inst.instance_id, region="cn-beijing")
    assert {i.instance_id for i in sim.instances(region="cn-beijing")} == {"i-bj"}


def test_same_seed_same_ids() -> None:
    def ids(seed: int) -> list[str]:
        sim = make_sim(seed=seed)
        iid = sim.add_instance().instance_id
        events = sim.create_simulated_events("SystemMaintenance.Reboot", [iid, "i-a"], T0 + HOUR)
        return [iid, *(e.event_id for e in events)]

    assert ids(5) == ids(5)
    assert ids(5) != ids(6)
