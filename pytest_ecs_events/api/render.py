"""Turning core records into the API's JSON shapes (field names and presence as the service).

Plain functions of a record and the catalog: nothing here is kept between calls. The
history and full-status actions render events through
:class:`~pytest_ecs_events.api.speedups.render_cache.RenderCache`, which keeps each event's
rendering until the event changes.
"""

from __future__ import annotations

from typing import Any

from ..core.catalog import Catalog, EventState, InstanceStatus
from ..core.clock import format_api_time
from ..core.models import Instance, SystemEvent
from .render_instances import describe_instance

__all__ = [
    "FULL_STATUS_EXTENDED_KEYS",
    "code_name",
    "describe_instance",
    "health",
    "history_event",
    "instance_status",
    "scheduled_event",
]

FULL_STATUS_EXTENDED_KEYS = frozenset({"Device", "DiskId", "InactiveDisks"})


def code_name(code: int, name: str) -> dict[str, Any]:
    return {"Code": code, "Name": name}


def _event_common(event: SystemEvent, catalog: Catalog) -> dict[str, Any]:
    body: dict[str, Any] = {
        "EventId": event.event_id,
        "EventType": code_name(catalog.spec(event.event_type).code, event.event_type),
        "EventCycleStatus": code_name(catalog.state_code(event.state), event.state.value),
        "EventPublishTime": format_api_time(event.publish_time),
    }
    # An Inquiring event without a time has no NotBefore at all (as in
    # tests/data/samples/DescribeInstanceHistoryEvents.json).
    if event.not_before is not None:
        body["NotBefore"] = format_api_time(event.not_before)
    return body


def history_event(event: SystemEvent, catalog: Catalog) -> dict[str, Any]:
    """One ``InstanceSystemEventType`` of DescribeInstanceHistoryEvents."""
    body = {"InstanceId": event.instance_id, **_event_common(event, catalog)}
    # Unfinished events carry no EventFinishTime at all (an Inquiring event in
    # tests/data/samples/DescribeInstanceHistoryEvents.json).
    if event.finish_time is not None:
        body["EventFinishTime"] = format_api_time(event.finish_time)
    body["Reason"] = event.reason
    body["ReasonCode"] = event.reason_code
    body["ImpactLevel"] = event.impact_level
    body["ResourceType"] = "instance"
    body["ExtendedAttribute"] = dict(event.extended)
    return body


def scheduled_event(event: SystemEvent, catalog: Catalog) -> dict[str, Any]:
    """One ``ScheduledSystemEventType`` of DescribeInstancesFullStatus."""
    body = _event_common(event, catalog)
    body["Reason"] = event.reason
    body["ImpactLevel"] = event.impact_level
    # DescribeInstancesFullStatus's ExtendedAttribute holds only the disk fields (SDK model).
    body["ExtendedAttribute"] = {
        k: v for k, v in event.extended.items() if k in FULL_STATUS_EXTENDED_KEYS
    }
    return body


def instance_status(instance: Instance, catalog: Catalog) -> dict[str, Any]:
    return code_name(catalog.instance_status_code(instance.status), instance.status.value)


def health(instance: Instance, scheduled: list[SystemEvent], active: list[SystemEvent]) -> str:
    """HealthStatus name (project choice, consistent with the samples).

    Impaired while an event is being inquired about or executed, Warning while one is
    Scheduled, NotApplicable when the instance is not running, Ok otherwise.
    """
    if any(e.state in (EventState.Inquiring, EventState.Executing) for e in active):
        return "Impaired"
    if scheduled:
        return "Warning"
    if instance.status is not InstanceStatus.Running:
        return "NotApplicable"
    return "Ok"
