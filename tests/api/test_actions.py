"""Response shapes, checked against the new SDK's own response models and real samples.

Every implemented action is sent through the new SDK. The raw JSON body (as it came over the
wire) must survive ``Model().from_map(body).to_map()`` unchanged: a key the SDK does not know,
a wrong nesting or a wrong type would be dropped or changed. Error bodies have exactly the
service's five keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m

from tests.helpers.sdk import API_TIME, REQUEST_ID, RecordingClient, new_client, new_error

#: Real response captures, kept in the repository (their sources: sources.txt there).
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
NOW = "2024-05-01T00:00:00Z"
A, B, C, D = (f"i-bp1{c * 17}" for c in "abcd")
R = "cn-hangzhou"
EVERY_STATE = ["Scheduled", "Inquiring", "Executing", "Executed", "Avoided", "Canceled", "Failed"]
TIME_KEYS = {"EventPublishTime", "NotBefore", "EventFinishTime", "InitialNotBefore"}
ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}
#: Top-level keys a real capture has and the new SDK's response model lacks.
CAPTURED_BEYOND_THE_MODEL = {
    # tests/data/samples/DescribeInstancesFullStatus_empty.json
    "describe_instances_full_status": {"NextToken"},
}

pytestmark = pytest.mark.ecs_sim(now=NOW, instances=[A, B, C, D])


def _sample(name: str) -> dict[str, Any]:
    path = SAMPLES / name
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def body_model(method: str) -> Any:
    name = "".join(part.capitalize() for part in method.split("_")) + "ResponseBody"
    return getattr(m, name)


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


@pytest.fixture
def world(ecs_sim: Any) -> dict[str, str]:
    """Events in every state, one rescheduled, one platform event Inquiring without NotBefore."""
    sim = ecs_sim
    sim.stop_instance(D)
    avoided = sim.create_events("SystemMaintenance.Reboot", A, "+2h")[0]
    sim.reboot_instance(A)
    canceled = sim.create_events("SystemMaintenance.Stop", B, "+5h")[0]
    sim.cancel_events(canceled.event_id)
    executed = sim.create_events("SystemFailure.Reboot", C, "+1m")[0]
    failed = sim.create_events("SystemMaintenance.Redeploy", C, "+2h")[0]
    sim.fail_event(failed.event_id)
    sim.advance("10m")
    scheduled = sim.create_events("SystemMaintenance.Reboot", B, "+1d")[0]
    rescheduled = sim.create_events("SystemMaintenance.Reboot", C, "+1d")[0]
    sim.reschedule_event(rescheduled.event_id, "+2d")
    executing = sim.create_events("InstanceFailure.Reboot", B, "+1d")[0]
    inquiring = sim.inject_event("SystemMaintenance.Redeploy", A, state="Inquiring")
    return {
        "Avoided": avoided.event_id,
        "Canceled": canceled.event_id,
        "Executed": executed.event_id,
        "Failed": failed.event_id,
        "Scheduled": scheduled.event_id,
        "Rescheduled": rescheduled.event_id,
        "Executing": executing.event_id,
        "Inquiring": inquiring.event_id,
    }


@pytest.fixture
def rec(ecs_sim: Any) -> RecordingClient:
    client = new_client(ecs_sim, client_class=RecordingClient)
    assert isinstance(client, RecordingClient)
    return client


Build = Callable[[dict[str, str]], Any]

SUCCESS_CASES: list[tuple[str, str, Build]] = [
    ("create", "create_simulated_system_events", lambda w: m.CreateSimulatedSystemEventsRequest(
        region_id=R, event_type="SystemMaintenance.Reboot", instance_id=[A, D],
        not_before="2024-05-03T00:00:00Z")),
    ("cancel", "cancel_simulated_system_events", lambda w: m.CancelSimulatedSystemEventsRequest(
        region_id=R, event_id=[w["Scheduled"]])),
    ("history-all", "describe_instance_history_events",
     lambda w: m.DescribeInstanceHistoryEventsRequest(
         region_id=R, instance_event_cycle_status=EVERY_STATE)),
    ("history-default", "describe_instance_history_events",
     lambda w: m.DescribeInstanceHistoryEventsRequest(region_id=R)),
    ("history-token", "describe_instance_history_events",
     lambda w: m.DescribeInstanceHistoryEventsRequest(
         region_id=R, instance_event_cycle_status=EVERY_STATE, max_results=10)),
    ("history-empty", "describe_instance_history_events",
     lambda w: m.DescribeInstanceHistoryEventsRequest(region_id=R, event_id=["e-none"])),
    ("full-status", "describe_instances_full_status",
     lambda w: m.DescribeInstancesFullStatusRequest(region_id=R)),
    ("full-status-empty", "describe_instances_full_status",
     lambda w: m.DescribeInstancesFullStatusRequest(region_id=R, event_id=["e-none"])),
    ("instance-status", "describe_instance_status",
     lambda w: m.DescribeInstanceStatusRequest(region_id=R)),
    ("instance-status-empty", "describe_instance_status",
     lambda w: m.DescribeInstanceStatusRequest(region_id=R, instance_id=["i-none"])),
    ("instances", "describe_instances", lambda w: m.DescribeInstancesRequest(region_id=R)),
    ("instances-empty", "describe_instances",
     lambda w: m.DescribeInstancesRequest(region_id=R, instance_ids='["i-none"]')),
    ("regions", "describe_regions", lambda w: m.DescribeRegionsRequest()),
    ("reboot", "reboot_instance", lambda w: m.RebootInstanceRequest(instance_id=B)),
    ("reboots", "reboot_instances",
     lambda w: m.RebootInstancesRequest(region_id=R, instance_id=[B, C])),
    ("reboots-partial", "reboot_instances", lambda w: m.RebootInstancesRequest(
        region_id=R, instance_id=[B, D], batch_optimization="SuccessFirst")),
    ("stop", "stop_instance", lambda w: m.StopInstanceRequest(instance_id=B)),
    ("start", "start_instance", lambda w: m.StartInstanceRequest(instance_id=D)),
    ("redeploy", "redeploy_instance", lambda w: m.RedeployInstanceRequest(instance_id=D)),
    ("delete", "delete_instance", lambda w: m.DeleteInstanceRequest(instance_id=D)),
    ("accept", "accept_inquired_system_event", lambda w: m.AcceptInquiredSystemEventRequest(
        region_id=R, event_id=w["Inquiring"])),
    ("modify-event", "modify_system_event_attribute",
     lambda w: m.ModifySystemEventAttributeRequest(
         region_id=R, event_id=w["Scheduled"], instance_id=B, not_before="2024-05-04T00:00:00Z")),
    ("modify-maintenance", "modify_instance_maintenance_attributes",
     lambda w: m.ModifyInstanceMaintenanceAttributesRequest(
         region_id=R, instance_id=[A], action_on_maintenance="Stop")),
    ("maintenance", "describe_instance_maintenance_attributes",
     lambda w: m.DescribeInstanceMaintenanceAttributesRequest(region_id=R)),
    ("maintenance-empty", "describe_instance_maintenance_attributes",
     lambda w: m.DescribeInstanceMaintenanceAttributesRequest(region_id=R, page_number=9)),
    ("tag", "tag_resources", lambda w: m.TagResourcesRequest(
        region_id=R, resource_type="instance", resource_id=[A, B],
        tag=[m.TagResourcesRequestTag(key="env", value="prod")])),
    ("untag", "untag_resources", lambda w: m.UntagResourcesRequest(
        region_id=R, resource_type="instance", resource_id=[A], all=True)),
    ("list-tags", "list_tag_resources", lambda w: m.ListTagResourcesRequest(
        region_id=R, resource_type="instance", resource_id=[A, B])),
    ("describe-tags", "describe_tags", lambda w: m.DescribeTagsRequest(region_id=R)),
    ("zones", "describe_zones", lambda w: m.DescribeZonesRequest(region_id=R)),
    ("types", "describe_instance_types", lambda w: m.DescribeInstanceTypesRequest()),
    ("families", "describe_instance_type_families",
     lambda w: m.DescribeInstanceTypeFamiliesRequest(region_id=R)),
    ("disks", "describe_disks", lambda w: m.DescribeDisksRequest(region_id=R)),
    ("disks-full-status", "describe_disks_full_status",
     lambda w: m.DescribeDisksFullStatusRequest(region_id=R)),
    ("instance-attribute", "describe_instance_attribute",
     lambda w: m.DescribeInstanceAttributeRequest(instance_id=A)),
    ("modify-instance", "modify_instance_attribute",
     lambda w: m.ModifyInstanceAttributeRequest(instance_id=A, instance_name="web-a",
                                                security_group_ids=["sg-a", "sg-b"])),
    ("start-instances", "start_instances",
     lambda w: m.StartInstancesRequest(region_id=R, instance_id=[D])),
    ("stop-instances-partial", "stop_instances", lambda w: m.StopInstancesRequest(
        region_id=R, instance_id=[B, D], batch_optimization="SuccessFirst",
        stopped_mode="StopCharging")),
    ("run-command", "run_command", lambda w: m.RunCommandRequest(
        region_id=R, type="RunShellScript", command_content="echo {{x}}", instance_id=[B],
        enable_parameter=True, parameters={"x": "1"}, keep_command=True)),
    ("create-command", "create_command", lambda w: m.CreateCommandRequest(
        region_id=R, name="c", type="RunShellScript", command_content="ZWNobw==",
        content_encoding="Base64")),
    ("commands", "describe_commands", lambda w: m.DescribeCommandsRequest(region_id=R)),
    ("invocations", "describe_invocations",
     lambda w: m.DescribeInvocationsRequest(region_id=R, include_output=True)),
    ("invocation-results", "describe_invocation_results",
     lambda w: m.DescribeInvocationResultsRequest(region_id=R)),
    ("assistant-status", "describe_cloud_assistant_status",
     lambda w: m.DescribeCloudAssistantStatusRequest(region_id=R)),
]  # fmt: skip
#: Actions whose success answers need records made first (a command, an invocation): they
#: are round-tripped in tests/e2e/test_sdk_cloud_assistant.py.
ROUND_TRIPPED_ELSEWHERE = {"InvokeCommand", "DeleteCommand", "StopInvocation"}


def _call(rec: RecordingClient, method: str, request: Any) -> dict[str, Any]:
    response = getattr(rec, method)(request)
    assert response.status_code == 200
    body = rec.last_body
    assert rec.raw[-1]["headers"]["x-acs-request-id"] == body["RequestId"]
    return body


@pytest.mark.parametrize(
    ("method", "build"), [pytest.param(meth, b, id=i) for i, meth, b in SUCCESS_CASES]
)
def test_success_body_round_trips_through_the_sdk_model(
    ecs_sim: Any, world: dict[str, str], rec: RecordingClient, method: str, build: Build
) -> None:
    body = _call(rec, method, build(world))

    # Keys the real API sends that the SDK's model does not know (docs/fidelity.md).
    unknown = CAPTURED_BEYOND_THE_MODEL.get(method, set())
    assert unknown <= set(body)
    assert body_model(method)().from_map(body).to_map() == {
        k: v for k, v in body.items() if k not in unknown
    }
    assert REQUEST_ID.match(body["RequestId"])
    for key, value in walk(body):
        if key in TIME_KEYS:
            assert isinstance(value, str)
            assert API_TIME.match(value) or (key == "EventFinishTime" and value == ""), (key, value)
    assert ecs_sim.internal_errors == []


def test_every_implemented_action_is_covered() -> None:
    from pytest_ecs_events.api.dispatch import ACTIONS

    covered = {body_model(meth).__name__.removesuffix("ResponseBody")
               for _, meth, _ in SUCCESS_CASES}  # fmt: skip
    assert covered | ROUND_TRIPPED_ELSEWHERE == set(ACTIONS)


def test_history_event_fields_match_the_real_capture(
    world: dict[str, str], rec: RecordingClient
) -> None:
    body = _call(rec, "describe_instance_history_events", m.DescribeInstanceHistoryEventsRequest(
        region_id=R, instance_event_cycle_status=EVERY_STATE))  # fmt: skip
    events = {e["EventId"]: e for e in body["InstanceSystemEventSet"]["InstanceSystemEventType"]}
    assert set(events) == set(world.values())
    assert body["TotalCount"] == len(world)

    sample = _sample("DescribeInstanceHistoryEvents.json")
    assert set(sample) <= set(body)
    by_state: dict[str, set[str]] = {}
    for event in sample["InstanceSystemEventSet"]["InstanceSystemEventType"]:
        keys = set(event) - {"Reason"}  # a Reason only where the cloud gives one
        by_state.setdefault(event["EventCycleStatus"]["Name"], keys).intersection_update(keys)
    for state in ("Executed", "Avoided", "Inquiring"):
        assert by_state[state] <= set(events[world[state]]), state

    for name, event_id in world.items():
        event = events[event_id]
        expected = {} if name != "Rescheduled" else {"InitialNotBefore": "2024-05-02T00:10:00Z"}
        assert event["ExtendedAttribute"] == expected, name
        assert isinstance(event["EventType"]["Code"], int)
        assert isinstance(event["EventCycleStatus"]["Code"], int)
        assert isinstance(event["ImpactLevel"], str)
    # Confirmed numeric codes.
    assert events[world["Avoided"]]["EventCycleStatus"] == {"Code": 8, "Name": "Avoided"}
    assert events[world["Executed"]]["EventCycleStatus"] == {"Code": 0, "Name": "Executed"}
    assert events[world["Scheduled"]]["EventCycleStatus"] == {"Code": 24, "Name": "Scheduled"}
    assert events[world["Executed"]]["EventType"] == {"Code": 65, "Name": "SystemFailure.Reboot"}
    assert events[world["Scheduled"]]["Reason"] == "A simulated event."


def test_inquiring_event_without_not_before_has_no_time_keys(
    world: dict[str, str], rec: RecordingClient
) -> None:
    """Real capture: an Inquiring event has neither NotBefore nor EventFinishTime."""
    body = _call(rec, "describe_instance_history_events", m.DescribeInstanceHistoryEventsRequest(
        region_id=R, instance_event_cycle_status=["Inquiring"]))  # fmt: skip
    (event,) = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
    assert event["EventCycleStatus"] == {"Code": 28, "Name": "Inquiring"}
    assert "NotBefore" not in event
    assert "EventFinishTime" not in event


@pytest.mark.parametrize(
    ("method", "request_", "sample"),
    [
        ("describe_instance_history_events",
         m.DescribeInstanceHistoryEventsRequest(region_id=R, event_id=["e-none"]),
         "DescribeInstanceHistoryEvents_empty.json"),
        ("describe_instances_full_status",
         m.DescribeInstancesFullStatusRequest(region_id=R, event_id=["e-none"]),
         "DescribeInstancesFullStatus_empty.json"),
        ("describe_instances_full_status", m.DescribeInstancesFullStatusRequest(region_id=R),
         "DescribeInstancesFullStatus.json"),
        ("describe_instances", m.DescribeInstancesRequest(region_id=R),
         "DescribeInstances_beijing.json"),
        ("create_simulated_system_events", m.CreateSimulatedSystemEventsRequest(
            region_id=R, event_type="SystemMaintenance.Reboot", instance_id=[A],
            not_before="2024-05-03T00:00:00Z"), "CreateSimulatedSystemEvents_docexample.json"),
    ],
)  # fmt: skip
def test_top_level_keys_match_the_samples(
    rec: RecordingClient, method: str, request_: Any, sample: str
) -> None:
    expected = body_model(method)().from_map(_sample(sample)).to_map()
    body = _call(rec, method, request_)
    assert set(expected) <= set(body)
    # and the list containers are nested the same way
    for key, value in expected.items():
        if isinstance(value, dict):
            assert set(value) == set(body[key]), key


def test_full_status_rows_match_the_samples(world: dict[str, str], rec: RecordingClient) -> None:
    body = _call(rec, "describe_instances_full_status",
                 m.DescribeInstancesFullStatusRequest(region_id=R))  # fmt: skip
    rows = {r["InstanceId"]: r for r in body["InstanceFullStatusSet"]["InstanceFullStatusType"]}
    sample = _sample("DescribeInstancesFullStatus_scheduled_docfixture.json")
    sample_row = sample["InstanceFullStatusSet"]["InstanceFullStatusType"][0]
    sample_event = sample_row["ScheduledSystemEventSet"]["ScheduledSystemEventType"][0]
    for row in rows.values():
        assert set(row) == set(sample_row)
        for event in row["ScheduledSystemEventSet"]["ScheduledSystemEventType"]:
            assert set(sample_event) <= set(event)
            assert event["EventCycleStatus"] == {"Code": 24, "Name": "Scheduled"}
    scheduled_b = rows[B]["ScheduledSystemEventSet"]["ScheduledSystemEventType"]
    assert [e["EventId"] for e in scheduled_b] == [world["Scheduled"]]
    assert rows[A]["Status"] == {"Code": 1, "Name": "Running"} or rows[A]["Status"]["Name"] in (
        "Stopping", "Starting")  # fmt: skip
    assert rows[D]["Status"]["Name"] == "Stopped"
    assert rows[B]["HealthStatus"]["Name"] in ("Warning", "Impaired")


def test_describe_instances_time_format_matches_the_capture(rec: RecordingClient) -> None:
    body = _call(rec, "describe_instances", m.DescribeInstancesRequest(region_id=R))
    sample = _sample("DescribeInstances_beijing.json")["Instances"]["Instance"][0]
    minutes = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$")
    assert minutes.match(sample["CreationTime"])
    for instance in body["Instances"]["Instance"]:
        assert minutes.match(instance["CreationTime"])
        assert instance["RegionId"] == R


# ---------------------------------------------------------------------------- errors
ERROR_CASES: list[tuple[str, str, Build]] = [
    ("create", "create_simulated_system_events", lambda w: m.CreateSimulatedSystemEventsRequest(
        region_id=R, event_type="SystemMaintenance.Reboot", instance_id=["i-none"],
        not_before="2024-05-03T00:00:00Z")),
    ("cancel", "cancel_simulated_system_events", lambda w: m.CancelSimulatedSystemEventsRequest(
        region_id=R, event_id=[w["Inquiring"]])),
    ("history", "describe_instance_history_events",
     lambda w: m.DescribeInstanceHistoryEventsRequest(region_id=R, page_size=1000)),
    ("full-status", "describe_instances_full_status",
     lambda w: m.DescribeInstancesFullStatusRequest(region_id=R, status="Flying")),
    ("instance-status", "describe_instance_status",
     lambda w: m.DescribeInstanceStatusRequest(region_id=R, page_size=51)),
    ("instances", "describe_instances",
     lambda w: m.DescribeInstancesRequest(region_id=R, instance_ids="i-not-json")),
    ("regions", "describe_regions", lambda w: m.DescribeRegionsRequest(accept_language="xx")),
    ("reboot", "reboot_instance", lambda w: m.RebootInstanceRequest(instance_id=D)),
    ("reboots", "reboot_instances", lambda w: m.RebootInstancesRequest(region_id=R)),
    ("stop", "stop_instance", lambda w: m.StopInstanceRequest(instance_id=D)),
    ("start", "start_instance", lambda w: m.StartInstanceRequest(instance_id=A)),
    ("redeploy", "redeploy_instance", lambda w: m.RedeployInstanceRequest()),
    ("accept", "accept_inquired_system_event", lambda w: m.AcceptInquiredSystemEventRequest(
        region_id=R, event_id=w["Scheduled"])),
    ("modify-event", "modify_system_event_attribute",
     lambda w: m.ModifySystemEventAttributeRequest(
         region_id=R, event_id=w["Executed"], instance_id=C, not_before="2024-05-04T00:00:00Z")),
    ("modify-maintenance", "modify_instance_maintenance_attributes",
     lambda w: m.ModifyInstanceMaintenanceAttributesRequest(
         region_id=R, instance_id=["i-none"], action_on_maintenance="Stop")),
    ("maintenance", "describe_instance_maintenance_attributes",
     lambda w: m.DescribeInstanceMaintenanceAttributesRequest(region_id=R, page_size=0)),
    ("unimplemented", "describe_snapshots", lambda w: m.DescribeSnapshotsRequest(region_id=R)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "build"), [pytest.param(meth, b, id=i) for i, meth, b in ERROR_CASES]
)
def test_error_body_has_exactly_the_service_keys(
    ecs_sim: Any, world: dict[str, str], rec: RecordingClient, method: str, build: Build
) -> None:
    exc = new_error(getattr(rec, method), build(world))
    body = {k: v for k, v in exc.data.items() if k != "statusCode"}

    assert set(body) == ERROR_KEYS
    assert REQUEST_ID.match(body["RequestId"])
    assert body["HostId"] == ecs_sim.endpoint == "ecs-cn-hangzhou.aliyuncs.com"
    assert body["Code"] == exc.code
    assert isinstance(body["Message"], str)
    assert body["Message"]
    assert body["Recommend"].startswith("https://api.aliyun.com/troubleshoot?q=" + body["Code"])
    assert body["RequestId"] in body["Recommend"]
    assert 400 <= exc.status_code < 500
    assert exc.status_code == ecs_sim.calls[-1].status
    assert ecs_sim.internal_errors == []


def test_error_host_id_is_the_host_called(ecs_sim: Any) -> None:
    client = new_client(ecs_sim, region="cn-beijing", endpoint="ecs-vpc.cn-beijing.aliyuncs.com")
    exc = new_error(client.describe_snapshots, m.DescribeSnapshotsRequest(region_id="cn-beijing"))
    assert exc.data["HostId"] == "ecs-vpc.cn-beijing.aliyuncs.com"


def test_injected_fault_has_the_error_format(ecs_sim: Any, rec: RecordingClient) -> None:
    ecs_sim.fail_next("DescribeRegions", code="Forbidden.RAM", status=403, message="No access.")
    exc = new_error(rec.describe_regions, m.DescribeRegionsRequest())
    body = {k: v for k, v in exc.data.items() if k != "statusCode"}
    assert set(body) == ERROR_KEYS
    assert (body["Code"], body["Message"], exc.status_code) == ("Forbidden.RAM", "No access.", 403)


def test_next_token_is_present_or_absent_as_in_the_captures(rec: RecordingClient) -> None:
    """History paged by PageNumber has no NextToken (both captures); paged by MaxResults it
    has one; FullStatus always carries an empty one (its captured empty answer)."""
    history = _call(rec, "describe_instance_history_events",
                    m.DescribeInstanceHistoryEventsRequest(region_id=R, page_size=100))  # fmt: skip
    assert set(history) == set(_sample("DescribeInstanceHistoryEvents_empty.json"))
    assert "NextToken" not in history
    tokens = _call(rec, "describe_instance_history_events",
                   m.DescribeInstanceHistoryEventsRequest(region_id=R, max_results=10))  # fmt: skip
    assert tokens["NextToken"] == ""
    request = m.DescribeInstancesFullStatusRequest(region_id=R, event_id=["e-none"])
    full = _call(rec, "describe_instances_full_status", request)
    assert set(full) == set(_sample("DescribeInstancesFullStatus_empty.json"))
    assert full["NextToken"] == ""
