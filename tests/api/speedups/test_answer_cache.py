"""Read-only actions (api/speedups/answer_cache.py): a question is parsed once, and its answer
reused only while nothing changed; every kind of change shows at once.

The property test that holds every kept answer to one computed afresh is in
``tests/property/test_answer_cache.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.api import registry
from pytest_ecs_events.api.messages import ApiRequest
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


def test_read_only_actions_are_the_describe_and_list_actions() -> None:
    read_only = {name for name, spec in registry.ACTIONS.items() if spec.read_only}
    queries = {name for name in registry.ACTIONS if name.startswith(("Describe", "List"))}
    assert read_only == queries


def test_a_question_is_parsed_once_and_its_query_runs_after_each_change(
    sim: EcsSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = registry.ACTIONS["DescribeInstanceHistoryEvents"]
    assert spec.prepare is not None
    parsed: list[str] = []
    ran: list[int] = []

    def counting(ctx: registry.ActionContext) -> registry.Query:
        parsed.append(ctx.params.raw.get("MaxResults", ""))
        query = spec.prepare(ctx)  # type: ignore[misc]

        def run(simulation: Simulation) -> dict[str, Any]:
            ran.append(simulation.mutations)
            return query(simulation)

        return run

    monkeypatch.setitem(registry.ACTIONS, spec.name, registry.ActionSpec(
        spec.name, spec.handler, spec.statuses, counting))  # fmt: skip
    for _ in range(3):
        history(sim, MaxResults=10)
    sim.create_events("SystemMaintenance.Reboot", "i-1", "+1m")
    sim.advance("2m")
    assert len(history(sim, MaxResults=10)) == 1
    history(sim, MaxResults=11)  # another question
    assert parsed == ["10", "11"]
    assert len(ran) == 3  # first call, after the change, the other question


def test_a_refused_question_is_refused_every_time(sim: EcsSimulator) -> None:
    for _ in range(3):
        with pytest.raises(EcsApiError) as info:
            history(sim, MaxResults=0)  # History takes only positive values
        assert info.value.code == "InvalidParameter"
    assert [c.error_code for c in sim.calls] == ["InvalidParameter"] * 3
    assert len(history(sim, MaxResults=10)) == 0


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
    (prepared,) = sim.api._answers.questions.values()
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
