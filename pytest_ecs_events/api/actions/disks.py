"""Disk actions: DescribeDisks and DescribeDisksFullStatus (with the disk events)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ...core.clock import TimeFormatError, parse_api_time
from ...core.disk_events import DISK_EVENT_TYPES, DiskEvent
from ...core.disks import CATEGORIES, PL_MINIMUM, STATUSES
from ...core.errors import EcsApiError
from ...core.models import Disk
from ...core.regions import region as region_info
from ...core.simulation import MSG_DRY_RUN, Simulation
from ..paging import PageRequest, page_request, take_page
from ..params import Params
from ..registry import ActionContext, Query, query_action
from ..render_disks import disk_full_status
from ..speedups.answer_cache import LastPage

#: DescribeDisksFullStatus shows the events of the last seven days (API reference).
DISK_EVENT_RETENTION = timedelta(days=7)
ID_LIMIT = 100
#: DescribeDisks' MaxResults: below 10 counts as 10, above 500 as 500 (API reference).
MAX_RESULTS_RANGE = (10, 500)
LOCK_REASONS = ("financial", "security", "recycling", "dedicated")
MULTI_ATTACH = ("Disabled", "Enabled", "LegacyShared")
#: Local disk categories: DescribeDisks accepts them as a filter; the simulator has none.
LOCAL_CATEGORIES = ("local_ssd_pro", "local_hdd_pro", "ephemeral", "ephemeral_ssd")
FILTER_KEYS = ("CreationStartTime", "CreationEndTime")
DISK_HEALTH = ("Ok", "Impaired", "Warning", "Initializing", "InsufficientData", "NotApplicable")

Keep = Callable[[Disk], bool]


def _disk_ids(p: Params) -> list[str] | None:
    value = p.text("DiskIds", max_length=100_000)
    if value is None:
        return None
    try:
        ids = json.loads(value)
    except (ValueError, RecursionError):
        ids = None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise EcsApiError("InvalidParameter.DiskIds",
                          "The specified parameter diskIds is not valid.", 400)  # fmt: skip
    if len(ids) > ID_LIMIT:
        raise EcsApiError("InvalidDiskIds.Malformed",
                     "The amount of specified disk Ids exceeds the limit.", 403)  # fmt: skip
    return ids


def _disk_tags(p: Params) -> list[tuple[str, str | None]]:
    """``Tag.N.Key`` / ``Tag.N.Value`` (or the older ``Tag.N.key`` / ``Tag.N.value``)."""
    pairs: list[tuple[str, str | None]] = []
    for given in p.structs("Tag").values():
        entry = {field.lower(): value for field, value in given.items()}
        if not entry.get("key"):
            if entry.get("value"):
                raise EcsApiError(
                    "InvalidTag.Mismatch",
                    "The specified Tag.n.Key and Tag.n.Value are not match.",
                    400,
                )
            continue
        pairs.append((entry["key"], entry.get("value") or None))
    if len(pairs) > 20:
        raise EcsApiError(
            "InvalidTagCount", "The specified tags are beyond the permitted range.", 400
        )
    return pairs


def _has_tags(disk: Disk, tags: list[tuple[str, str | None]]) -> bool:
    return all(k in disk.tags and (v is None or disk.tags[k] == v) for k, v in tags)


def _creation_window(p: Params) -> tuple[datetime | None, datetime | None]:
    """``Filter.N.Key`` = CreationStartTime / CreationEndTime with ``Filter.N.Value``."""
    window: dict[str, datetime] = {}
    for entry in p.structs("Filter").values():
        key, value = entry.get("Key", ""), entry.get("Value", "")
        if not key and not value:
            continue
        if key not in FILTER_KEYS:
            raise EcsApiError("InvalidFilterKey.NotFound", "The filter key is not found.", 404)
        try:
            window[key] = parse_api_time(value.strip())
        except TimeFormatError:
            raise EcsApiError("InvalidFilterValue", "The filter value is not valid.", 404) from None
    return window.get("CreationStartTime"), window.get("CreationEndTime")


def _disks_page(p: Params) -> PageRequest:
    """PageNumber/PageSize (1 to 100), or MaxResults/NextToken with MaxResults clamped to 10
    to 500 as documented (a value that is no number is still refused)."""
    return page_request(p, default_size=10, max_size=100, tokens=True,
                        results_range=MAX_RESULTS_RANGE)  # fmt: skip


def _zones(sim: Simulation, region: str) -> set[str]:
    return set(region_info(region).zones) | {d.zone for d in sim.disks(region)}


@query_action("DescribeDisks")
def describe_disks(ctx: ActionContext) -> Query:
    p = ctx.params
    region = p.text("RegionId")
    if region is None:
        raise EcsApiError("MissingParamter.RegionId", "The regionId should not be null.", 400)
    region = ctx.known_region(region)
    zone = p.text("ZoneId")
    ids = _disk_ids(p)
    instance_id = p.text("InstanceId")
    kind = p.text("DiskType")
    if kind not in (None, "all", "system", "data"):
        raise EcsApiError("InvalidDiskType.ValueNotSupported",
                          "The specified disk type is not supported.", 400)  # fmt: skip
    category = p.text("Category")
    if category not in (None, "all", *CATEGORIES, *LOCAL_CATEGORIES):
        raise EcsApiError("InvalidCategory.ValueNotSupported",
                          "The specified disk category is not supported.", 400)  # fmt: skip
    status = p.text("Status")
    if status not in (None, "All", *STATUSES):
        raise EcsApiError("InvalidStatus.ValueNotSupported",
                          "The specified disk status is not supported.", 400)  # fmt: skip
    charge = p.text("DiskChargeType")
    if charge not in (None, "PrePaid", "PostPaid"):
        raise EcsApiError("InvalidDiskChargeType.NotFound",
                          "The DiskChargeType does not exist in our records.", 404)  # fmt: skip
    lock = p.text("LockReason")
    if lock not in (None, *LOCK_REASONS):
        raise EcsApiError("InvalidLockReason.NotFound", "The specified LockReason is not found.",
                          404)  # fmt: skip
    multi = p.text("MultiAttach")
    if multi not in (None, *MULTI_ATTACH):
        raise EcsApiError("InvalidParameter.MultiAttach",
                          "The specified param MultiAttach is not valid.", 403)  # fmt: skip
    shared = p.flag("EnableShared") if p.text("EnableShared") is not None else None
    if shared and multi is not None and multi != "LegacyShared":
        raise EcsApiError(
            "InvalidParameter.MultiAttachAndEnableSharedNotMatch",
            "The parameter MultiAttach and EnableShared are not match.",
            403,
        )
    level = p.choice("PerformanceLevel", tuple(PL_MINIMUM))
    name = p.text("DiskName", max_length=128)
    tags = _disk_tags(p)
    created_from, created_to = _creation_window(p)
    group = p.text("ResourceGroupId")
    # Attributes our disks never have: a given value matches no disk.
    never = [p.text("SnapshotId"), p.text("AutoSnapshotPolicyId"), p.text("KMSKeyId")]
    # Boolean filters: absent (None) filters nothing.
    given = {
        "Portable": p.flag("Portable"),
        "DeleteWithInstance": p.flag("DeleteWithInstance"),
        "DeleteAutoSnapshot": p.flag("DeleteAutoSnapshot"),
        "EnableAutoSnapshot": p.flag("EnableAutoSnapshot"),
        "EnableAutomatedSnapshotPolicy": p.flag("EnableAutomatedSnapshotPolicy"),
        "Encrypted": p.flag("Encrypted"),
    }
    flags = {n: v for n, v in given.items() if p.raw.get(n) not in (None, "")}
    placement = "Placement" in p.items("AdditionalAttributes", limit=20)
    page = _disks_page(p)
    if p.flag("DryRun"):
        raise EcsApiError("DryRunOperation", MSG_DRY_RUN, 400)
    matches_none = (
        lock is not None
        or multi in ("Enabled", "LegacyShared")
        or bool(shared)
        or any(v is not None for v in never)
        or flags.get("Encrypted") is True
        or flags.get("DeleteAutoSnapshot") is True
        or flags.get("EnableAutoSnapshot") is False
        or flags.get("EnableAutomatedSnapshotPolicy") is True
    )

    def keep(disk: Disk) -> bool:
        return (
            not matches_none
            and (zone is None or disk.zone == zone)
            and (instance_id is None or disk.instance_id == instance_id)
            and (kind in (None, "all") or disk.kind == kind)
            and (category in (None, "all") or disk.category == category)
            and (status in (None, "All") or disk.status == status)
            and (charge is None or disk.charge_type == charge)
            and (level is None or disk.performance_level == level)
            and (name is None or disk.name == name)
            and (group is None or disk.resource_group_id == group)
            and ("Portable" not in flags or flags["Portable"] == _portable(disk))
            and ("DeleteWithInstance" not in flags
                 or flags["DeleteWithInstance"] == disk.delete_with_instance)
            and (created_from is None or (disk.created_at is not None
                                          and disk.created_at >= created_from))
            and (created_to is None or (disk.created_at is not None
                                        and disk.created_at <= created_to))
            and _has_tags(disk, tags)
        )  # fmt: skip

    last = LastPage()
    renderings = ctx.renderings

    def query(sim: Simulation) -> dict[str, Any]:
        if zone is not None and zone not in _zones(sim, region):
            raise EcsApiError("InvalidZoneId.NotFound",
                         "The zoneId provided does not exist in our records.", 400)  # fmt: skip
        candidates = _in_region(sim, region, ids)
        items, total = take_page(candidates, keep, page)
        rows = [renderings.disk(d, _expiry(sim, d), placement=placement) for d in items]
        unchanged = last.get(total, rows)
        if unchanged is not None:
            return unchanged
        return last.keep(
            total, rows, {"Disks": {"Disk": rows}, **page.fields(total, with_token=True)}
        )

    return query


def _portable(disk: Disk) -> bool:
    return disk.kind == "data" and disk.charge_type == "PostPaid"


def _expiry(sim: Simulation, disk: Disk) -> datetime | None:
    if disk.charge_type != "PrePaid" or not disk.instance_id:
        return None
    instance = sim.store.live_instance(disk.instance_id)
    return instance.expired_at if instance is not None else None


def _in_region(sim: Simulation, region: str, ids: list[str] | None) -> list[Disk]:
    """The region's disks, or those of ``ids`` that exist there (in the order given; an
    empty list is a filter that keeps nothing, as documented)."""
    if ids is None:
        return sim.disks(region)
    found = (sim.store.disks.get(i) for i in dict.fromkeys(ids))
    return [d for d in found if d is not None and not d.released and d.region == region]


@query_action(
    "DescribeDisksFullStatus",
    MissingParameter=404,
    InvalidParameter=403,
    DiskIdLimitExceeded=403,
    EventIdLimitExceeded=403,
)
def describe_disks_full_status(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    disk_ids = p.items("DiskId", limit=ID_LIMIT, limit_code="DiskIdLimitExceeded")
    event_ids = p.items("EventId", limit=ID_LIMIT, limit_code="EventIdLimitExceeded")
    status = p.choice("Status", STATUSES)
    health_filter = p.choice("HealthStatus", DISK_HEALTH)
    event_type = p.choice("EventType", tuple(DISK_EVENT_TYPES))
    start, end = p.time_range("EventTime")
    tags = _disk_tags(p)
    group = p.text("ResourceGroupId")
    page = page_request(p, default_size=10, max_size=100)
    wanted_ids = set(event_ids)
    event_filter = (
        bool(wanted_ids) or event_type is not None or start is not None or end is not None
    )

    def shown(event: DiskEvent, now: datetime) -> bool:
        return (
            event.started(now)
            and event.event_time >= now - DISK_EVENT_RETENTION
            and (not wanted_ids or event.event_id in wanted_ids)
            and (event_type is None or event.event_type == event_type)
            and (start is None or event.event_time >= start)
            and (end is None or event.event_time <= end)
        )

    def query(sim: Simulation) -> dict[str, Any]:
        now = sim.now
        log = sim.store.disk_events
        candidates = _in_region(sim, region, disk_ids or None)
        rows: dict[str, tuple[str, list[DiskEvent]]] = {}

        def keep(disk: Disk) -> bool:
            if (
                (status is not None and disk.status != status)
                or (group is not None and disk.resource_group_id != group)
                or not _has_tags(disk, tags)
            ):
                return False
            events = [e for e in log.of_disk(disk.disk_id) if shown(e, now)] if log else []
            if event_filter and not events:
                return False
            health = (
                log.health(disk, now)
                if log
                else ("Initializing" if disk.status in ("Creating", "ReIniting") else "Ok")
            )
            if health_filter is not None and health != health_filter:
                return False
            rows[disk.disk_id] = (health, events)
            return True  # fmt: skip

        items, total = take_page(candidates, keep, page)
        statuses = [
            disk_full_status(d, *rows[d.disk_id], now=now, catalog=sim.catalog) for d in items
        ]
        return {
            "DiskFullStatusSet": {"DiskFullStatusType": statuses},
            **page.fields(total, with_token=False),
        }

    return query
