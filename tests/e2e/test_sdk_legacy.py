"""End to end with the legacy SDK (``aliyunsdkcore`` AcsClient + ``aliyunsdkecs`` requests).

Every call goes through the real SDK: signing, its vendored requests, its error handling.
The ``ecs_sim`` fixture answers it in-process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkecs.request.v20140526.AcceptInquiredSystemEventRequest import (
    AcceptInquiredSystemEventRequest,
)
from aliyunsdkecs.request.v20140526.CancelSimulatedSystemEventsRequest import (
    CancelSimulatedSystemEventsRequest,
)
from aliyunsdkecs.request.v20140526.CreateSimulatedSystemEventsRequest import (
    CreateSimulatedSystemEventsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceMaintenanceAttributesRequest import (
    DescribeInstanceMaintenanceAttributesRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstancesFullStatusRequest import (
    DescribeInstancesFullStatusRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.DescribeInstanceStatusRequest import (
    DescribeInstanceStatusRequest,
)
from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest
from aliyunsdkecs.request.v20140526.ModifyInstanceMaintenanceAttributesRequest import (
    ModifyInstanceMaintenanceAttributesRequest,
)
from aliyunsdkecs.request.v20140526.ModifySystemEventAttributeRequest import (
    ModifySystemEventAttributeRequest,
)
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest
from aliyunsdkecs.request.v20140526.RebootInstancesRequest import RebootInstancesRequest
from aliyunsdkecs.request.v20140526.RedeployInstanceRequest import RedeployInstanceRequest
from aliyunsdkecs.request.v20140526.StartInstanceRequest import StartInstanceRequest
from aliyunsdkecs.request.v20140526.StopInstanceRequest import StopInstanceRequest

from tests.helpers.sdk import (
    API_TIME,
    EVENT_ID,
    REQUEST_ID,
    legacy_call,
    legacy_client,
    legacy_error,
    make_mixed_history,
    snapshot,
)

NOW = "2024-05-01T00:00:00Z"
A, B, C = "i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb", "i-bp1ccccccccccccccccc"

pytestmark = pytest.mark.ecs_sim(now=NOW, instances=[A, B, C])


# ------------------------------------------------------------------ the article's sample
def article_sample_program() -> None:
    """The sample of Alibaba's article on simulated system events, as published in style."""
    client = AcsClient("<accessKeyId>", "<accessSecret>", "cn-beijing")

    request = CreateSimulatedSystemEventsRequest()
    request.set_accept_format("json")
    request.set_InstanceIds(["i-2zeaaaaaaaaaaaaaaaaa", "i-2zebbbbbbbbbbbbbbbbb"])
    request.set_EventType("SystemMaintenance.Reboot")
    request.set_NotBefore("2018-09-01T00:00:00Z")
    response = client.do_action_with_exception(request)
    print(str(response, encoding="utf-8"))
    event_ids = json.loads(response)["EventIdSet"]["EventId"]
    print("CreateSimulatedSystemEvents success: " + ",".join(event_ids))

    request = CancelSimulatedSystemEventsRequest()
    request.set_accept_format("json")
    request.set_EventIds([event_ids[0]])
    response = client.do_action_with_exception(request)
    print(str(response, encoding="utf-8"))
    print("CancelSimulatedSystemEvents success: " + event_ids[0])


@pytest.mark.ecs_sim(
    now="2018-08-22T10:39:49Z",
    region="cn-beijing",
    instances=["i-2zeaaaaaaaaaaaaaaaaa", "i-2zebbbbbbbbbbbbbbbbb"],
)
def test_article_sample_program_runs_unmodified(ecs_sim: Any, capsys: Any) -> None:
    article_sample_program()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    created = json.loads(lines[0])
    assert REQUEST_ID.match(created["RequestId"])
    ids = created["EventIdSet"]["EventId"]
    assert len(ids) == 2
    assert all(EVENT_ID.match(i) for i in ids)
    assert lines[1] == f"CreateSimulatedSystemEvents success: {ids[0]},{ids[1]}"
    assert set(json.loads(lines[2])) == {"RequestId"}
    assert lines[3] == f"CancelSimulatedSystemEvents success: {ids[0]}"

    first, second = ecs_sim.event(ids[0]), ecs_sim.event(ids[1])
    assert (first.instance_id, second.instance_id) == ("i-2zeaaaaaaaaaaaaaaaaa",
                                                       "i-2zebbbbbbbbbbbbbbbbb")  # fmt: skip
    assert first.state == "Canceled"
    assert second.state == "Scheduled"
    assert second.not_before.strftime("%Y-%m-%dT%H:%M:%SZ") == "2018-09-01T00:00:00Z"
    assert [c.action for c in ecs_sim.calls] == [
        "CreateSimulatedSystemEvents",
        "CancelSimulatedSystemEvents",
    ]
    assert {c.host for c in ecs_sim.calls} == {"ecs.cn-beijing.aliyuncs.com"}
    # Time passes: the remaining event runs at NotBefore; the cancelled one stays cancelled.
    ecs_sim.advance(to="2018-09-01T00:01:00Z")
    assert (first.state, second.state) == ("Canceled", "Executed")


# ----------------------------------------------------------------------------- helpers
def create(client: AcsClient, event_type: str, ids: list[str], not_before: str) -> list[str]:
    request = CreateSimulatedSystemEventsRequest()
    request.set_InstanceIds(ids)
    request.set_EventType(event_type)
    request.set_NotBefore(not_before)
    body = legacy_call(client, request)
    event_ids: list[str] = body["EventIdSet"]["EventId"]
    return event_ids


def history(client: AcsClient, **setters: Any) -> dict[str, Any]:
    request = DescribeInstanceHistoryEventsRequest()
    for name, value in setters.items():
        getattr(request, f"set_{name}")(value)
    return legacy_call(client, request)


def history_items(client: AcsClient, **setters: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = history(client, **setters)["InstanceSystemEventSet"][
        "InstanceSystemEventType"
    ]
    return items


def full_status(client: AcsClient, **setters: Any) -> dict[str, Any]:
    request = DescribeInstancesFullStatusRequest()
    for name, value in setters.items():
        getattr(request, f"set_{name}")(value)
    return legacy_call(client, request)


def instance_statuses(client: AcsClient) -> dict[str, str]:
    body = legacy_call(client, DescribeInstanceStatusRequest())
    return {s["InstanceId"]: s["Status"] for s in body["InstanceStatuses"]["InstanceStatus"]}


def reboot(client: AcsClient, instance_id: str) -> dict[str, Any]:
    request = RebootInstanceRequest()
    request.set_InstanceId(instance_id)
    return legacy_call(client, request)


@pytest.fixture
def client(ecs_sim: Any) -> AcsClient:
    return legacy_client(ecs_sim)


# ----------------------------------------------------------------------- handler flows
def test_handler_reboots_early_and_avoids_the_maintenance(ecs_sim: Any, client: AcsClient) -> None:
    (event_id,) = create(client, "SystemMaintenance.Reboot", [A], "2024-05-01T02:00:00Z")

    # The handler: poll full status, reboot every instance with a scheduled reboot.
    rows = full_status(client)["InstanceFullStatusSet"]["InstanceFullStatusType"]
    todo = [
        (row["InstanceId"], ev["EventId"])
        for row in rows
        for ev in row["ScheduledSystemEventSet"]["ScheduledSystemEventType"]
        if ev["EventType"]["Name"] == "SystemMaintenance.Reboot"
    ]
    assert todo == [(A, event_id)]
    for instance_id, _ in todo:
        assert set(reboot(client, instance_id)) == {"RequestId"}

    assert ecs_sim.event(event_id).state == "Avoided"
    assert [str(s) for _, s in ecs_sim.event(event_id).history] == ["Scheduled", "Avoided"]
    assert instance_statuses(client)[A] == "Stopping"
    ecs_sim.advance("1m")
    assert instance_statuses(client)[A] == "Running"

    (item,) = history_items(client)  # default: finished events only
    assert item["EventId"] == event_id
    assert item["EventCycleStatus"] == {"Code": 8, "Name": "Avoided"}
    assert API_TIME.match(item["EventFinishTime"])
    assert (
        full_status(client, InstanceIds=[A])["InstanceFullStatusSet"]["InstanceFullStatusType"][0][
            "ScheduledSystemEventSet"
        ]["ScheduledSystemEventType"]
        == []
    )
    # Nothing happens at NotBefore any more.
    assert ecs_sim.advance(to="2024-05-01T03:00:00Z") == []


def test_reboot_instances_avoids_every_scheduled_reboot(ecs_sim: Any, client: AcsClient) -> None:
    ids = create(client, "SystemMaintenance.Reboot", [A, B], "2024-05-01T02:00:00Z")
    request = RebootInstancesRequest()
    request.set_InstanceIds([A, B])
    body = legacy_call(client, request)
    responses = body["InstanceResponses"]["InstanceResponse"]
    assert [(r["InstanceId"], r["Code"], r["PreviousStatus"]) for r in responses] == [
        (A, "200", "Running"),
        (B, "200", "Running"),
    ]
    assert [ecs_sim.event(i).state for i in ids] == ["Avoided", "Avoided"]
    assert ecs_sim.instance(C).status == "Running"


def test_time_passes_executing_then_executed(ecs_sim: Any, client: AcsClient) -> None:
    (event_id,) = create(client, "SystemMaintenance.Reboot", [B], "2024-05-01T01:00:00Z")
    ecs_sim.advance("59m59s")
    assert ecs_sim.event(event_id).state == "Scheduled"
    ecs_sim.advance("1s")
    assert ecs_sim.event(event_id).state == "Executing"
    (item,) = history_items(client, InstanceEventCycleStatuss=["Executing"])
    assert item["EventCycleStatus"]["Name"] == "Executing"
    assert "EventFinishTime" not in item  # unfinished: no finish time (real capture)
    assert history_items(client) == []  # not finished yet
    rows = full_status(client, InstanceIds=[B])["InstanceFullStatusSet"]["InstanceFullStatusType"]
    assert rows[0]["ScheduledSystemEventSet"]["ScheduledSystemEventType"] == []

    ecs_sim.advance("30s")
    event = ecs_sim.event(event_id)
    assert event.state == "Executed"
    assert [str(s) for _, s in event.history] == ["Scheduled", "Executing", "Executed"]
    (item,) = history_items(client)
    assert item["EventCycleStatus"]["Name"] == "Executed"
    assert item["EventFinishTime"] == "2024-05-01T01:00:30Z"
    # A simulated event does not touch the instance.
    assert instance_statuses(client)[B] == "Running"


@pytest.mark.parametrize(
    "event_type", ["SystemFailure.Reboot", "SystemFailure.Stop", "InstanceFailure.Reboot"]
)
def test_failure_event_starts_executing_and_ends_at_not_before(
    ecs_sim: Any, client: AcsClient, event_type: str
) -> None:
    (event_id,) = create(client, event_type, [C], "2024-05-01T00:10:00Z")
    assert ecs_sim.event(event_id).state == "Executing"
    (item,) = history_items(client, EventCycleStatus="Executing")
    assert item["EventType"]["Name"] == event_type
    # DescribeInstancesFullStatus shows only Scheduled events.
    rows = full_status(client, InstanceIds=[C])["InstanceFullStatusSet"]["InstanceFullStatusType"]
    assert rows[0]["ScheduledSystemEventSet"]["ScheduledSystemEventType"] == []

    ecs_sim.advance("9m")
    assert ecs_sim.event(event_id).state == "Executing"
    ecs_sim.advance("1m")
    assert ecs_sim.event(event_id).state == "Executed"
    (item,) = history_items(client)
    assert item["EventFinishTime"] == item["NotBefore"] == "2024-05-01T00:10:00Z"
    assert ecs_sim.instance(C).status == "Running"


def test_cancel_makes_events_canceled(ecs_sim: Any, client: AcsClient) -> None:
    ids = create(client, "SystemMaintenance.Stop", [A, B], "2024-05-02T00:00:00Z")
    (failure,) = create(client, "SystemFailure.Reboot", [C], "2024-05-01T00:30:00Z")
    request = CancelSimulatedSystemEventsRequest()
    request.set_EventIds([ids[0], failure])
    assert set(legacy_call(client, request)) == {"RequestId"}
    assert ecs_sim.event(ids[0]).state == "Canceled"
    assert ecs_sim.event(failure).state == "Canceled"  # Executing can be cancelled too
    assert ecs_sim.event(ids[1]).state == "Scheduled"
    found = {i["EventId"]: i["EventCycleStatus"]["Name"] for i in history_items(client)}
    assert found == {ids[0]: "Canceled", failure: "Canceled"}
    ecs_sim.advance("2d")
    assert ecs_sim.event(ids[0]).state == "Canceled"
    assert ecs_sim.event(ids[1]).state == "Executed"


# ----------------------------------------------------------------- history filters/paging
@pytest.fixture
def mixed_history(ecs_sim: Any) -> dict[str, str]:
    """Events in several states and types, published at different times."""
    return make_mixed_history(
        ecs_sim, A, B, C, failure="SystemFailure.Reboot", executing="SystemFailure.Redeploy"
    )


def _states(items: list[dict[str, Any]]) -> dict[str, str]:
    return {i["EventId"]: i["EventCycleStatus"]["Name"] for i in items}


def test_history_default_returns_only_finished_events(
    client: AcsClient, mixed_history: dict[str, str]
) -> None:
    body = history(client)
    assert body["TotalCount"] == 3
    got = _states(body["InstanceSystemEventSet"]["InstanceSystemEventType"])
    assert got == {mixed_history[s]: s for s in ("Avoided", "Canceled", "Executed")}


@pytest.mark.parametrize(
    ("setters", "states"),
    [
        ({"InstanceEventCycleStatuss": ["Scheduled"]}, ["Scheduled"]),
        ({"InstanceEventCycleStatuss": ["Scheduled", "Executing"]}, ["Scheduled", "Executing"]),
        ({"EventCycleStatus": "Canceled"}, ["Canceled"]),
        # the list wins over the single value
        ({"EventCycleStatus": "Canceled", "InstanceEventCycleStatuss": ["Avoided"]}, ["Avoided"]),
        (
            {"InstanceEventCycleStatuss": [
                "Scheduled", "Executing", "Avoided", "Canceled", "Executed"]},
            ["Scheduled", "Executing", "Avoided", "Canceled", "Executed"],
        ),
    ],
)  # fmt: skip
def test_history_status_filters(
    client: AcsClient, mixed_history: dict[str, str], setters: dict[str, Any], states: list[str]
) -> None:
    assert _states(history_items(client, **setters)) == {mixed_history[s]: s for s in states}


def test_history_event_id_and_type_filters(
    client: AcsClient, mixed_history: dict[str, str]
) -> None:
    everything = ["Scheduled", "Executing", "Avoided", "Canceled", "Executed"]
    wanted = [mixed_history["Scheduled"], mixed_history["Avoided"]]
    got = history_items(client, EventIds=wanted, InstanceEventCycleStatuss=everything)
    assert sorted(i["EventId"] for i in got) == sorted(wanted)
    # EventId.N without a status filter still returns only finished events.
    assert [i["EventId"] for i in history_items(client, EventIds=wanted)] == [
        mixed_history["Avoided"]
    ]
    got = history_items(
        client,
        InstanceEventTypes=["SystemFailure.Reboot", "SystemFailure.Redeploy"],
        InstanceEventCycleStatuss=everything,
    )
    assert _states(got) == {mixed_history["Executed"]: "Executed",
                            mixed_history["Executing"]: "Executing"}  # fmt: skip
    got = history_items(client, EventType="SystemMaintenance.Stop")
    assert _states(got) == {mixed_history["Canceled"]: "Canceled"}
    got = history_items(client, InstanceId=C, InstanceEventCycleStatuss=everything)
    assert {i["InstanceId"] for i in got} == {C}
    assert len(got) == 2


def test_history_time_ranges(
    ecs_sim: Any, client: AcsClient, mixed_history: dict[str, str]
) -> None:
    everything = ["Scheduled", "Executing", "Avoided", "Canceled", "Executed"]
    # Published: Avoided 00:00, Canceled 00:10, Executed 00:20, Scheduled/Executing 00:30.
    got = history_items(
        client,
        InstanceEventCycleStatuss=everything,
        EventPublishTimeStart="2024-05-01T00:05:00Z",
        EventPublishTimeEnd="2024-05-01T00:20:00Z",
    )
    assert _states(got) == {mixed_history["Canceled"]: "Canceled",
                            mixed_history["Executed"]: "Executed"}  # fmt: skip
    # NotBefore: Avoided 02:00, Canceled 05:10, Executed 00:21, the others next day.
    got = history_items(
        client,
        InstanceEventCycleStatuss=everything,
        NotBeforeStart="2024-05-01T01:00:00Z",
        NotBeforeEnd="2024-05-01T06:00:00Z",
    )
    assert _states(got) == {mixed_history["Avoided"]: "Avoided",
                            mixed_history["Canceled"]: "Canceled"}  # fmt: skip
    got = history_items(client, InstanceEventCycleStatuss=everything,
                        NotBeforeStart="2024-05-02T00:00:00Z")  # fmt: skip
    assert set(_states(got)) == {mixed_history["Scheduled"], mixed_history["Executing"]}


def test_history_page_number_paging_walks_every_page(ecs_sim: Any, client: AcsClient) -> None:
    ids = [ecs_sim.add_instance().instance_id for _ in range(23)]
    created = {e.event_id for e in ecs_sim.create_events("SystemMaintenance.Reboot", ids, "+1h")}
    seen: list[str] = []
    page = 1
    while True:
        body = history(client, InstanceEventCycleStatuss=["Scheduled"], PageSize=10,
                       PageNumber=page)  # fmt: skip
        assert (body["TotalCount"], body["PageNumber"], body["PageSize"]) == (23, page, 10)
        items = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
        if not items:
            break
        seen += [i["EventId"] for i in items]
        page += 1
    assert page == 4
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == created


def test_history_next_token_paging_walks_every_page(ecs_sim: Any, client: AcsClient) -> None:
    ids = [ecs_sim.add_instance().instance_id for _ in range(25)]
    created = {e.event_id for e in ecs_sim.create_events("SystemFailure.Reboot", ids, "+1m")}
    ecs_sim.advance("2m")  # all Executed: the default (finished) view
    seen: list[str] = []
    token, pages = None, 0
    while True:
        setters: dict[str, Any] = {"MaxResults": 10}
        if token:
            setters["NextToken"] = token
        body = history(client, **setters)
        pages += 1
        assert body["TotalCount"] == 25
        seen += [i["EventId"] for i in body["InstanceSystemEventSet"]["InstanceSystemEventType"]]
        token = body["NextToken"]
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25
    assert set(seen) == created


# ---------------------------------------------------------------- other describe actions
def test_describe_instances_full_status_shows_only_scheduled(
    ecs_sim: Any, client: AcsClient
) -> None:
    (scheduled,) = create(client, "SystemMaintenance.Reboot", [A], "2024-05-01T03:00:00Z")
    create(client, "SystemFailure.Reboot", [B], "2024-05-01T00:10:00Z")  # Executing
    body = full_status(client)
    rows = {r["InstanceId"]: r for r in body["InstanceFullStatusSet"]["InstanceFullStatusType"]}
    assert body["TotalCount"] == 3
    assert set(rows) == {A, B, C}
    events_a = rows[A]["ScheduledSystemEventSet"]["ScheduledSystemEventType"]
    assert [e["EventId"] for e in events_a] == [scheduled]
    assert events_a[0]["EventCycleStatus"] == {"Code": 24, "Name": "Scheduled"}
    assert events_a[0]["EventType"] == {"Code": 1, "Name": "SystemMaintenance.Reboot"}
    assert events_a[0]["NotBefore"] == "2024-05-01T03:00:00Z"
    assert rows[B]["ScheduledSystemEventSet"]["ScheduledSystemEventType"] == []
    assert rows[C]["Status"]["Name"] == "Running"
    # Filtered by event type, only instances with such a scheduled event remain.
    body = full_status(client, EventType="SystemMaintenance.Reboot")
    assert [r["InstanceId"] for r in body["InstanceFullStatusSet"]["InstanceFullStatusType"]] == [A]


def test_describe_instance_status_and_instances(ecs_sim: Any, client: AcsClient) -> None:
    ecs_sim.stop_instance(B)
    ecs_sim.advance("1m")
    assert instance_statuses(client) == {A: "Running", B: "Stopped", C: "Running"}

    request = DescribeInstancesRequest()
    request.set_InstanceIds(json.dumps([B, C]))
    body = legacy_call(client, request)
    got = {i["InstanceId"]: i["Status"] for i in body["Instances"]["Instance"]}
    assert got == {B: "Stopped", C: "Running"}
    assert body["TotalCount"] == 2
    assert all(i["RegionId"] == "cn-hangzhou" for i in body["Instances"]["Instance"])

    request = DescribeInstancesRequest()
    request.set_Status("Stopped")
    body = legacy_call(client, request)
    assert [i["InstanceId"] for i in body["Instances"]["Instance"]] == [B]


def test_describe_regions(client: AcsClient) -> None:
    body = legacy_call(client, DescribeRegionsRequest())
    regions = {r["RegionId"]: r for r in body["Regions"]["Region"]}
    assert regions["cn-hangzhou"]["RegionEndpoint"] == "ecs-cn-hangzhou.aliyuncs.com"
    assert regions["cn-beijing"]["RegionEndpoint"] == "ecs.cn-beijing.aliyuncs.com"


# ------------------------------------------------------------------- instance actions
def test_stop_start_redeploy_instance(ecs_sim: Any, client: AcsClient) -> None:
    request = StopInstanceRequest()
    request.set_InstanceId(A)
    legacy_call(client, request)
    assert ecs_sim.instance(A).status == "Stopping"
    ecs_sim.advance("1m")
    assert instance_statuses(client)[A] == "Stopped"

    request = StartInstanceRequest()
    request.set_InstanceId(A)
    legacy_call(client, request)
    assert ecs_sim.instance(A).status == "Starting"
    ecs_sim.advance("1m")
    assert ecs_sim.instance(A).status == "Running"

    request = RedeployInstanceRequest()
    request.set_InstanceId(A)
    body = legacy_call(client, request)
    assert body["TaskId"].startswith("t-")
    assert ecs_sim.instance(A).status == "Stopping"
    ecs_sim.advance("1m")
    assert ecs_sim.instance(A).status == "Running"


def test_redeploy_does_not_answer_simulated_events(ecs_sim: Any, client: AcsClient) -> None:
    (event_id,) = create(client, "SystemMaintenance.Redeploy", [A], "2024-05-01T05:00:00Z")
    request = RedeployInstanceRequest()
    request.set_InstanceId(A)
    legacy_call(client, request)
    assert ecs_sim.event(event_id).state == "Scheduled"


def test_accept_inquired_system_event(ecs_sim: Any, client: AcsClient) -> None:
    event = ecs_sim.inject_event("SystemMaintenance.Reboot", A, state="Inquiring")
    (item,) = history_items(client, InstanceEventCycleStatuss=["Inquiring"])
    assert item["EventCycleStatus"] == {"Code": 28, "Name": "Inquiring"}
    assert "NotBefore" not in item

    request = AcceptInquiredSystemEventRequest()
    request.set_EventId(event.event_id)
    assert set(legacy_call(client, request)) == {"RequestId"}
    assert ecs_sim.event(event.event_id).state == "Executing"
    ecs_sim.advance("5m")
    assert ecs_sim.event(event.event_id).state == "Executed"
    assert ecs_sim.instance(A).status == "Running"  # a platform reboot restarts it


def test_modify_system_event_attribute_reschedules(ecs_sim: Any, client: AcsClient) -> None:
    (event_id,) = create(client, "SystemMaintenance.Reboot", [A], "2024-05-01T02:00:00Z")
    request = ModifySystemEventAttributeRequest()
    request.set_EventId(event_id)
    request.set_InstanceId(A)
    request.set_NotBefore("2024-05-01T08:00:00Z")
    assert set(legacy_call(client, request)) == {"RequestId"}
    (item,) = history_items(client, InstanceEventCycleStatuss=["Scheduled"])
    assert item["NotBefore"] == "2024-05-01T08:00:00Z"
    assert item["ExtendedAttribute"]["InitialNotBefore"] == "2024-05-01T02:00:00Z"
    ecs_sim.advance(to="2024-05-01T07:59:59Z")
    assert ecs_sim.event(event_id).state == "Scheduled"
    ecs_sim.advance("1s")
    assert ecs_sim.event(event_id).state == "Executing"


def test_maintenance_attributes_round_trip(ecs_sim: Any, client: AcsClient) -> None:
    request = ModifyInstanceMaintenanceAttributesRequest()
    request.set_InstanceIds([A])
    request.set_MaintenanceWindows([{"StartTime": "02:00:00", "EndTime": "05:00:00"}])
    request.set_ActionOnMaintenance("AutoRedeploy")
    request.set_NotifyOnMaintenance(True)
    assert set(legacy_call(client, request)) == {"RequestId"}
    assert ecs_sim.calls[-1].params["NotifyOnMaintenance"] == "True"  # as the SDK sends it

    request = DescribeInstanceMaintenanceAttributesRequest()
    request.set_InstanceIds([A, B])
    body = legacy_call(client, request)
    rows = {r["InstanceId"]: r for r in body["MaintenanceAttributes"]["MaintenanceAttribute"]}
    assert rows[A]["NotifyOnMaintenance"] is True
    assert rows[A]["ActionOnMaintenance"]["Value"] == "AutoRedeploy"
    assert rows[A]["MaintenanceWindows"]["MaintenanceWindow"] == [
        {"StartTime": "02:00:00", "EndTime": "05:00:00"}
    ]
    assert rows[B]["NotifyOnMaintenance"] is False
    assert rows[B]["ActionOnMaintenance"]["Value"] == "AutoRecover"


# ---------------------------------------------------------------------------- errors
def _create_req(ids: list[str], event_type: str = "SystemMaintenance.Reboot",
                not_before: str | None = "2024-05-01T02:00:00Z") -> Any:  # fmt: skip
    request = CreateSimulatedSystemEventsRequest()
    request.set_InstanceIds(ids)
    request.set_EventType(event_type)
    if not_before is not None:
        request.set_NotBefore(not_before)
    return request


def _cancel_req(ids: list[str]) -> Any:
    request = CancelSimulatedSystemEventsRequest()
    request.set_EventIds(ids)
    return request


def _with(request: Any, **setters: Any) -> Any:
    for name, value in setters.items():
        getattr(request, f"set_{name}")(value)
    return request


def _fill_quota(sim: Any) -> Any:
    ids = [sim.add_instance().instance_id for _ in range(100)]
    remaining = 1000 - len(sim.events(state="Scheduled"))
    while remaining:
        batch = ids[: min(100, remaining)]
        sim.create_events("SystemMaintenance.Reboot", batch, "+1d")
        remaining -= len(batch)
    assert len(sim.events(state="Scheduled")) == 1000
    return _create_req([A])


def _platform_event(sim: Any) -> Any:
    event = sim.inject_event("SystemMaintenance.Reboot", A, not_before="+1d")
    return _cancel_req([event.event_id])


def _stopped(sim: Any, request: Any) -> Any:
    sim.stop_instance(A)
    sim.advance("1m")
    return request


def _scheduled_event_id(sim: Any) -> str:
    event_id: str = sim.create_events("SystemMaintenance.Reboot", A, "+1h")[0].event_id
    return event_id


ERROR_CASES: list[tuple[str, Callable[[Any], Any], str, int]] = [
    ("create-passed", lambda s: _create_req([A], not_before="2024-04-30T23:59:59Z"),
     "InvalidNotBefore.Passed", 403),
    ("create-unknown-instance", lambda s: _create_req([A, "i-nope"]),
     "InvalidInstanceId.NotFound", 404),
    ("create-bad-type", lambda s: _create_req([A], "SystemFailure.Delete"),
     "InvalidParameter", 403),
    ("create-missing-not-before", lambda s: _create_req([A], not_before=None),
     "MissingParameter", 404),
    ("create-too-many", lambda s: _create_req([f"i-x{n}" for n in range(101)]),
     "InstanceIdLimitExceeded", 403),
    ("create-quota", _fill_quota, "SimulatedEventLimitExceeded", 403),
    ("cancel-unknown", lambda s: _cancel_req(["e-bp1xxxxxxxxxxxxxxxxx"]),
     "InvalidEventId.NotFound", 403),
    ("cancel-platform", _platform_event, "CannotCancelSystemEvent.NotSimulated", 403),
    ("cancel-missing", lambda s: CancelSimulatedSystemEventsRequest(), "MissingParameter", 404),
    ("cancel-too-many", lambda s: _cancel_req([f"e-{n}" for n in range(101)]),
     "EventIdLimitExceeded", 400),
    ("history-end-before-start", lambda s: _with(
        DescribeInstanceHistoryEventsRequest(), NotBeforeStart="2024-05-02T00:00:00Z",
        NotBeforeEnd="2024-05-01T00:00:00Z"), "InvalidParameter.TimeEndBeforeStart", 403),
    ("history-publish-end-before-start", lambda s: _with(
        DescribeInstanceHistoryEventsRequest(), EventPublishTimeStart="2024-05-02T00:00:00Z",
        EventPublishTimeEnd="2024-05-01T00:00:00Z"), "InvalidParameter.TimeEndBeforeStart", 403),
    ("history-too-many-ids", lambda s: _with(
        DescribeInstanceHistoryEventsRequest(), EventIds=[f"e-{n}" for n in range(101)]),
     "EventIdLimitExceeded", 403),
    ("history-bad-status", lambda s: _with(
        DescribeInstanceHistoryEventsRequest(), EventCycleStatus="Sleeping"),
     "InvalidParameter", 403),
    ("full-status-too-many", lambda s: _with(
        DescribeInstancesFullStatusRequest(), InstanceIds=[f"i-{n}" for n in range(101)]),
     "InstanceIdLimitExceeded", 403),
    ("full-status-end-before-start", lambda s: _with(
        DescribeInstancesFullStatusRequest(), EventPublishTimeStart="2024-05-02T00:00:00Z",
        EventPublishTimeEnd="2024-05-01T00:00:00Z"), "InvalidParameter.TimeEndBeforeStart", 403),
    ("status-bad-zone", lambda s: _with(DescribeInstanceStatusRequest(), ZoneId="mars-1a"),
     "InvalidZoneId.NotFound", 404),
    ("status-too-many", lambda s: _with(
        DescribeInstanceStatusRequest(), InstanceIds=[f"i-{n}" for n in range(101)]),
     "InvalidParameter.TooManyInstanceIds", 403),
    ("instances-bad-status", lambda s: _with(DescribeInstancesRequest(), Status="Sleeping"),
     "InvalidStatus.NotFound", 404),
    ("reboot-unknown", lambda s: _with(RebootInstanceRequest(), InstanceId="i-nope"),
     "InvalidInstanceId.NotFound", 404),
    ("reboot-stopped", lambda s: _stopped(s, _with(RebootInstanceRequest(), InstanceId=A)),
     "IncorrectInstanceStatus", 403),
    ("reboot-dry-run", lambda s: _with(RebootInstanceRequest(), InstanceId=A, DryRun=True),
     "DryRunOperation", 400),
    ("reboots-unknown", lambda s: _with(RebootInstancesRequest(), InstanceIds=[A, "i-nope"]),
     "InvalidInstanceIds.NotFound", 404),
    ("reboots-dry-run", lambda s: _with(RebootInstancesRequest(), InstanceIds=[A], DryRun=True),
     "DRYRUN.SUCCESS", 400),
    ("reboots-stopped", lambda s: _stopped(s, _with(RebootInstancesRequest(), InstanceIds=[A, B])),
     "IncorrectInstanceStatus", 403),
    ("stop-stopped", lambda s: _stopped(s, _with(StopInstanceRequest(), InstanceId=A)),
     "IncorrectInstanceStatus", 403),
    ("stop-unknown", lambda s: _with(StopInstanceRequest(), InstanceId="i-nope"),
     "InvalidInstanceId.NotFound", 404),
    ("start-running", lambda s: _with(StartInstanceRequest(), InstanceId=A),
     "IncorrectInstanceStatus", 403),
    ("redeploy-unknown", lambda s: _with(RedeployInstanceRequest(), InstanceId="i-nope"),
     "InvalidInstanceId.NotFound", 404),
    ("accept-not-inquiring", lambda s: _with(
        AcceptInquiredSystemEventRequest(), EventId=_scheduled_event_id(s)),
     "InvalidEventId.NoInquiringEventFound", 404),
    ("modify-event-unknown", lambda s: _with(
        ModifySystemEventAttributeRequest(), EventId="e-bp1xxxxxxxxxxxxxxxxx", InstanceId=A,
        NotBefore="2024-05-02T00:00:00Z"), "InvalidEventId.NotFound", 404),
    ("modify-event-passed", lambda s: _with(
        ModifySystemEventAttributeRequest(), EventId=_scheduled_event_id(s), InstanceId=A,
        NotBefore="2024-04-30T00:00:00Z"), "InvalidNotBefore.Passed", 403),
    ("maintenance-bad-window", lambda s: _with(
        ModifyInstanceMaintenanceAttributesRequest(), InstanceIds=[A],
        MaintenanceWindows=[{"StartTime": "02:30:00", "EndTime": "05:00:00"}]),
     "InvalidParameter", 403),
    ("maintenance-unknown", lambda s: _with(
        ModifyInstanceMaintenanceAttributesRequest(), InstanceIds=[A, "i-nope"],
        ActionOnMaintenance="Stop"), "InvalidInstanceId.NotFound", 404),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "code", "status"),
    [pytest.param(b, c, s, id=i) for i, b, c, s in ERROR_CASES],
)
def test_refused_calls_answer_the_code_and_change_nothing(
    ecs_sim: Any, client: AcsClient, build: Callable[[Any], Any], code: str, status: int
) -> None:
    ecs_sim.create_events("SystemMaintenance.Stop", [B], "+3h")  # some state to protect
    request = build(ecs_sim)
    before = snapshot(ecs_sim)
    calls_before = len(ecs_sim.calls)

    exc = legacy_error(client, request)

    assert exc.get_error_code() == code
    assert exc.get_http_status() == status
    assert REQUEST_ID.match(exc.get_request_id())
    assert exc.get_error_msg()
    assert snapshot(ecs_sim) == before
    (call,) = ecs_sim.calls[calls_before:]
    assert (call.action, call.status, call.error_code) == (request.get_action_name(), status, code)


def test_unimplemented_action_is_404_invalid_action(ecs_sim: Any, client: AcsClient) -> None:
    request = CommonRequest(domain=ecs_sim.endpoint, version="2014-05-26",
                            action_name="DescribeSnapshots")  # fmt: skip
    request.add_query_param("RegionId", "cn-hangzhou")
    exc = legacy_error(client, request)
    assert exc.get_error_code() == "InvalidAction.NotFound"
    assert exc.get_http_status() == 404
    assert "DescribeSnapshots" in exc.get_error_msg()
    assert "not implement" in exc.get_error_msg()
    assert ecs_sim.calls[-1].action == "DescribeSnapshots"
    assert len(ecs_sim.calls) == 1  # a 404 is not retried


def test_a_misspelt_action_is_404_and_says_what_it_meant(ecs_sim: Any, client: AcsClient) -> None:
    request = CommonRequest(domain=ecs_sim.endpoint, version="2014-05-26",
                            action_name="RebootInstanse")  # fmt: skip
    request.add_query_param("InstanceId", "i-nope")
    exc = legacy_error(client, request)
    assert (exc.get_error_code(), exc.get_http_status()) == ("InvalidAction.NotFound", 404)
    assert "Did you mean 'RebootInstance'?" in exc.get_error_msg()
    assert ecs_sim.calls[-1].action == "RebootInstanse"


def test_unknown_event_type_name_in_history_filter_is_refused(client: AcsClient) -> None:
    exc = legacy_error(client, _with(DescribeInstanceHistoryEventsRequest(),
                                     EventType="SystemMaintenance.Nap"))  # fmt: skip
    assert (exc.get_error_code(), exc.get_http_status()) == ("InvalidParameter", 403)
    assert "EventType" in exc.get_error_msg()


def test_execution_duration_from_marker(ecs_sim: Any) -> None:
    assert ecs_sim.now.isoformat() == "2024-05-01T00:00:00+00:00"
    event = ecs_sim.create_events("SystemMaintenance.Reboot", A, timedelta(minutes=1))[0]
    ecs_sim.advance("1m29s")
    assert event.state == "Executing"
    ecs_sim.advance("1s")
    assert event.state == "Executed"
