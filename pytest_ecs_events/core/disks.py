"""Cloud disks: the categories, sizes and states DescribeDisks knows, and new data disks.

Every instance gets its system disk when it is added (``provisioning.system_disk``); a test
adds data disks with ``add_disk``, attached to an instance or not. The options are checked
here (a bad one is a ``ValueError`` naming it, raised before anything is registered) so that
what DescribeDisks and DescribeDisksFullStatus show is always something the real API could
show.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from .clock import TimeFormatError, parse_time
from .models import Disk, Instance
from .regions import region as region_info

#: Disk categories and their sizes in GiB, from CreateDisk's ``Size`` parameter (the new
#: SDK's ``models/_create_disk_request.py``); an ESSD's minimum depends on its PL.
SIZE_RANGES: Mapping[str, tuple[int, int]] = MappingProxyType({
    "cloud": (5, 2000),
    "cloud_efficiency": (20, 32768),
    "cloud_ssd": (20, 32768),
    "cloud_essd": (1, 65536),
    "cloud_auto": (1, 65536),
    "cloud_essd_entry": (10, 32768),
    "cloud_regional_disk_auto": (10, 65536),
    "elastic_ephemeral_disk_standard": (64, 8192),
    "elastic_ephemeral_disk_premium": (64, 8192),
})  # fmt: skip
#: A system disk's sizes (RunInstances ``SystemDisk.Size``): basic disks 20 to 500, the
#: others up to 2048; elastic ephemeral disks cannot be system disks.
SYSTEM_SIZE_RANGES: Mapping[str, tuple[int, int]] = MappingProxyType({
    "cloud": (20, 500),
    "cloud_efficiency": (20, 2048),
    "cloud_ssd": (20, 2048),
    "cloud_essd": (1, 2048),
    "cloud_auto": (1, 2048),
    "cloud_essd_entry": (20, 2048),
})  # fmt: skip
#: The smallest ESSD of each performance level (CreateDisk ``Size``).
PL_MINIMUM: Mapping[str, int] = MappingProxyType({"PL0": 1, "PL1": 20, "PL2": 461, "PL3": 1261})
CATEGORIES: tuple[str, ...] = tuple(SIZE_RANGES)
#: DescribeDisks ``Status`` values, and their DescribeDisksFullStatus codes: (code,
#: confirmed). Available=129 is in the API reference's example; the others are ours.
STATUS_CODES: Mapping[str, tuple[int, bool]] = MappingProxyType({
    "In_use": (128, False),
    "Available": (129, True),
    "Attaching": (130, False),
    "Detaching": (131, False),
    "Creating": (132, False),
    "ReIniting": (133, False),
})  # fmt: skip
STATUSES: tuple[str, ...] = tuple(STATUS_CODES)
CHARGE_TYPES = ("PostPaid", "PrePaid")
#: Data disks are attached as /dev/xvdb to /dev/xvdz (the system disk is /dev/xvda).
DATA_DEVICES: tuple[str, ...] = tuple(f"/dev/xvd{c}" for c in string.ascii_lowercase[1:])
#: The instance event types that name the damaged disk in ExtendedAttribute.
ERROR_DISK_SUFFIX = "ErrorDisk"


def _bad(name: str, value: object, expected: str) -> ValueError:
    return ValueError(f"add_disk(): {name}={value!r} is not valid: expected {expected}")


def check_size(
    size: object, category: str, *, system: bool = False, performance_level: str = "PL0"
) -> int:
    """``size`` (GiB) if the category allows it; ValueError naming what is allowed."""
    what = "system_disk_size" if system else "size"
    table = SYSTEM_SIZE_RANGES if system else SIZE_RANGES
    low, high = table[category]
    if category == "cloud_essd":
        low = max(low, PL_MINIMUM[performance_level])
    if isinstance(size, bool) or not isinstance(size, int) or not low <= size <= high:
        detail = f"{category} {performance_level}" if category == "cloud_essd" else category
        raise ValueError(f"{what}={size!r} is not valid: a {detail} "
                         f"{'system ' if system else ''}disk has {low} to {high} GiB")  # fmt: skip
    return size


def check_category(category: object, *, system: bool = False) -> str:
    table = SYSTEM_SIZE_RANGES if system else SIZE_RANGES
    if not isinstance(category, str) or category not in table:
        what = "system_disk_category" if system else "category"
        raise ValueError(f"{what}={category!r} is not valid: expected one of {', '.join(table)}")
    return category


def new_data_disk(
    *,
    instance: Instance | None,
    region: str | None,
    zone: str | None,
    taken_devices: Sequence[str],
    options: Mapping[str, Any],
    now: datetime,
    rng: random.Random,
    default_region: str,
    new_id: str,
) -> Disk:
    """A data disk with the test's options checked (ValueError naming the first bad one):
    attached to ``instance`` (In_use) in its zone, or Available in ``zone``."""
    o = dict(options)
    try:
        category = check_category(o.pop("category", "cloud_essd"))
    except ValueError as exc:
        raise ValueError(f"add_disk(): {exc}") from None
    level = o.pop("performance_level", None)
    if level is not None and (category != "cloud_essd" or level not in PL_MINIMUM):
        raise _bad("performance_level", level, "PL0 to PL3, for a cloud_essd disk only")
    level = level or ("PL0" if category == "cloud_essd" else "")
    try:
        size = check_size(o.pop("size", 100), category, performance_level=level or "PL0")
    except ValueError as exc:
        raise ValueError(f"add_disk(): {exc}") from None
    name = o.pop("name", None)
    if name is not None and (not isinstance(name, str) or not 2 <= len(name) <= 128):
        raise _bad("name", name, "a name of 2 to 128 characters")
    description = o.pop("description", None) or ""
    if not isinstance(description, str) or len(description) > 256:
        raise _bad("description", description, "a text of at most 256 characters")
    delete_with_instance = o.pop("delete_with_instance", True)
    if not isinstance(delete_with_instance, bool):
        raise _bad("delete_with_instance", delete_with_instance, "True or False")
    charge = o.pop("charge_type", None) or (instance.charge_type if instance else "PostPaid")
    if charge not in CHARGE_TYPES:
        raise _bad("charge_type", charge, " or ".join(CHARGE_TYPES))
    if charge == "PrePaid" and instance is None:
        raise _bad("charge_type", charge, "PostPaid for a disk no instance holds (a "
                   "subscription data disk is bought with its instance)")  # fmt: skip
    tags = o.pop("tags", None) or {}
    if not isinstance(tags, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in tags.items()
    ):
        raise _bad("tags", tags, "a mapping of str keys to str values")
    if len(tags) > 20:
        raise _bad("tags", tags, "at most 20 tags")
    group = o.pop("resource_group_id", None)
    if group is not None and (not isinstance(group, str) or not group):
        raise _bad("resource_group_id", group, "a non-empty string")
    created = o.pop("creation_time", None)
    try:
        created = parse_time(created, now=now) if created is not None else now
    except TimeFormatError as exc:
        raise _bad("creation_time", created, str(exc)) from None
    device = o.pop("device", None)
    if o:
        raise TypeError(f"add_disk() got unexpected keyword argument(s) {', '.join(sorted(o))}")
    if instance is None:
        if device is not None:
            raise _bad("device", device, "no device for a disk that is not attached")
        region = region or default_region
        zones = region_info(region).zones
        zone = zone or zones[0]
    else:
        if region is not None and region != instance.region:
            raise _bad("region", region, f"the region of {instance.instance_id} "
                       f"({instance.region})")  # fmt: skip
        if zone is not None and zone != instance.zone:
            raise _bad("zone", zone, f"the zone of {instance.instance_id} ({instance.zone})")
        region, zone = instance.region, instance.zone
        free = [d for d in DATA_DEVICES if d not in taken_devices]
        if device is None:
            if not free:
                raise ValueError(f"add_disk(): {instance.instance_id} has no free device left "
                                 f"({len(DATA_DEVICES)} data disks at most)")  # fmt: skip
            device = free[0]
        elif device not in free:
            raise _bad("device", device, f"a free data disk device of {instance.instance_id} "
                       f"({', '.join(free[:3])}, ...)")  # fmt: skip
    return Disk(
        disk_id=new_id,
        region=region,
        zone=zone,
        kind="data",
        category=category,
        size_gib=size,
        instance_id=instance.instance_id if instance else "",
        device=device or "",
        status="In_use" if instance else "Available",
        name=name or "",
        description=description,
        performance_level=level,
        delete_with_instance=delete_with_instance,
        charge_type=charge,
        serial_number=serial_number(region, rng),
        tags=MappingProxyType(dict(tags)),
        created_at=created,
        attached_at=created if instance else None,
        resource_group_id=group or (instance.resource_group_id if instance else ""),
    )


def serial_number(region: str, rng: random.Random) -> str:
    """A serial number as the service shows one: the region's id prefix and 16 hex digits."""
    return f"{region_info(region).id_prefix}{rng.randbytes(8).hex()}"


def error_disk_attributes(
    event_type: str, extended: Mapping[str, object] | None, disks: Sequence[Disk]
) -> dict[str, object] | None:
    """The ``*ErrorDisk`` maintenance events name the damaged disk (``Device``, ``DiskId``):
    the one given, else the instance's first data disk, else its system disk, so that the ids
    agree with DescribeDisks. Other types: ``extended`` as it is."""
    if not event_type.endswith(ERROR_DISK_SUFFIX) or not disks:
        return dict(extended) if extended else None
    given = dict(extended or {})
    if "DiskId" in given:
        match = [d for d in disks if d.disk_id == given["DiskId"]]
        if match and "Device" not in given:
            given["Device"] = match[0].device
        return given
    data = [d for d in disks if d.kind == "data"]
    disk = data[0] if data else disks[0]
    return {"Device": disk.device, "DiskId": disk.disk_id, **given}
