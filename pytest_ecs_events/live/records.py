"""The API's JSON records as the handle's models: what DescribeInstances and
DescribeInstanceHistoryEvents answer, read into :class:`Instance` and :class:`SystemEvent`.

Pure functions of the records: no client, no clock of their own (``now`` is passed), so that
the reading is tested on records written by hand. Instance ids are turned into the test's
aliases by the ``alias`` function given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ..core.catalog import EventState, InstanceStatus
from ..core.clock import TimeFormatError, parse_api_time, parse_datetime
from ..core.models import Instance, SystemEvent

__all__ = [
    "api_time",
    "event_records",
    "instance_from",
    "read_event",
    "state_of",
]

Alias = Callable[[str], str]


def event_records(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events of a DescribeInstanceHistoryEvents answer (malformed items left out)."""
    items = (body.get("InstanceSystemEventSet") or {}).get("InstanceSystemEventType") or []
    return [i for i in items if isinstance(i, dict)]


def state_of(record: Mapping[str, Any]) -> str:
    """An event record's state name (``EventCycleStatus.Name``, or the flat form)."""
    status = record.get("EventCycleStatus")
    return str(status.get("Name") if isinstance(status, dict) else status or "")


def api_time(value: object) -> datetime | None:
    """A time field of a record; None when absent or unreadable (the cloud may omit one)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_api_time(value)
    except TimeFormatError:
        try:
            return parse_datetime(value)
        except TimeFormatError:
            return None


def instance_from(item: Mapping[str, Any], *, alias: Alias, region: str) -> Instance:
    """A DescribeInstances item as an :class:`Instance` named by its alias."""
    try:
        status = InstanceStatus(str(item.get("Status")))
    except ValueError:
        status = InstanceStatus.Pending
    tags = {
        str(t.get("TagKey")): str(t.get("TagValue") or "")
        for t in (item.get("Tags") or {}).get("Tag") or []
        if isinstance(t, dict)
    }
    real = str(item.get("InstanceId"))
    return Instance(
        instance_id=alias(real),
        region=str(item.get("RegionId") or region),
        zone=str(item.get("ZoneId") or ""),
        name=str(item.get("InstanceName") or real),
        status=status,
        tags=tags,
    )


def read_event(
    record: Mapping[str, Any],
    known: SystemEvent | None,
    *,
    alias: Alias,
    region: str,
    simulated: bool,
    now: datetime,
) -> SystemEvent:
    """The event a record describes: ``known`` brought up to date (a state change is added
    to its history, at its finish time if final, else ``now``), or a new one."""
    event_id = str(record.get("EventId"))
    type_field = record.get("EventType")
    event_type = str(type_field.get("Name") if isinstance(type_field, dict) else type_field)
    try:
        state = EventState(state_of(record))
    except ValueError:
        state = EventState.Scheduled
    finish = api_time(record.get("EventFinishTime"))
    event = known
    if event is None:
        event = SystemEvent.created(
            event_id=event_id,
            instance_id=alias(str(record.get("InstanceId"))),
            region=region,
            event_type=event_type,
            state=state,
            not_before=api_time(record.get("NotBefore")),
            publish_time=api_time(record.get("EventPublishTime")) or now,
            simulated=simulated,
        )
    elif event.state != state:
        event.record(finish if finish and state.is_final else now, state)
    event.state = state
    event.event_type = event_type
    event.not_before = api_time(record.get("NotBefore")) or event.not_before
    event.publish_time = api_time(record.get("EventPublishTime")) or event.publish_time
    event.finish_time = finish
    event.reason = str(record.get("Reason") or "")
    event.reason_code = str(record.get("ReasonCode") or "")
    event.impact_level = str(record.get("ImpactLevel") or "")
    extended = record.get("ExtendedAttribute")
    event.extended = dict(extended) if isinstance(extended, dict) else {}
    return event
