"""The recorder and the queries of ``ecs_sim.timeline`` (core/timeline.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import ClassVar

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.api.calls import ApiCall
from pytest_ecs_events.core.catalog import EventState, InstanceStatus
from pytest_ecs_events.core.lifecycle import InstanceChange, Transition
from pytest_ecs_events.core.timeline import (
    Interval,
    Recorder,
    Timeline,
    instances_of,
    is_failure,
    subject_of,
    summary_of,
    value_of,
)
from tests.helpers.changes import BackendChange

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass(frozen=True)
class CommandChange:
    kind: ClassVar[str] = "command"
    time: datetime
    instance_id: str
    invoke_id: str
    status: str


def inst(t: float, instance: str, old: str | None, new: str | None) -> InstanceChange:
    return InstanceChange(
        at(t),
        instance,
        InstanceStatus(old) if old else None,
        InstanceStatus(new) if new else None,
        "test",
    )


def event(t: float, event_id: str, instance: str, old: str | None, new: str) -> Transition:
    return Transition(
        at(t),
        event_id,
        instance,
        "SystemMaintenance.Reboot",
        EventState(old) if old else None,
        EventState(new),
        True,
        "test",
    )


def call(t: float, action: str, error: str | None = None, **params: str) -> ApiCall:
    return ApiCall(action, params, 200 if error is None else 400, error, at(t), f"req-{t}")


def rolling_reboot() -> Timeline:
    """i-1 reboots (out of lb-1 first), then i-2 reboots; i-3's backend goes abnormal."""
    records = [
        inst(0, "i-1", None, "Running"),
        inst(0, "i-2", None, "Running"),
        BackendChange(at(0), "i-1", "lb-1", None, "normal"),
        BackendChange(at(0), "i-2", "lb-1", None, "normal"),
        event(0, "e-1", "i-1", None, "Scheduled"),
        BackendChange(at(10), "i-1", "lb-1", "normal", "removed"),
        call(10, "RemoveBackendServers"),
        inst(20, "i-1", "Running", "Stopping"),
        call(20, "RebootInstance", InstanceId="i-1"),
        inst(25, "i-1", "Stopping", "Starting"),
        inst(30, "i-1", "Starting", "Running"),
        CommandChange(at(31), "i-1", "t-1", "Running"),
        CommandChange(at(35), "i-1", "t-1", "Failed"),
        inst(40, "i-2", "Running", "Stopping"),
        call(40, "RebootInstances", **{"InstanceId.1": "i-2", "InstanceId.2": "i-3"}),
        inst(50, "i-2", "Stopping", "Running"),
        call(60, "DescribeRegions", error="Throttling"),
    ]
    return Timeline(records, start=at(0), end=at(100))


# ------------------------------------------------------------------------ readings
def test_values_subjects_and_instances_of_every_kind() -> None:
    t = rolling_reboot()
    assert value_of(t[0]) == "Running"
    assert value_of(inst(1, "i-1", "Stopping", None)) == "Released"
    assert value_of(t[4]) == "Scheduled"
    assert subject_of(t[4]) == "e-1"
    assert value_of(t[5]) == "removed"
    assert subject_of(t[5]) == "lb-1"
    assert value_of(t[11]) == "Running"
    assert subject_of(t[11]) == "t-1"
    assert value_of(t[6]) == "RemoveBackendServers"
    assert subject_of(t[6]) == ""
    assert instances_of(t[14]) == ("i-2", "i-3")
    assert t[14].instance_id == "i-2"
    assert instances_of(t[6]) == ()
    assert [r.kind for r in t.failures] == ["command", "call"]
    assert is_failure(t[-1])
    assert not is_failure(t[0])


@dataclass(frozen=True)
class Said:
    """A record that says itself (as the Cloud Assistant's and the load balancers' do)."""

    kind: ClassVar[str] = "said"
    time: datetime
    instance_id: str
    new_value: str

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%dT%H:%M:%SZ} {self.instance_id} became {self.new_value}"


def test_a_record_that_says_itself_is_summed_up_so() -> None:
    assert summary_of(Said(at(0), "i-1", "ready")) == "i-1 became ready"
    sim = EcsSimulator(now=T0, instances=["i-1"])
    sim.add_load_balancer(name="web", listeners=[(80, "web")],
                          vserver_groups={"web": [("i-1", 100, 8080)]})  # fmt: skip
    sim.call("RunCommand", RegionId=sim.region, Type="RunShellScript", CommandContent="true",
             **{"InstanceId.1": "i-1"})  # fmt: skip
    sim.reboot_instance("i-1")
    sim.advance("1m")
    lines = [summary_of(r) for r in sim.timeline.of(kind=("command", "backend", "weight"))]
    assert lines[0].startswith("i-1 in lb-")
    assert lines[0].endswith(":8080: added (weight 100) (add_load_balancer)")
    assert lines[1].startswith("t-")
    assert lines[1].endswith(" i-1: (new) -> Pending")
    assert any(line.endswith(": health on :80 normal -> abnormal (health check)") for line in lines)
    assert not any(line[:4].isdigit() for line in lines)  # no time: the table has it


def test_summaries_of_known_and_unknown_kinds() -> None:
    t = rolling_reboot()
    assert summary_of(t[4]) == "e-1 SystemMaintenance.Reboot i-1: (new) -> Scheduled"
    assert summary_of(t[7]) == "i-1: Running -> Stopping (test)"
    assert summary_of(t[8]) == "RebootInstance i-1 -> 200"
    assert summary_of(t[-1]) == "DescribeRegions -> 400 Throttling"
    assert summary_of(t[5]) == (
        "i-1 health normal -> removed load_balancer_id=lb-1 weight=100 reason="
    )
    assert "08:00:20Z  instance i-1: Running -> Stopping" in str(t)
    assert repr(t).startswith("<Timeline 17 record(s): instance 7, backend 3")


# ------------------------------------------------------------------------ filters
def test_of_filters_by_kind_instance_value_subject_and_fields() -> None:
    t = rolling_reboot()
    assert len(t.of(kind="instance", instance="i-1")) == 4
    assert len(t.of(kind=("instance", "event"), instance="i-1")) == 5
    assert [r.action for r in t.of(kind="call", instance="i-3")] == ["RebootInstances"]  # type: ignore[attr-defined]
    assert len(t.of(value="Stopping")) == 2
    assert len(t.of(value=lambda v: v.startswith("Reboot"))) == 2
    assert t.of(subject="lb-1", value="removed")[0].time == at(10)
    assert len(t.of(kind="event", event_type="SystemMaintenance.Reboot")) == 1
    assert len(t.of(new_state=EventState.Scheduled)) == len(t.of(new_state="Scheduled")) == 1
    assert len(t.of(action="RebootInstance", where=lambda r: r.time > at(30))) == 0
    assert not t.of(kind="nothing")
    assert t.kinds == ["instance", "backend", "event", "call", "command"]
    assert t.instances == ["i-1", "i-2", "i-3"]


def test_between_before_after_first_last() -> None:
    t = rolling_reboot()
    assert [r.time for r in t.between(at(20), at(25))] == [at(20), at(20), at(25)]
    reboot = t.first(kind="instance", instance="i-1", value="Stopping")
    assert reboot is t[7]
    # by a record: its place, so the call made at the same second comes after it
    assert t.after(reboot)[0] is t[8]
    assert t.before(reboot)[-1] is t[6]
    assert t.between(reboot, reboot) == [reboot]
    # a record filtered out of a view still places the view's records
    calls = t.of(kind="call")
    assert calls.before(reboot).last() is t[6]
    assert calls.after(reboot).first() is t[8]
    assert t.last(kind="instance").instance_id == "i-2"  # type: ignore[union-attr]
    assert t.first(kind="nothing") is None
    assert Timeline([], start=T0, end=T0).last() is None
    assert t[1:3] == [t[1], t[2]]
    assert isinstance(t[1:3], Timeline)


# ------------------------------------------------------------------------ values over time
def test_status_state_and_values_at() -> None:
    t = rolling_reboot()
    assert t.status_at("i-1", at(-1)) is None
    assert t.status_at("i-1", at(22)) == "Stopping"
    assert t.status_at("i-1", at(25)) == "Starting"  # the moment itself included
    assert t.state_at("e-1", at(99)) == "Scheduled"
    reboot = t.first(kind="instance", instance="i-1", value="Stopping")
    assert reboot is not None
    # "the instance was out of every load balancer before it rebooted"
    assert set(t.values_at(reboot, kind="backend", instance="i-1").values()) == {"removed"}
    assert t.values_at(at(5), kind="backend") == {"lb-1": "normal"}  # one subject: lb-1
    assert t.status_at("i-1", reboot) == "Stopping"


def test_intervals_merge_successive_values() -> None:
    t = rolling_reboot()
    rebooting = t.intervals("instance", value=("Stopping", "Starting"))
    assert [(i.instance_id, i.values, i.start, i.end) for i in rebooting] == [
        ("i-1", ("Stopping", "Starting"), at(20), at(30)),
        ("i-2", ("Stopping",), at(40), at(50)),
    ]
    assert rebooting[0].duration == timedelta(seconds=10)
    assert rebooting[0].value == "Stopping"
    unmerged = t.intervals("instance", value=("Stopping", "Starting"), merge=False)
    assert len(unmerged) == 3
    running = t.intervals("instance", value="Running", instance="i-1")
    assert [(i.start, i.end) for i in running] == [(at(0), at(20)), (at(30), None)]
    assert running[1].contains(at(1000))
    assert not running[0].contains(at(20))
    assert "(still)" in str(running[1])
    assert t.intervals("event")[0].values == ("Scheduled",)
    assert t.intervals("backend", subject="lb-1", instance="i-2")[0].value == "normal"


def test_overlapping_and_most_at_once() -> None:
    t = rolling_reboot()
    assert t.overlapping("instance", value=("Stopping", "Starting")) == []
    assert t.most_at_once("instance", value=("Stopping", "Starting")) == 1
    running = t.intervals("instance", value="Running")
    assert t.most_at_once(running) == 2
    pairs = t.overlapping(running)
    assert pairs
    assert all(a.instance_id != b.instance_id for a, b in pairs)
    a = Interval("instance", "i-1", "i-1", ("Stopping",), at(0), at(10))
    b = Interval("instance", "i-2", "i-2", ("Stopping",), at(10), None)
    c = Interval("instance", "i-3", "i-3", ("Stopping",), at(5), at(5))
    assert not a.overlaps(b)
    assert not a.overlaps(c)
    assert b.overlaps(b)
    assert t.overlapping([a, b, c]) == []
    assert t.most_at_once([a, b]) == 1
    assert t.most_at_once([]) == 0


# ------------------------------------------------------------------------ the recorder
def test_recorder_keeps_the_order_changes_and_calls_came_in() -> None:
    calls: list[ApiCall] = []
    recorder = Recorder(at(0), calls)
    recorder.record(inst(0, "i-1", None, "Running"))
    calls.append(call(0, "DescribeRegions"))
    mark = recorder.mark()
    recorder.record(inst(5, "i-1", "Running", "Stopping"))
    calls.append(call(5, "RebootInstance", InstanceId="i-1"))
    calls.append(call(1, "Late"))  # stamped earlier than it was appended (another thread)
    recorder.record(inst(6, "i-1", "Stopping", "Running"))
    came = [r.kind + ":" + (value_of(r) or "") for r in recorder.records()]
    assert came == [
        "instance:Running",
        "call:DescribeRegions",
        "instance:Stopping",
        "call:RebootInstance",
        "call:Late",
        "instance:Running",
    ]
    assert [value_of(r) for r in recorder.records(mark)] == [
        "Stopping",
        "RebootInstance",
        "Late",
        "Running",
    ]
    timeline = recorder.timeline(at(9))
    assert [value_of(r) for r in timeline][:3] == ["Running", "DescribeRegions", "Late"]
    assert timeline.start == at(0)
    assert timeline.end == at(9)


def test_recorder_hands_out_its_changes_from_a_position() -> None:
    calls: list[ApiCall] = [call(0, "DescribeRegions")]
    recorder = Recorder(at(0), calls)
    changes = [inst(n, "i-1", None if n == 0 else "Running", "Running") for n in range(5)]
    for change in changes:
        recorder.record(change)
    assert recorder.changes() == changes  # the changes only, never the calls
    assert recorder.changes(3) == changes[3:]
    assert recorder.changes(1, limit=2) == changes[1:3]
    assert recorder.changes(recorder.mark()[0]) == []


@dataclass(frozen=True)
class CommandRun:
    """A Cloud Assistant run's change: an ``error_code`` of "" means none."""

    kind: ClassVar[str] = "command"
    time: datetime
    instance_id: str
    invoke_id: str
    new_status: str
    error_code: str = ""


def test_a_command_run_fails_by_its_status_or_its_error_code() -> None:
    assert not is_failure(CommandRun(at(0), "i-1", "t-1", "Running"))
    assert not is_failure(CommandRun(at(0), "i-1", "t-1", "Success"))
    assert is_failure(CommandRun(at(0), "i-1", "t-1", "Failed", "ExitCodeNonzero"))
    assert is_failure(CommandRun(at(0), "i-1", "t-1", "Timeout"))
    assert is_failure(CommandRun(at(0), "i-1", "t-1", "Aborted", "InstanceNotRunning"))


@pytest.mark.parametrize("value", ["Stopping", ("Stopping",), lambda v: v == "Stopping"])
def test_value_forms(value: object) -> None:
    assert len(rolling_reboot().of(value=value)) == 2  # type: ignore[arg-type]
