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


def _text(item: Mapping[str, Any], *path: str) -> str:
    """The string at ``path`` in a record ("" when absent or not a string)."""
    value: Any = item
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def _first(item: Mapping[str, Any], *path: str) -> str:
    """The first string of the list at ``path`` ("" when there is none)."""
    value: Any = item
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return (
        next((v for v in value or [] if isinstance(v, str)), "") if isinstance(value, list) else ""
    )


def _primary_eni(item: Mapping[str, Any]) -> Mapping[str, Any]:
    enis = (item.get("NetworkInterfaces") or {}).get("NetworkInterface") or []
    enis = [e for e in enis if isinstance(e, dict)]
    return next((e for e in enis if e.get("Type") == "Primary"), enis[0] if enis else {})


def instance_from(item: Mapping[str, Any], *, alias: Alias, region: str) -> Instance:
    """A DescribeInstances item as an :class:`Instance` named by its alias, with every field
    the record carries (a field the record lacks keeps the model's default)."""
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
    eni = _primary_eni(item)
    groups = (item.get("SecurityGroupIds") or {}).get("SecurityGroupId") or []
    charge = _text(item, "InstanceChargeType") or "PostPaid"
    optional: dict[str, Any] = {
        "instance_type": _text(item, "InstanceType"),
        "image_id": _text(item, "ImageId"),
        "internet_charge_type": _text(item, "InternetChargeType"),
        "stopped_mode": _text(item, "StoppedMode"),
    }
    bandwidth = item.get("InternetMaxBandwidthOut")
    return Instance(
        instance_id=alias(real),
        region=str(item.get("RegionId") or region),
        zone=str(item.get("ZoneId") or ""),
        name=str(item.get("InstanceName") or real),
        status=status,
        tags=tags,
        created_at=api_time(item.get("CreationTime")),
        host_name=_text(item, "HostName"),
        description=_text(item, "Description"),
        vpc_id=_text(item, "VpcAttributes", "VpcId"),
        vswitch_id=_text(item, "VpcAttributes", "VSwitchId"),
        private_ip=_first(item, "VpcAttributes", "PrivateIpAddress", "IpAddress")
        or _text(eni, "PrimaryIpAddress"),
        public_ip=_first(item, "PublicIpAddress", "IpAddress"),
        eip_address=_text(item, "EipAddress", "IpAddress"),
        eip_allocation_id=_text(item, "EipAddress", "AllocationId"),
        network_interface_id=_text(eni, "NetworkInterfaceId"),
        mac_address=_text(eni, "MacAddress"),
        security_group_ids=tuple(g for g in groups if isinstance(g, str)),
        charge_type=charge,
        internet_max_bandwidth_out=bandwidth if isinstance(bandwidth, int) else 0,
        # A pay-as-you-go instance shows a far-future ExpiredTime: it has no expiry.
        expired_at=api_time(item.get("ExpiredTime")) if charge == "PrePaid" else None,
        resource_group_id=_text(item, "ResourceGroupId"),
        deletion_protection=item.get("DeletionProtection") is True,
        key_pair_name=_text(item, "KeyPairName"),
        serial_number=_text(item, "SerialNumber"),
        started_at=api_time(item.get("StartTime")),
        credit_specification=_text(item, "CreditSpecification"),
        lock_reasons=tuple(
            str(lock.get("LockReason"))
            for lock in (item.get("OperationLocks") or {}).get("LockReason") or []
            if isinstance(lock, dict) and lock.get("LockReason")
        ),
        **{k: v for k, v in optional.items() if v},
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
