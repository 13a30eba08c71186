"""The details of issue 14's event side, end to end through both SDKs: MaxResults clamped,
the new event types and the states only their causes reach, the 2025 refusals of
AcceptInquiredSystemEvent and of the maintenance-attribute actions, DeleteInstance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m
from alibabacloud_ecs20140526.client import Client
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.AcceptInquiredSystemEventRequest import (
    AcceptInquiredSystemEventRequest,
)
from aliyunsdkecs.request.v20140526.DeleteInstanceRequest import DeleteInstanceRequest
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceMaintenanceAttributesRequest import (
    DescribeInstanceMaintenanceAttributesRequest,
)
from aliyunsdkecs.request.v20140526.ModifyInstanceMaintenanceAttributesRequest import (
    ModifyInstanceMaintenanceAttributesRequest,
)

from tests.helpers.sdk import (
    legacy_call,
    legacy_client,
    legacy_error,
    new_client,
    new_error,
    snapshot,
)

NOW = "2024-05-01T00:00:00Z"
A, B, C = "i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb", "i-bp1ccccccccccccccccc"
R = "cn-hangzhou"
MANY = [f"i-bp1{n:017d}" for n in range(101)]

pytestmark = pytest.mark.ecs_sim(now=NOW, instances=[A, B, C])


@pytest.fixture
def legacy(ecs_sim: Any) -> AcsClient:
    return legacy_client(ecs_sim)


@pytest.fixture
def new(ecs_sim: Any) -> Client:
    return new_client(ecs_sim)


def _with(request: Any, **setters: Any) -> Any:
    for name, value in setters.items():
        getattr(request, f"set_{name}")(value)
    return request


# ------------------------------------------------------------------- MaxResults clamped
def _finished_events(sim: Any, count: int) -> None:
    ids = [sim.add_instance().instance_id for _ in range(count)]
    sim.create_events("SystemFailure.Reboot", ids, "+1m")
    sim.advance("2m")


@pytest.mark.parametrize(("given", "size"), [(1, 10), (9, 10), (10, 10), (150, 25)])
def test_history_max_results_is_clamped_through_both_sdks(
    ecs_sim: Any, legacy: AcsClient, new: Client, given: int, size: int
) -> None:
    _finished_events(ecs_sim, 25)
    body = legacy_call(legacy, _with(DescribeInstanceHistoryEventsRequest(), MaxResults=given))
    assert len(body["InstanceSystemEventSet"]["InstanceSystemEventType"]) == size
    assert bool(body["NextToken"]) is (size < 25)
    resp = new.describe_instance_history_events(
        m.DescribeInstanceHistoryEventsRequest(region_id=R, max_results=given)
    )
    assert len(resp.body.instance_system_event_set.instance_system_event_type) == size


def test_history_without_tokens_has_no_next_token(legacy: AcsClient, new: Client) -> None:
    body = legacy_call(legacy, _with(DescribeInstanceHistoryEventsRequest(), PageSize=100))
    assert "NextToken" not in body
    resp = new.describe_instance_history_events(
        m.DescribeInstanceHistoryEventsRequest(region_id=R, page_size=100)
    )
    assert resp.body.next_token is None


# ------------------------------------------------------------------ the catalog's types
@pytest.mark.parametrize(
    "name", ["Security.TpmAlert", "InstanceFailure.Alert", "SystemMaintenance.StopAndRepair",
             "SecurityPunish.Locked", "SecurityPunish.WebsiteBanned", "SystemUpgrade.Migrate"],
)  # fmt: skip
def test_new_types_are_listed_and_filtered_by_both_sdks(
    ecs_sim: Any, legacy: AcsClient, new: Client, name: str
) -> None:
    event = ecs_sim.inject_event(name, A)
    body = legacy_call(legacy, _with(DescribeInstanceHistoryEventsRequest(), EventType=name,
                                     InstanceEventCycleStatuss=[event.state.value]))  # fmt: skip
    [row] = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
    assert row["EventType"]["Name"] == name
    assert row["EventId"] == event.event_id
    request = m.DescribeInstanceHistoryEventsRequest(
        region_id=R, instance_event_type=[name], instance_event_cycle_status=[event.state.value]
    )
    resp = new.describe_instance_history_events(request)
    [item] = resp.body.instance_system_event_set.instance_system_event_type
    assert item.event_type.code == ecs_sim.catalog.spec(name).code


def test_a_creation_failure_release_is_avoided_by_delete_instance_with_either_sdk(
    ecs_sim: Any, legacy: AcsClient, new: Client
) -> None:
    first = ecs_sim.inject_event("SystemFailure.Delete", A)
    legacy_call(legacy, _with(DeleteInstanceRequest(), InstanceId=A, Force=True))
    second = ecs_sim.inject_event("SystemFailure.Delete", B)
    new.delete_instance(m.DeleteInstanceRequest(instance_id=B, force=True))
    assert (first.state, second.state) == ("Avoided", "Avoided")
    assert {i.instance_id for i in ecs_sim.instances} == {C}


def test_a_maintenance_stop_fails_when_the_instance_reboots_at_not_before(ecs_sim: Any) -> None:
    stop = ecs_sim.inject_event("SystemMaintenance.Stop", A, not_before="+1h")
    ecs_sim.advance("59m57s")
    ecs_sim.reboot_instance(A)
    ecs_sim.advance("3s")
    assert stop.state == "Failed"


# ----------------------------------------------------------------------------- refusals
def _inquiring(sim: Any, event_type: str = "SystemMaintenance.Redeploy") -> str:
    event_id: str = sim.inject_event(event_type, A, state="Inquiring").event_id
    return event_id


def _busy(sim: Any) -> str:
    event_id = _inquiring(sim)
    sim.reboot_instance(A)
    return event_id


def _conflict(sim: Any) -> str:
    event_id = _inquiring(sim)
    sim.inject_event("SystemMaintenance.PerformanceImpact", A)
    return event_id


#: (id, how to get ready -> arguments, legacy request, new-SDK method and request, code, status)
REFUSALS: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any], str,
                     Callable[[Any], Any], str, int]] = [
    ("accept-not-supported", lambda s: _inquiring(s, "SystemFailure.Reboot"),
     lambda e: _with(AcceptInquiredSystemEventRequest(), EventId=e),
     "accept_inquired_system_event",
     lambda e: m.AcceptInquiredSystemEventRequest(region_id=R, event_id=e),
     "OperationDenied.AcceptNotSupported", 403),
    ("accept-instance-busy", _busy,
     lambda e: _with(AcceptInquiredSystemEventRequest(), EventId=e),
     "accept_inquired_system_event",
     lambda e: m.AcceptInquiredSystemEventRequest(region_id=R, event_id=e),
     "IncorrectInstanceStatus", 400),
    ("accept-conflict", _conflict,
     lambda e: _with(AcceptInquiredSystemEventRequest(), EventId=e),
     "accept_inquired_system_event",
     lambda e: m.AcceptInquiredSystemEventRequest(region_id=R, event_id=e),
     "OperationConflict", 403),
    ("maintenance-window-of-no-hours", lambda s: None,
     lambda _: _with(ModifyInstanceMaintenanceAttributesRequest(), InstanceIds=[A],
                     MaintenanceWindows=[{"StartTime": "05:00:00", "EndTime": "05:00:00"}]),
     "modify_instance_maintenance_attributes",
     lambda _: m.ModifyInstanceMaintenanceAttributesRequest(region_id=R, instance_id=[A],
         maintenance_window=[m.ModifyInstanceMaintenanceAttributesRequestMaintenanceWindow(
             start_time="05:00:00", end_time="05:00:00")]),
     "InvalidParameter", 403),
    ("maintenance-too-many-ids", lambda s: None,
     lambda _: _with(ModifyInstanceMaintenanceAttributesRequest(), InstanceIds=MANY,
                     ActionOnMaintenance="Stop"),
     "modify_instance_maintenance_attributes",
     lambda _: m.ModifyInstanceMaintenanceAttributesRequest(
         region_id=R, instance_id=MANY, action_on_maintenance="Stop"),
     "InstanceIdLimitExceeded", 403),
    ("describe-maintenance-unknown", lambda s: None,
     lambda _: _with(DescribeInstanceMaintenanceAttributesRequest(), InstanceIds=[A, "i-nope"]),
     "describe_instance_maintenance_attributes",
     lambda _: m.DescribeInstanceMaintenanceAttributesRequest(
         region_id=R, instance_id=[A, "i-nope"]),
     "InvalidInstanceId.NotFound", 404),
    ("describe-maintenance-too-many-ids", lambda s: None,
     lambda _: _with(DescribeInstanceMaintenanceAttributesRequest(), InstanceIds=MANY),
     "describe_instance_maintenance_attributes",
     lambda _: m.DescribeInstanceMaintenanceAttributesRequest(region_id=R, instance_id=MANY),
     "InstanceIdLimitExceeded", 403),
    ("delete-running", lambda s: None,
     lambda _: _with(DeleteInstanceRequest(), InstanceId=A),
     "delete_instance", lambda _: m.DeleteInstanceRequest(instance_id=A),
     "IncorrectInstanceStatus", 403),
    ("history-max-results-zero", lambda s: None,
     lambda _: _with(DescribeInstanceHistoryEventsRequest(), MaxResults=0),
     "describe_instance_history_events",
     lambda _: m.DescribeInstanceHistoryEventsRequest(region_id=R, max_results=0),
     "InvalidParameter", 403),
]  # fmt: skip


@pytest.mark.parametrize(
    ("ready", "legacy_request", "method", "new_request", "code", "status"),
    [pytest.param(*case[1:], id=case[0]) for case in REFUSALS],
)
def test_refusals_answer_the_code_through_both_sdks_and_change_nothing(
    ecs_sim: Any, legacy: AcsClient, new: Client, ready: Callable[[Any], Any],
    legacy_request: Callable[[Any], Any], method: str, new_request: Callable[[Any], Any],
    code: str, status: int,
) -> None:  # fmt: skip
    value = ready(ecs_sim)
    before = snapshot(ecs_sim)
    error = legacy_error(legacy, legacy_request(value))
    assert (error.get_error_code(), error.get_http_status()) == (code, status)
    failure = new_error(getattr(new, method), new_request(value))
    assert (failure.code, failure.status_code) == (code, status)
    assert snapshot(ecs_sim) == before
