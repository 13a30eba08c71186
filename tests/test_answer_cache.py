"""Read-only actions: a question is parsed once, and its answer reused only while nothing
changed; every kind of change shows at once."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.api import dispatch
from pytest_ecs_events.api.dispatch import EcsApi
from pytest_ecs_events.api.wire import ApiRequest, ApiResponse, encode_json
from pytest_ecs_events.core import Simulation

START = "2024-05-01T00:00:00Z"


@pytest.fixture
def sim() -> EcsSimulator:
    return EcsSimulator(now=START, instances=["i-1", "i-2"], seed=5)


def history(sim: EcsSimulator, **params: Any) -> list[dict[str, Any]]:
    body = sim.call("DescribeInstanceHistoryEvents", RegionId=sim.region, **params)
    items: list[dict[str, Any]] = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
    return items


def active(sim: EcsSimulator) -> list[dict[str, Any]]:
    statuses = {f"InstanceEventCycleStatus.{n}": s for n, s in
                enumerate(("Scheduled", "Executing", "Inquiring"), 1)}  # fmt: skip
    return history(sim, **statuses)


def statuses(sim: EcsSimulator) -> dict[str, str]:
    body = sim.call("DescribeInstanceStatus", RegionId=sim.region)
    return {row["InstanceId"]: row["Status"] for row in body["InstanceStatuses"]["InstanceStatus"]}


CHANGES: dict[str, tuple[Callable[[EcsSimulator], object], Callable[[EcsSimulator], object]]] = {
    "create": (lambda s: s.create_events("SystemMaintenance.Reboot", "i-1", "+1h"), active),
    "inject": (lambda s: s.inject_event("SystemMaintenance.Reboot", "i-1"), active),
    "advance": (lambda s: s.advance("2h"), history),
    "reboot": (lambda s: s.reboot_instance("i-1"), statuses),
    "stop": (lambda s: s.stop_instance("i-2"), statuses),
    "add instance": (lambda s: s.add_instance("i-3"), statuses),
    "reschedule": (
        lambda s: s.reschedule_event(s.events(state="Scheduled")[0].event_id, "+5h"),
        active,
    ),
    "cancel": (lambda s: s.cancel_events([e.event_id for e in s.events()]), history),
    "maintenance attributes": (
        lambda s: s.call(
            "ModifyInstanceMaintenanceAttributes", RegionId=s.region, **{"InstanceId.1": "i-1"},
            ActionOnMaintenance="Stop",
        ),
        lambda s: s.call("DescribeInstanceMaintenanceAttributes", RegionId=s.region)[
            "MaintenanceAttributes"
        ],
    ),
}  # fmt: skip


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_shows_in_the_next_identical_read(sim: EcsSimulator, change: str) -> None:
    apply, read = CHANGES[change]
    sim.create_events("SystemMaintenance.Reboot", "i-2", "+1h")
    before = read(sim)
    assert read(sim) == before  # the same question, the same answer
    apply(sim)
    assert read(sim) != before


def test_each_answer_has_its_own_request_id_and_is_a_private_copy(sim: EcsSimulator) -> None:
    sim.create_events("SystemMaintenance.Reboot", "i-1", "+1h")
    first = sim.call("DescribeInstancesFullStatus", RegionId=sim.region)
    second = sim.call("DescribeInstancesFullStatus", RegionId=sim.region)
    assert first["RequestId"] != second["RequestId"]
    first["InstanceFullStatusSet"]["InstanceFullStatusType"].clear()
    third = sim.call("DescribeInstancesFullStatus", RegionId=sim.region)
    assert third["InstanceFullStatusSet"] == second["InstanceFullStatusSet"]
    assert len(third["InstanceFullStatusSet"]["InstanceFullStatusType"]) == 2


def test_read_only_actions_are_the_describe_actions() -> None:
    read_only = {name for name, spec in dispatch.ACTIONS.items() if spec.read_only}
    assert read_only == {name for name in dispatch.ACTIONS if name.startswith("Describe")}


def test_a_question_is_parsed_once_and_its_query_runs_after_each_change(
    sim: EcsSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = dispatch.ACTIONS["DescribeInstanceHistoryEvents"]
    assert spec.prepare is not None
    parsed: list[str] = []
    ran: list[int] = []

    def counting(ctx: dispatch.ActionContext) -> dispatch.Query:
        parsed.append(ctx.params.raw.get("MaxResults", ""))
        query = spec.prepare(ctx)  # type: ignore[misc]

        def run(simulation: Simulation) -> dict[str, Any]:
            ran.append(simulation.mutations)
            return query(simulation)

        return run

    monkeypatch.setitem(dispatch.ACTIONS, spec.name, dispatch.ActionSpec(
        spec.name, spec.handler, spec.statuses, counting))  # fmt: skip
    for _ in range(3):
        history(sim, MaxResults=5)
    sim.create_events("SystemMaintenance.Reboot", "i-1", "+1m")
    sim.advance("2m")
    assert len(history(sim, MaxResults=5)) == 1
    history(sim, MaxResults=6)  # another question
    assert parsed == ["5", "6"]
    assert len(ran) == 3  # first call, after the change, the other question


def test_a_refused_question_is_refused_every_time(sim: EcsSimulator) -> None:
    for _ in range(3):
        with pytest.raises(EcsApiError) as info:
            history(sim, MaxResults=500)
        assert info.value.code == "InvalidParameter"
    assert [c.error_code for c in sim.calls] == ["InvalidParameter"] * 3
    assert len(history(sim, MaxResults=5)) == 0


def test_a_failing_query_keeps_no_answer(sim: EcsSimulator) -> None:
    with pytest.raises(EcsApiError) as info:
        sim.call("DescribeInstanceStatus", RegionId=sim.region, ZoneId="cn-hangzhou-zz")
    assert info.value.code == "InvalidZoneId.NotFound"
    sim.add_instance("i-9", zone="cn-hangzhou-zz")  # now the zone exists
    body = sim.call("DescribeInstanceStatus", RegionId=sim.region, ZoneId="cn-hangzhou-zz")
    assert [r["InstanceId"] for r in body["InstanceStatuses"]["InstanceStatus"]] == ["i-9"]


def test_serving_another_simulation_forgets_the_questions(sim: EcsSimulator) -> None:
    sim.create_events("SystemMaintenance.Reboot", "i-1", "+1m")
    sim.advance("2m")
    assert len(history(sim)) == 1
    api = sim._api
    other = Simulation(now=sim.now, config=sim.simulation.config)
    api.sim = other
    body = api.handle(ApiRequest(params={
        "Action": "DescribeInstanceHistoryEvents", "RegionId": sim.region}))  # fmt: skip
    assert body.body["TotalCount"] == 0


def test_a_bad_zone_is_reported_before_a_bad_page(sim: EcsSimulator) -> None:
    """The zone is checked against the simulation (in the query), paging when parsing: the
    order of the errors stays the service's."""
    with pytest.raises(EcsApiError) as info:
        sim.call("DescribeInstanceStatus", RegionId=sim.region, ZoneId="zz", PageSize="1000")
    assert (info.value.code, info.value.status) == ("InvalidZoneId.NotFound", 404)
    with pytest.raises(EcsApiError) as info:
        sim.call("DescribeInstanceStatus", RegionId=sim.region, PageSize="1000")
    assert (info.value.code, info.value.status) == ("InvalidParameter", 403)


# One step of a script: (what, instance index, hours), and the questions polled after each.
script_steps = st.lists(
    st.tuples(st.sampled_from(["drill", "inquire", "advance", "cancel", "reboot", "nothing"]),
              st.integers(0, 2), st.integers(1, 50)),
    max_size=15,
)  # fmt: skip
QUESTIONS = [
    {"Action": "DescribeInstanceHistoryEvents"},
    {"Action": "DescribeInstanceHistoryEvents", "MaxResults": "2"},
    {"Action": "DescribeInstanceHistoryEvents", "InstanceEventCycleStatus.1": "Scheduled",
     "InstanceEventCycleStatus.2": "Inquiring", "InstanceEventCycleStatus.3": "Executed"},
    {"Action": "DescribeInstanceHistoryEvents", "InstanceId": "i-1", "PageSize": "1",
     "PageNumber": "2"},
    {"Action": "DescribeInstancesFullStatus"},
    {"Action": "DescribeInstanceStatus"},
]  # fmt: skip


def _apply(sim: EcsSimulator, what: str, index: int, hours: int) -> None:
    instance = f"i-{index}"
    if what == "drill":
        sim.create_events("SystemMaintenance.Reboot", instance, f"+{hours}h")
    elif what == "inquire":
        sim.inject_event("SystemMaintenance.Reboot", instance, state="Inquiring")
    elif what == "advance":
        sim.advance(f"{hours}h")
    elif what == "cancel" and (drills := [e for e in sim.events(state="Scheduled") if e.simulated]):
        sim.cancel_events([drills[-1].event_id])
    elif what == "reboot":
        with contextlib.suppress(EcsApiError):  # refused unless Running: nothing changes
            sim.reboot_instance(instance)
    # "nothing": poll again with nothing changed


def _without_request_id(response: ApiResponse) -> bytes:
    request_id = response.headers["x-acs-request-id"].encode()
    return response.content().replace(request_id, b"")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script_steps)
def test_every_kept_answer_is_the_answer_computed_afresh(
    steps: list[tuple[str, int, int]],
) -> None:
    """The dispatcher keeps answers (and a query its last page) while nothing they show has
    changed: polled after every step, each answer is byte for byte what a new dispatcher,
    keeping nothing, computes."""
    sim = EcsSimulator(now=START, instances=["i-0", "i-1", "i-2"], seed=2)
    for step in [("nothing", 0, 1), *steps]:
        _apply(sim, *step)
        for question in QUESTIONS:
            request = ApiRequest(params={**question, "RegionId": sim.region})
            response = sim.handle(request)
            assert response.content() == encode_json(response.body)  # the kept bytes
            kept = _without_request_id(response)
            assert kept == _without_request_id(EcsApi(sim.simulation).handle(request))


def test_an_unchanged_page_is_not_built_again(sim: EcsSimulator) -> None:
    """The clock moved, so the query runs again; the page it finds is the same, so the body
    (and its JSON) are the ones kept, under a new RequestId."""
    sim.create_events("SystemMaintenance.Reboot", "i-1", "+1m")
    sim.advance("2m")
    request = ApiRequest(params={"Action": "DescribeInstanceHistoryEvents",
                                 "RegionId": sim.region})  # fmt: skip
    first = sim.handle(request)
    sim.advance("1m")
    second = sim.handle(request)
    assert second.headers["x-acs-request-id"] != first.headers["x-acs-request-id"]
    (prepared,) = sim.api._prepared.values()
    assert prepared.stamp == (sim.simulation.mutations, sim.now)  # ran again after advance()
    body = prepared.body
    sim.advance("1m")
    sim.handle(request)
    assert prepared.body is body  # the same page: the body was kept
    sim.create_events("SystemMaintenance.Reboot", "i-2", "+1m")
    sim.advance("2m")
    third = sim.handle(request)
    assert prepared.body is not body
    assert third.body["TotalCount"] == 2
