"""Disks and disk events as DescribeDisks and DescribeDisksFullStatus show them.

Plain functions of the records (field names, nesting and presence as the API reference's
examples show them: ``docs/fidelity.md``, "Disks"); nothing here is kept between calls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..core.catalog import Catalog
from ..core.clock import format_api_time
from ..core.disk_events import DISK_EVENT_TYPES, DiskEvent
from ..core.disks import STATUS_CODES
from ..core.models import Disk
from ..core.regions import region as region_info

__all__ = ["PAY_AS_YOU_GO_EXPIRY", "describe_disk", "disk_event", "disk_full_status", "performance"]

#: The ExpiredTime a pay-as-you-go disk shows (it never expires).
PAY_AS_YOU_GO_EXPIRY = "2999-09-08T16:00Z"

#: (IOPS base, IOPS per GiB, IOPS cap, MB/s base, MB/s per GiB, MB/s cap) by category or
#: ESSD performance level: the published block-storage performance formulas (our choice of
#: source: no capture shows them).
_PERFORMANCE: dict[str, tuple[int, int, int, float, float, int]] = {
    "cloud": (300, 0, 300, 30, 0, 30),
    "cloud_efficiency": (1800, 8, 5000, 100, 0.15, 140),
    "cloud_ssd": (1800, 30, 25000, 120, 0.5, 300),
    "PL0": (1800, 12, 10000, 100, 0.25, 180),
    "PL1": (1800, 50, 50000, 120, 0.5, 350),
    "PL2": (1800, 50, 100000, 120, 0.5, 750),
    "PL3": (1800, 50, 1000000, 120, 0.5, 4000),
    "cloud_auto": (1800, 50, 50000, 120, 0.5, 350),
    "cloud_essd_entry": (1800, 8, 6000, 100, 0.15, 150),
    "cloud_regional_disk_auto": (1800, 50, 50000, 120, 0.5, 350),
    "elastic_ephemeral_disk_standard": (1800, 50, 50000, 120, 0.5, 350),
    "elastic_ephemeral_disk_premium": (1800, 50, 100000, 120, 0.5, 750),
}


def performance(disk: Disk) -> tuple[int, int]:
    """The disk's maximum IOPS and throughput (MB/s)."""
    key = disk.performance_level if disk.category == "cloud_essd" else disk.category
    base, per_gib, cap, mb_base, mb_per_gib, mb_cap = _PERFORMANCE.get(key, _PERFORMANCE["PL0"])
    iops = min(base + per_gib * disk.size_gib, cap)
    throughput = min(int(mb_base + mb_per_gib * disk.size_gib), mb_cap)
    return iops, throughput


def _minutes(value: datetime) -> str:
    # ExpiredTime is written to the minute: 2021-07-07T16:00Z (API reference example).
    return value.strftime("%Y-%m-%dT%H:%MZ")


def describe_disk(
    disk: Disk, *, expired_at: datetime | None = None, placement: bool = False
) -> dict[str, Any]:
    """One ``Disk`` of DescribeDisks. ``expired_at`` is a subscription's end (its
    instance's); ``placement`` adds ``Placement`` to a regional disk (AdditionalAttributes)."""
    attached = disk.instance_id != ""
    iops, throughput = performance(disk)
    portable = disk.kind == "data" and disk.charge_type == "PostPaid"
    body: dict[str, Any] = {
        "DiskId": disk.disk_id,
        "DiskName": disk.name,
        "Description": disk.description,
        "Type": disk.kind,
        "Category": disk.category,
        "Size": disk.size_gib,
        "Status": disk.status,
        "RegionId": disk.region,
        "ZoneId": disk.zone,
        "InstanceId": disk.instance_id,
        "Device": disk.device,
        "ImageId": disk.image_id,
        "SourceSnapshotId": "",
        "AutoSnapshotPolicyId": "",
        "PerformanceLevel": disk.performance_level,
        "DiskChargeType": disk.charge_type,
        "ExpiredTime": _minutes(expired_at) if expired_at else PAY_AS_YOU_GO_EXPIRY,
        "CreationTime": format_api_time(disk.created_at) if disk.created_at else "",
        "AttachedTime": format_api_time(disk.attached_at) if disk.attached_at else "",
        "DetachedTime": format_api_time(disk.detached_at) if disk.detached_at else "",
        "DeleteWithInstance": disk.delete_with_instance,
        "DeleteAutoSnapshot": False,
        "EnableAutoSnapshot": True,
        "EnableAutomatedSnapshotPolicy": False,
        "Encrypted": False,
        "KMSKeyId": "",
        "Portable": portable,
        "MultiAttach": "Disabled",
        "MountInstanceNum": 0,
        "MountInstances": {"MountInstance": []},
        "SerialNumber": disk.serial_number,
        "ResourceGroupId": disk.resource_group_id,
        "ProductCode": "",
        "StorageClusterId": "",
        "StorageSetId": "",
        "StorageSetPartitionNumber": 0,
        "IOPS": iops,
        "IOPSRead": iops // 2,
        "IOPSWrite": iops // 2,
        "Throughput": throughput,
        "ThroughputRead": throughput,
        "ThroughputWrite": throughput,
        "OperationLocks": {"OperationLock": []},
        "Tags": {"Tag": [{"TagKey": k, "TagValue": v} for k, v in disk.tags.items()]},
        "Attachments": {
            "Attachment": [
                {
                    "InstanceId": disk.instance_id,
                    "Device": disk.device,
                    "AttachedTime": format_api_time(disk.attached_at) if disk.attached_at else "",
                }
            ]
            if attached
            else []
        },
    }
    if disk.category == "cloud_auto":  # AutoPL only (API reference)
        body["ProvisionedIops"] = 0
        body["BurstingEnabled"] = False
    if placement and disk.category == "cloud_regional_disk_auto":
        body["Placement"] = {"ZoneIds": "\n".join(region_info(disk.region).zones[:2])}
    return body


def disk_event(event: DiskEvent, now: datetime) -> dict[str, Any]:
    """One ``DiskEventType`` of DescribeDisksFullStatus; EventEndTime once it has ended."""
    spec = DISK_EVENT_TYPES[event.event_type]
    body: dict[str, Any] = {
        "EventId": event.event_id,
        "EventType": {"Code": spec.code, "Name": event.event_type},
        "EventTime": format_api_time(event.event_time),
    }
    if event.end_time is not None and event.end_time <= now:
        body["EventEndTime"] = format_api_time(event.end_time)
    body["ImpactLevel"] = event.impact_level
    return body


def disk_full_status(
    disk: Disk, health: str, events: list[DiskEvent], now: datetime, catalog: Catalog
) -> dict[str, Any]:
    """One ``DiskFullStatusType``: Device only while the disk is In_use (API reference)."""
    body: dict[str, Any] = {"DiskId": disk.disk_id, "InstanceId": disk.instance_id}
    if disk.status == "In_use":
        body["Device"] = disk.device
    body["Status"] = {"Code": STATUS_CODES[disk.status][0], "Name": disk.status}
    body["HealthStatus"] = {"Code": catalog.health_code(health), "Name": health}
    body["DiskEventSet"] = {"DiskEventType": [disk_event(e, now) for e in events]}
    return body
