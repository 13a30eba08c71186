"""The ``EcsSimulator`` handle (simulator.py), used directly, without going through an SDK."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from pytest_ecs_events import (
    ApiCall,
    EcsApiError,
    EcsSimulator,
    EventState,
    Instance,
    InstanceStatus,
    SystemEvent,
    Transition,
)

UTC = timezone.utc
T0 = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
EVENT_ID = re.compile(r"e-[a-z0-9]{20}")


@pytest.fixture
def sim() -> EcsSimulator:
    return EcsSimulator(now=T0, instances=["i-a", "i-b", "i-c"])


def api_error(sim: EcsSimulator, action: str, **params: str) -> EcsApiError:
    """The error the API answers for ``action`` (through the dispatcher, as SDKs get it)."""
    with pytest.raises(EcsApiError) as info:
        sim.call(action, RegionId=sim.region, **params)
    return info.value


def create_params(event_type: str, ids: list[str], not_before: datetime) -> dict[str, str]:
    params = {"EventType": event_type, "NotBefore": not_before.strftime("%Y-%m-%dT%H:%M:%SZ")}
    params.update({f"InstanceId.{n}": i for n, i in enumerate(ids, 1)})
    return params


# ------------------------------------------------------------------ now, region, endpoint
def test_now_is_aware_utc_and_converted_from_other_offsets() -> None:
    sim = EcsSimulator(now="2024-05-01T08:00:00+08:00")
    assert sim.now == T0
    assert sim.now.utcoffset() == timedelta(0)


def test_naive_now_is_taken_as_utc() -> None:
    assert EcsSimulator(now=datetime(2024, 5, 1)).now == T0


def test_default_now_is_the_wall_clock() -> None:
    sim = EcsSimulator()
    assert sim.now.tzinfo is not None
    assert abs(sim.now - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        ("cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com"),
        ("cn-beijing", "ecs.cn-beijing.aliyuncs.com"),
        ("ap-southeast-1", "ecs.ap-southeast-1.aliyuncs.com"),
    ],
)
def test_region_and_endpoint(region: str, endpoint: str) -> None:
    sim = EcsSimulator(region=region)
    assert sim.region == region
    assert sim.endpoint == endpoint


def test_default_region_is_hangzhou() -> None:
    assert EcsSimulator().region == "cn-hangzhou"


# --------------------------------------------------------------------------- advance
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"by": "2h"}, timedelta(hours=2)),
        ({"by": "90m"}, timedelta(minutes=90)),
        ({"by": "1h30m"}, timedelta(minutes=90)),
        ({"by": "45s"}, timedelta(seconds=45)),
        ({"by": "2d"}, timedelta(days=2)),
        ({"by": "PT2H"}, timedelta(hours=2)),
        ({"by": timedelta(minutes=7)}, timedelta(minutes=7)),
        ({"days": 1}, timedelta(days=1)),
        ({"hours": 2, "minutes": 30}, timedelta(hours=2, minutes=30)),
        ({"seconds": 10}, timedelta(seconds=10)),
        ({"by": "1h", "minutes": 5}, timedelta(hours=1, minutes=5)),
        ({"to": T0 + timedelta(hours=3)}, timedelta(hours=3)),
        ({"to": "2024-05-01T04:00:00Z"}, timedelta(hours=4)),
        ({"to": "2024-05-01T12:00:00+08:00"}, timedelta(hours=4)),
    ],
)
def test_advance_forms(sim: EcsSimulator, kwargs: dict[str, object], expected: timedelta) -> None:
    assert sim.advance(**kwargs) == []  # type: ignore[arg-type]
    assert sim.now == T0 + expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"to": T0 - timedelta(seconds=1)},
        {"to": "2024-04-30T23:00:00Z"},
        {"hours": -1},
        {"by": timedelta(hours=-1)},
        {"by": "-1h"},
        {"by": "2h", "hours": -1},
    ],
)
def test_advance_refuses_to_go_backwards(sim: EcsSimulator, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        sim.advance(**kwargs)  # type: ignore[arg-type]
    assert sim.now == T0


def test_advance_to_and_duration_together_is_an_error(sim: EcsSimulator) -> None:
    with pytest.raises(TypeError):
        sim.advance("1h", to=T0 + timedelta(hours=2))
    assert sim.now == T0


def test_advance_to_now_is_allowed(sim: EcsSimulator) -> None:
    assert sim.advance(to=T0) == []
    assert sim.now == T0


def test_advance_returns_transitions_in_time_order(sim: EcsSimulator) -> None:
    (late,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    (failure,) = sim.create_events("SystemFailure.Reboot", "i-b", "+10m")
    (early,) = sim.create_events("SystemMaintenance.Stop", "i-c", "+30m")
    transitions = sim.advance("2h")
    assert all(isinstance(t, Transition) for t in transitions)
    assert [t.time for t in transitions] == sorted(t.time for t in transitions)
    assert [(t.event_id, t.old_state, t.new_state, t.time - T0) for t in transitions] == [
        (failure.event_id, EventState.Executing, EventState.Executed, timedelta(minutes=10)),
        (early.event_id, EventState.Scheduled, EventState.Executing, timedelta(minutes=30)),
        (
            early.event_id,
            EventState.Executing,
            EventState.Executed,
            timedelta(minutes=30, seconds=30),
        ),
        (late.event_id, EventState.Scheduled, EventState.Executing, timedelta(hours=1)),
        (late.event_id, EventState.Executing, EventState.Executed, timedelta(hours=1, seconds=30)),
    ]
    assert sim.now == T0 + timedelta(hours=2)
    assert sim.advance("1h") == []


def test_advance_stops_exactly_at_the_target(sim: EcsSimulator) -> None:
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    assert sim.advance(minutes=59, seconds=59) == []
    assert event.state == "Scheduled"
    (step,) = sim.advance(seconds=1)
    assert step.new_state is EventState.Executing
    assert step.time == T0 + timedelta(hours=1)
    assert event.state == "Executing"
    assert sim.advance("29s") == []
    assert [t.new_state for t in sim.advance("1s")] == [EventState.Executed]


def test_execution_duration_setting() -> None:
    sim = EcsSimulator(now=T0, instances=["i-a"], execution_duration="5m")
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    sim.advance("1h4m")
    assert event.state == "Executing"
    sim.advance("1m")
    assert event.state == "Executed"
    assert event.finish_time == T0 + timedelta(hours=1, minutes=5)


# ---------------------------------------------------------------------- instances
def test_generated_instance_ids_look_real_in_hangzhou() -> None:
    sim = EcsSimulator(now=T0)
    ids = {sim.add_instance().instance_id for _ in range(50)}
    assert len(ids) == 50
    for instance_id in ids:
        assert re.fullmatch(r"i-bp1[a-z0-9]{17}", instance_id), instance_id


def test_generated_instance_ids_look_real_in_beijing() -> None:
    sim = EcsSimulator(now=T0, region="cn-beijing")
    instance = sim.add_instance()
    assert re.fullmatch(r"i-2ze[a-z0-9]{17}", instance.instance_id)
    assert instance.region == "cn-beijing"
    assert instance.zone.startswith("cn-beijing-")


def test_add_instance_in_another_region() -> None:
    sim = EcsSimulator(now=T0)
    instance = sim.add_instance(region="cn-beijing")
    assert instance.instance_id.startswith("i-2ze")
    assert instance.region == "cn-beijing"
    assert instance.zone.startswith("cn-beijing-")


@pytest.mark.parametrize("region", ["cn-nowhere", "cn-hangzou", ""])
def test_an_unknown_default_region_is_refused(region: str) -> None:
    with pytest.raises(ValueError, match=f"unknown region '{region}'"):
        EcsSimulator(region=region)


def test_extra_regions_are_accepted_everywhere() -> None:
    sim = EcsSimulator(now=T0, region="cn-lab-1", extra_regions=["cn-lab-1", "cn-lab-2"])
    instance = sim.add_instance(region="cn-lab-2")
    assert instance.region == "cn-lab-2"
    assert instance.zone == "cn-lab-2-a"
    (event,) = sim.create_events("SystemMaintenance.Reboot", instance.instance_id,
                                 region="cn-lab-2")  # fmt: skip
    assert sim.cancel_events(event.event_id, region="cn-lab-2")[0].state == "Canceled"
    assert sim.add_disk(region="cn-lab-2", zone="cn-lab-2-a").region == "cn-lab-2"
    with pytest.raises(TypeError, match="extra_regions must be a list"):
        EcsSimulator(extra_regions="cn-lab-1")


def test_setup_members_refuse_an_unknown_region(sim: EcsSimulator) -> None:
    with pytest.raises(ValueError, match="unknown region 'cn-nowhere'"):
        sim.add_instance("i-x", region="cn-nowhere")
    with pytest.raises(ValueError, match="unknown region 'mars-1'"):
        sim.add_disk(region="mars-1", zone="mars-1-a")
    assert [i.instance_id for i in sim.instances] == ["i-a", "i-b", "i-c"]
    assert sim.disks == [d for d in sim.disks if d.instance_id]


def test_event_members_answer_what_the_api_answers(sim: EcsSimulator) -> None:
    with pytest.raises(EcsApiError) as created:
        sim.create_events("SystemMaintenance.Reboot", "i-a", region="cn-nowhere")
    with pytest.raises(EcsApiError) as canceled:
        sim.cancel_events("e-1", region="cn-nowhere")
    for raised in (created, canceled):
        assert (raised.value.code, raised.value.status) == ("InvalidRegionId.NotFound", 404)
    assert sim.events() == []


def test_add_instance_fields() -> None:
    sim = EcsSimulator(now=T0)
    instance = sim.add_instance(
        "i-web", name="web-1", zone="cn-hangzhou-k", status="Stopped", tags={"role": "web"}
    )
    assert isinstance(instance, Instance)
    assert instance.instance_id == "i-web"
    assert instance.name == "web-1"
    assert instance.zone == "cn-hangzhou-k"
    assert instance.region == "cn-hangzhou"
    assert instance.status is InstanceStatus.Stopped
    assert instance.status == "Stopped"
    assert instance.tags == {"role": "web"}
    plain = sim.add_instance("i-plain")
    assert plain.status == "Running"
    assert plain.name == "i-plain"
    assert plain.tags == {}


def test_instance_and_instances(sim: EcsSimulator) -> None:
    assert sorted(i.instance_id for i in sim.instances) == ["i-a", "i-b", "i-c"]
    assert sim.instance("i-b").instance_id == "i-b"
    with pytest.raises(EcsApiError) as info:
        sim.instance("i-nope")
    assert (info.value.code, info.value.status) == ("InvalidInstanceId.NotFound", 404)


def test_add_existing_instance_returns_it(sim: EcsSimulator) -> None:
    assert sim.add_instance("i-a") is sim.instance("i-a")
    assert len(sim.instances) == 3


# ------------------------------------------------------------------------ create_events
@pytest.mark.parametrize(
    "not_before",
    [
        T0 + timedelta(hours=2),
        timedelta(hours=2),
        "+2h",
        "+PT2H",
        "2024-05-01T02:00:00Z",
        "2024-05-01T10:00:00+08:00",
    ],
)
def test_create_events_not_before_forms(sim: EcsSimulator, not_before: object) -> None:
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", not_before)  # type: ignore[arg-type]
    assert event.not_before == T0 + timedelta(hours=2)


def test_create_events_for_a_str_or_a_list(sim: EcsSimulator) -> None:
    one = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    many = sim.create_events("SystemMaintenance.Reboot", ["i-b", "i-c"], "+1h")
    assert [e.instance_id for e in one] == ["i-a"]
    assert [e.instance_id for e in many] == ["i-b", "i-c"]
    assert all(isinstance(e, SystemEvent) for e in one + many)


def test_create_events_default_not_before_is_one_hour(sim: EcsSimulator) -> None:
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a")
    assert event.not_before == T0 + timedelta(hours=1)


def test_new_events_start_states(sim: EcsSimulator) -> None:
    (maintenance,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    (failure,) = sim.create_events("SystemFailure.Reboot", "i-b", "+1h")
    assert maintenance.state is EventState.Scheduled
    assert failure.state is EventState.Executing


@pytest.mark.parametrize(
    ("event_type", "ids", "offset", "code", "status"),
    [
        ("SystemMaintenance.Bogus", ["i-a"], timedelta(hours=1), "InvalidParameter", 403),
        ("SystemFailure.Delete", ["i-a"], timedelta(hours=1), "InvalidParameter", 403),
        ("SystemMaintenance.Reboot", ["i-a"], -timedelta(minutes=1),
         "InvalidNotBefore.Passed", 403),
        ("SystemMaintenance.Reboot", ["i-a", "i-nope"], timedelta(hours=1),
         "InvalidInstanceId.NotFound", 404),
        ("SystemMaintenance.Reboot", [f"i-{n}" for n in range(101)], timedelta(hours=1),
         "InstanceIdLimitExceeded", 403),
        ("SystemMaintenance.Reboot", [], timedelta(hours=1), "MissingParameter", 404),
    ],
)  # fmt: skip
def test_create_events_errors_match_the_api(
    sim: EcsSimulator,
    event_type: str,
    ids: list[str],
    offset: timedelta,
    code: str,
    status: int,
) -> None:
    with pytest.raises(EcsApiError) as info:
        sim.create_events(event_type, ids, T0 + offset)
    assert (info.value.code, info.value.status) == (code, status)
    assert info.value.message
    api = api_error(
        sim, "CreateSimulatedSystemEvents", **create_params(event_type, ids, T0 + offset)
    )
    assert (api.code, api.status) == (code, status)
    assert sim.events() == []  # all or nothing


def test_create_events_quota_of_scheduled_simulated_events() -> None:
    sim = EcsSimulator(now=T0)
    ids = [sim.add_instance().instance_id for _ in range(100)]
    for _ in range(10):
        sim.create_events("SystemMaintenance.Reboot", ids, "+1h")
    with pytest.raises(EcsApiError) as info:
        sim.create_events("SystemMaintenance.Reboot", ids[0], "+1h")
    assert info.value.code == "SimulatedEventLimitExceeded"
    assert info.value.status == 403
    assert len(sim.events()) == 1000


def test_ecs_api_error_members() -> None:
    error = EcsApiError("Throttling", "slow down", 400)
    assert (error.code, error.status, error.message) == ("Throttling", 400, "slow down")
    assert "Throttling" in str(error)


# ------------------------------------------------------------------------ cancel_events
def test_cancel_events_str_or_list(sim: EcsSimulator) -> None:
    a, b, c = sim.create_events("SystemMaintenance.Reboot", ["i-a", "i-b", "i-c"], "+1h")
    sim.advance("10m")
    sim.cancel_events(a.event_id)
    sim.cancel_events([b.event_id])
    assert a.state == "Canceled"
    assert b.state == "Canceled"
    assert c.state == "Scheduled"
    assert a.finish_time == T0 + timedelta(minutes=10)
    assert [s for _, s in a.history] == [EventState.Scheduled, EventState.Canceled]
    sim.advance("2h")
    assert a.state == "Canceled"
    assert c.state == "Executed"


def test_cancel_executing_simulated_event(sim: EcsSimulator) -> None:
    (event,) = sim.create_events("SystemFailure.Reboot", "i-a", "+1h")
    sim.cancel_events(event.event_id)
    assert event.state == "Canceled"


def test_cancel_unknown_event(sim: EcsSimulator) -> None:
    with pytest.raises(EcsApiError) as info:
        sim.cancel_events("e-doesnotexist0000000")
    api = api_error(sim, "CancelSimulatedSystemEvents", **{"EventId.1": "e-doesnotexist0000000"})
    assert info.value.code == api.code == "InvalidEventId.NotFound"
    assert info.value.status == api.status


# ------------------------------------------------------------------------- inject_event
def test_inject_event_is_a_platform_event_that_cannot_be_cancelled(sim: EcsSimulator) -> None:
    event = sim.inject_event("SystemMaintenance.Reboot", "i-a", not_before="+1h", reason="hw")
    assert event.simulated is False
    assert event.state == "Scheduled"
    assert event.reason == "hw"
    assert event.not_before == T0 + timedelta(hours=1)
    with pytest.raises(EcsApiError) as info:
        sim.cancel_events(event.event_id)
    assert info.value.code == "CannotCancelSystemEvent.NotSimulated"
    api = api_error(sim, "CancelSimulatedSystemEvents", **{"EventId.1": event.event_id})
    assert (api.code, api.status) == (info.value.code, info.value.status)
    assert event.state == "Scheduled"


def test_inject_event_of_a_type_that_cannot_be_simulated(sim: EcsSimulator) -> None:
    event = sim.inject_event("SystemMaintenance.RebootAndIsolateErrorDisk", "i-a")
    assert event.event_type == "SystemMaintenance.RebootAndIsolateErrorDisk"
    assert event.simulated is False


def test_inject_event_in_inquiring_state(sim: EcsSimulator) -> None:
    event = sim.inject_event("SystemMaintenance.Reboot", "i-a", state="Inquiring")
    assert event.state is EventState.Inquiring
    assert event.not_before is None
    assert sim.advance("30d") == []


def test_platform_reboot_event_restarts_the_instance(sim: EcsSimulator) -> None:
    event = sim.inject_event("SystemMaintenance.Reboot", "i-a", not_before="+1h")
    sim.advance("1h")
    assert event.state == "Executing"
    assert sim.instance("i-a").status != "Running"
    sim.advance("30s")
    assert event.state == "Executed"
    assert sim.instance("i-a").status == "Running"


def test_platform_stop_event_stops_the_instance(sim: EcsSimulator) -> None:
    sim.inject_event("SystemMaintenance.Stop", "i-a", not_before="+1h")
    sim.advance("2h")
    assert sim.instance("i-a").status == "Stopped"


def test_platform_delete_event_releases_the_instance(sim: EcsSimulator) -> None:
    event = sim.inject_event("SystemFailure.Delete", "i-a", not_before="+5m")
    sim.advance("10m")
    assert event.state == "Executed"
    with pytest.raises(EcsApiError):
        sim.instance("i-a")
    assert "i-a" not in [i.instance_id for i in sim.instances]


def test_simulated_events_do_not_change_the_instance(sim: EcsSimulator) -> None:
    sim.create_events("SystemMaintenance.Stop", "i-a", "+1h")
    sim.create_events("SystemFailure.Reboot", "i-b", "+1h")
    sim.advance("1h")
    assert sim.instance("i-a").status == "Running"
    sim.advance("2h")
    assert sim.instance("i-a").status == "Running"
    assert sim.instance("i-b").status == "Running"


def test_inject_event_on_unknown_instance(sim: EcsSimulator) -> None:
    with pytest.raises(EcsApiError) as info:
        sim.inject_event("SystemMaintenance.Reboot", "i-nope")
    assert info.value.code == "InvalidInstanceId.NotFound"


# --------------------------------------------------------------------- instance actions
def test_reboot_before_not_before_avoids_a_scheduled_reboot(sim: EcsSimulator) -> None:
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")
    (other,) = sim.create_events("SystemMaintenance.Reboot", "i-b", "+2h")
    sim.advance("1h")
    instance = sim.reboot_instance("i-a")
    assert instance.instance_id == "i-a"
    assert event.state == "Avoided"
    assert event.finish_time == T0 + timedelta(hours=1)
    assert event.history == [(T0, EventState.Scheduled), (T0 + timedelta(hours=1), "Avoided")]
    assert other.state == "Scheduled"
    assert sim.instance("i-a").status != "Running"
    sim.advance("1m")
    assert sim.instance("i-a").status == "Running"
    sim.advance("2h")
    assert event.state == "Avoided"
    assert other.state == "Executed"


def test_reboot_after_not_before_does_not_avoid(sim: EcsSimulator) -> None:
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    sim.advance("1h10s")
    sim.reboot_instance("i-a")
    assert event.state == "Executing"


def test_stop_and_start_instance(sim: EcsSimulator) -> None:
    assert sim.stop_instance("i-a").status == "Stopping"
    sim.advance("1m")
    assert sim.instance("i-a").status == "Stopped"
    with pytest.raises(EcsApiError) as info:
        sim.reboot_instance("i-a")
    assert (info.value.code, info.value.status) == ("IncorrectInstanceStatus", 403)
    api = api_error(sim, "RebootInstance", InstanceId="i-a")
    assert (api.code, api.status) == ("IncorrectInstanceStatus", 403)
    assert sim.start_instance("i-a").status == "Starting"
    sim.advance("1m")
    assert sim.instance("i-a").status == "Running"


def test_stop_avoids_a_platform_stop_event(sim: EcsSimulator) -> None:
    event = sim.inject_event("SystemMaintenance.Stop", "i-a", not_before="+1h")
    sim.stop_instance("i-a")
    assert event.state == "Avoided"


def test_redeploy_instance_returns_a_task_id_and_avoids_platform_redeploy(
    sim: EcsSimulator,
) -> None:
    event = sim.inject_event("SystemMaintenance.Redeploy", "i-a", not_before="+1h")
    task_id = sim.redeploy_instance("i-a")
    assert isinstance(task_id, str)
    assert task_id.startswith("t-")
    assert event.state == "Avoided"
    sim.advance("1m")
    assert sim.instance("i-a").status == "Running"


def test_instance_actions_on_unknown_instance(sim: EcsSimulator) -> None:
    for method in (sim.reboot_instance, sim.stop_instance, sim.start_instance,
                   sim.redeploy_instance):  # fmt: skip
        with pytest.raises(EcsApiError) as info:
            method("i-nope")
        assert (info.value.code, info.value.status) == ("InvalidInstanceId.NotFound", 404)


# -------------------------------------------------------------------- events, event
def test_events_filters_oldest_first(sim: EcsSimulator) -> None:
    (first,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    sim.advance("1m")
    (second,) = sim.create_events("SystemFailure.Reboot", "i-a", "+10m")
    sim.advance("1m")
    (third,) = sim.create_events("SystemMaintenance.Reboot", "i-b", "+1h")
    sim.reboot_instance("i-b")
    assert sim.events() == [first, second, third]
    assert sim.events(instance_id="i-a") == [first, second]
    assert sim.events(instance_id="i-c") == []
    assert sim.events(state="Avoided") == [third]
    assert sim.events(state=EventState.Scheduled) == [first]
    assert sim.events(state=["Scheduled", "Executing"]) == [first, second]
    assert sim.events(event_type="SystemMaintenance.Reboot") == [first, third]
    assert sim.events(instance_id="i-a", event_type="SystemMaintenance.Reboot") == [first]
    sim.advance("1d")
    assert sim.events(state="Executed") == [first, second]


def test_event_by_id(sim: EcsSimulator) -> None:
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    assert sim.event(event.event_id) is event
    with pytest.raises(EcsApiError) as info:
        sim.event("e-nope")
    assert info.value.code == "InvalidEventId.NotFound"


# ------------------------------------------------------------------- SystemEvent fields
def test_system_event_fields(sim: EcsSimulator) -> None:
    events = sim.create_events("SystemMaintenance.Reboot", ["i-a", "i-b"], "+1h")
    assert len({e.event_id for e in events}) == 2
    event = events[0]
    assert EVENT_ID.fullmatch(event.event_id), event.event_id
    assert event.instance_id == "i-a"
    assert event.event_type == "SystemMaintenance.Reboot"
    assert isinstance(event.state, EventState)
    assert event.not_before == T0 + timedelta(hours=1)
    assert event.publish_time == T0
    assert event.simulated is True
    assert event.finish_time is None
    assert event.history == [(T0, EventState.Scheduled)]
    sim.advance("1h")
    assert event.finish_time is None
    assert event.history[-1] == (T0 + timedelta(hours=1), EventState.Executing)
    sim.advance("30s")
    assert event.finish_time == T0 + timedelta(hours=1, seconds=30)
    assert [s for _, s in event.history] == ["Scheduled", "Executing", "Executed"]
    assert [t for t, _ in event.history] == sorted(t for t, _ in event.history)


def test_failure_event_history_starts_executing(sim: EcsSimulator) -> None:
    (event,) = sim.create_events("SystemFailure.Reboot", "i-a", "+10m")
    assert event.history == [(T0, EventState.Executing)]
    assert event.finish_time is None


def test_event_state_is_a_str_enum() -> None:
    assert issubclass(EventState, str)
    assert [s.value for s in EventState] == [
        "Scheduled", "Inquiring", "Executing", "Executed", "Avoided", "Canceled", "Failed",
    ]  # fmt: skip
    assert EventState.Avoided == "Avoided"
    assert EventState("Canceled") is EventState.Canceled
    assert f"{EventState.Executed}" == "Executed"


# ----------------------------------------------------------------------- calls, faults
def test_calls_are_recorded_in_order(sim: EcsSimulator) -> None:
    sim.call("DescribeRegions")
    sim.advance("1h")
    with pytest.raises(EcsApiError):
        sim.call("RebootInstance", InstanceId="i-nope")
    calls = sim.calls
    assert all(isinstance(c, ApiCall) for c in calls)
    assert [c.action for c in calls] == ["DescribeRegions", "RebootInstance"]
    assert [c.status for c in calls] == [200, 404]
    assert [c.error_code for c in calls] == [None, "InvalidInstanceId.NotFound"]
    assert [c.time for c in calls] == [T0, T0 + timedelta(hours=1)]
    assert calls[1].params == {"InstanceId": "i-nope"}
    calls.clear()
    assert len(sim.calls) == 2  # a copy


def test_fail_next(sim: EcsSimulator) -> None:
    sim.fail_next("DescribeRegions", times=2)
    sim.fail_next("RebootInstance", code="ServiceUnavailable", status=503, message="busy")
    for _ in range(2):
        with pytest.raises(EcsApiError) as info:
            sim.call("DescribeRegions")
        assert (info.value.code, info.value.status) == ("Throttling", 400)
    assert "Regions" in sim.call("DescribeRegions")
    with pytest.raises(EcsApiError) as info:
        sim.call("RebootInstance", InstanceId="i-a")
    assert (info.value.code, info.value.status, info.value.message) == (
        "ServiceUnavailable", 503, "busy",
    )  # fmt: skip
    assert sim.instance("i-a").status == "Running"  # the faulted call did nothing
    sim.call("RebootInstance", InstanceId="i-a")
    assert [c.error_code for c in sim.calls] == [
        "Throttling", "Throttling", None, "ServiceUnavailable", None,
    ]  # fmt: skip


def test_calls_start_empty_and_handle_methods_are_not_api_calls(sim: EcsSimulator) -> None:
    assert sim.calls == []
    sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    sim.advance("2h")
    assert sim.calls == []


# --------------------------------------------------------------------- context manager
def test_context_manager_from_plain_code() -> None:
    pytest.importorskip("aliyunsdkecs")
    import json

    import requests.adapters
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.vendored.requests import adapters as vendored
    from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
        DescribeInstanceHistoryEventsRequest,
    )

    original_send = requests.adapters.HTTPAdapter.send
    original_vendored_send = vendored.HTTPAdapter.send
    with EcsSimulator(now=T0, instances=["i-a"]) as sim:
        assert requests.adapters.HTTPAdapter.send is not original_send
        (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
        sim.reboot_instance("i-a")
        client = AcsClient("AK", "SECRET", sim.region, auto_retry=False)
        body = json.loads(client.do_action_with_exception(DescribeInstanceHistoryEventsRequest()))
        (item,) = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
        assert item["EventId"] == event.event_id
        assert item["EventCycleStatus"]["Name"] == "Avoided"
        assert [c.action for c in sim.calls] == ["DescribeInstanceHistoryEvents"]
    assert requests.adapters.HTTPAdapter.send is original_send
    assert vendored.HTTPAdapter.send is original_vendored_send
