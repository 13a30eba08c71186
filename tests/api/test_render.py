"""The API's JSON shapes (api/render.py), from core records, field by field.

End to end, against the SDK models and real samples: ``tests/api/test_actions.py``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from types import MappingProxyType

import pytest

from pytest_ecs_events.api import render
from pytest_ecs_events.core.catalog import DEFAULT_CATALOG, EventState, InstanceStatus
from pytest_ecs_events.core.models import Instance, SystemEvent

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)


def event(state: EventState = EventState.Scheduled, **fields: object) -> SystemEvent:
    values: dict[str, object] = {
        "event_id": "e-1", "instance_id": "i-1", "region": "cn-hangzhou",
        "event_type": "SystemMaintenance.Reboot", "state": state, "not_before": T0,
        "publish_time": T0, "simulated": True, "reason": "why", "impact_level": "100",
        **fields,
    }  # fmt: skip
    return SystemEvent(**values)  # type: ignore[arg-type]


def instance(status: InstanceStatus = InstanceStatus.Running) -> Instance:
    return Instance("i-1", "cn-hangzhou", "cn-hangzhou-h", "web", status, {"env": "ci"}, T0)


def test_history_event_fields_in_the_services_order() -> None:
    body = render.history_event(event(extended=MappingProxyType({"Device": "d"})), DEFAULT_CATALOG)
    assert list(body) == [
        "InstanceId", "EventId", "EventType", "EventCycleStatus", "EventPublishTime",
        "NotBefore", "Reason", "ReasonCode", "ImpactLevel", "ResourceType", "ExtendedAttribute",
    ]  # fmt: skip
    assert body["EventType"] == {"Code": 1, "Name": "SystemMaintenance.Reboot"}
    assert body["EventCycleStatus"]["Name"] == "Scheduled"
    assert body["NotBefore"] == "2024-05-01T00:00:00Z"
    assert body["ExtendedAttribute"] == {"Device": "d"}


def test_unfinished_and_untimed_events_leave_their_times_out() -> None:
    inquiring = render.history_event(event(EventState.Inquiring, not_before=None), DEFAULT_CATALOG)
    assert "NotBefore" not in inquiring
    assert "EventFinishTime" not in inquiring
    done = render.history_event(event(EventState.Executed, finish_time=T0), DEFAULT_CATALOG)
    assert done["EventFinishTime"] == "2024-05-01T00:00:00Z"


def test_scheduled_event_keeps_only_the_disk_attributes() -> None:
    extended = MappingProxyType({"Device": "/dev/xvdb", "DiskId": "d-1", "InitialNotBefore": "x"})
    body = render.scheduled_event(event(extended=extended), DEFAULT_CATALOG)
    assert body["ExtendedAttribute"] == {"Device": "/dev/xvdb", "DiskId": "d-1"}
    assert "InstanceId" not in body
    assert "ReasonCode" not in body


@pytest.mark.parametrize(
    ("status", "scheduled", "active", "expected"),
    [
        (InstanceStatus.Running, [], [EventState.Inquiring], "Impaired"),
        (InstanceStatus.Running, [], [EventState.Executing], "Impaired"),
        (InstanceStatus.Running, [EventState.Scheduled], [EventState.Scheduled], "Warning"),
        (InstanceStatus.Stopped, [], [], "NotApplicable"),
        (InstanceStatus.Running, [], [], "Ok"),
    ],
)
def test_health(
    status: InstanceStatus,
    scheduled: list[EventState],
    active: list[EventState],
    expected: str,
) -> None:
    assert (
        render.health(instance(status), [event(s) for s in scheduled], [event(s) for s in active])
        == expected
    )


def test_instance_status_and_describe_instance() -> None:
    assert render.instance_status(instance(), DEFAULT_CATALOG)["Name"] == "Running"
    body = render.describe_instance(instance())
    assert body["CreationTime"] == "2024-05-01T00:00Z"  # minutes only, as the service
    assert body["Tags"] == {"Tag": [{"TagKey": "env", "TagValue": "ci"}]}
    undated = Instance("i-2", "cn-hangzhou", "cn-hangzhou-h", "db", InstanceStatus.Running)
    assert render.describe_instance(undated)["StartTime"] == ""
