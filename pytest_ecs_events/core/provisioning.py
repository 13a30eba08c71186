"""A new instance's attributes: the ones the test gives, checked, and realistic defaults.

``add_instance`` takes the attributes a handler reads (type, image, network, addresses,
charge type, expiry, ...); whatever the test leaves out is generated here, once, so the
instance shows the same private IP, type and VPC in every action and notification. A bad
attribute is a ``ValueError`` that names it, raised before anything is registered.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from .addressing import AddressBook
from .catalog import InstanceStatus
from .clock import TimeFormatError, parse_time
from .disks import check_category, check_size
from .images import DEFAULT_IMAGE_ID
from .instance_types import DEFAULT_INSTANCE_TYPE
from .models import Disk, Instance
from .regions import new_resource_id, random_bytes

#: The tags of an instance made without any: one read-only mapping for them all (tags are
#: replaced, never changed in place), so an untagged instance holds no mapping of its own for
#: the cyclic GC to allocate and traverse.
_NO_TAGS: Mapping[str, str] = MappingProxyType({})


def _tags_of(tags: Mapping[str, str]) -> Mapping[str, str]:
    """A read-only copy of ``tags``."""
    return MappingProxyType(dict(tags)) if tags else _NO_TAGS


@functools.lru_cache(maxsize=64)
def _default_groups(security_group_id: str) -> tuple[str, ...]:
    """``(security_group_id,)``: one tuple for every instance of the VPC's default group, not
    one each for the cyclic GC to count and traverse (a tuple is a value)."""
    return (security_group_id,)


#: The attributes ``add_instance`` accepts besides ``name``, ``region``, ``zone``, ``status``
#: and ``tags``, with what each holds (for error messages and the docs).
INSTANCE_ATTRIBUTES: Mapping[str, str] = MappingProxyType({
    "instance_type": "an instance type, e.g. 'ecs.c7.large' (Cpu and Memory follow it)",
    "image_id": "an image id (OSName and OSType follow it)",
    "host_name": "the OS host name (default: iZ<id>Z as the service makes it)",
    "description": "the instance's description",
    "vpc_id": "the VPC (default: the region's one VPC)",
    "vswitch_id": "the vSwitch (default: the VPC's vSwitch in the zone)",
    "private_ip": "the primary private IPv4 address (default: a free one of the vSwitch)",
    "public_ip": "a public IPv4 address, or True for a generated one",
    "eip": "an elastic IP address bound to the instance, or True for a generated one",
    "security_group_ids": "a security group id or a list of them",
    "charge_type": "'PostPaid' (pay-as-you-go) or 'PrePaid' (subscription)",
    "expired_time": "when a PrePaid instance expires (a datetime, ISO 8601 or '+30d')",
    "resource_group_id": "the resource group",
    "deletion_protection": "True or False",
    "key_pair_name": "the SSH key pair",
    "internet_max_bandwidth_out": "public bandwidth in Mbit/s (0 to 100)",
    "creation_time": "when it was created (default: the virtual now)",
    "system_disk_category": "the system disk's category (default 'cloud_essd')",
    "system_disk_size": "the system disk's size in GiB (default 40)",
})  # fmt: skip

_ATTRIBUTE_NAMES = frozenset(INSTANCE_ATTRIBUTES)
_TEXT = ("instance_type", "image_id", "host_name", "description", "vpc_id", "vswitch_id",
         "resource_group_id", "key_pair_name")  # fmt: skip
CHARGE_TYPES = ("PostPaid", "PrePaid")
#: Each status by its text (``InstanceStatus(text)`` without the enum's lookup frames).
STATUS_BY_TEXT: Mapping[str, InstanceStatus] = MappingProxyType(
    {s.value: s for s in InstanceStatus}
)


def _bad(name: str, value: object, expected: str) -> ValueError:
    return ValueError(f"add_instance(): {name}={value!r} is not valid: expected {expected}")


def check_attributes(attributes: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """The attributes with their types checked and times parsed; ValueError naming the first
    bad one. ``None`` values mean "not given" and are dropped."""
    if not attributes:  # the usual case (a marker's instance): nothing to check
        return {}
    unknown = attributes.keys() - _ATTRIBUTE_NAMES
    if unknown:
        raise ValueError(
            f"add_instance() got unknown attribute(s) {', '.join(sorted(unknown))}; it accepts "
            f"name, region, zone, status, tags and {', '.join(INSTANCE_ATTRIBUTES)}"
        )
    given = {k: v for k, v in attributes.items() if v is not None}
    if not given:  # the usual case (a marker's instance): nothing to check
        return given
    for name in _TEXT:
        if name in given and (not isinstance(given[name], str) or not given[name].strip()):
            raise _bad(name, given[name], "a non-empty string")
    if "description" in given and len(given["description"]) > 256:
        raise _bad("description", given["description"], "at most 256 characters")
    for name in ("public_ip", "eip"):
        value = given.get(name)
        if value is not None and not isinstance(value, (str, bool)):
            raise _bad(name, value, "an IPv4 address or True")
    groups = given.get("security_group_ids")
    if groups is not None:
        groups = (groups,) if isinstance(groups, str) else groups
        if (
            not isinstance(groups, (list, tuple))
            or not groups
            or not all(isinstance(g, str) and g for g in groups)
        ):
            raise _bad("security_group_ids", given["security_group_ids"],
                       "a security group id or a non-empty list of them")  # fmt: skip
        given["security_group_ids"] = tuple(groups)
    if "charge_type" in given and given["charge_type"] not in CHARGE_TYPES:
        raise _bad("charge_type", given["charge_type"], " or ".join(CHARGE_TYPES))
    if "deletion_protection" in given and not isinstance(given["deletion_protection"], bool):
        raise _bad("deletion_protection", given["deletion_protection"], "True or False")
    bandwidth = given.get("internet_max_bandwidth_out")
    if bandwidth is not None and (
        isinstance(bandwidth, bool) or not isinstance(bandwidth, int) or not 0 <= bandwidth <= 100
    ):
        raise _bad("internet_max_bandwidth_out", bandwidth, "an int from 0 to 100")
    for name in ("expired_time", "creation_time"):
        if name in given:
            try:
                given[name] = parse_time(given[name], now=now)
            except TimeFormatError as exc:
                raise _bad(name, given[name], str(exc)) from None
    if "system_disk_category" in given or "system_disk_size" in given:
        try:
            category = check_category(given.get("system_disk_category", "cloud_essd"), system=True)
            check_size(given.get("system_disk_size", 40), category, system=True)
        except ValueError as exc:
            raise ValueError(f"add_instance(): {exc}") from None
    if given.get("expired_time") is not None and given.get("charge_type", "PostPaid") != "PrePaid":
        raise _bad("expired_time", attributes["expired_time"], "no expiry for PostPaid instances")
    return given


def host_name_for(instance_id: str) -> str:
    """The host name the service gives when none is set: ``iZ`` + the id's body + ``Z``."""
    return f"iZ{instance_id.split('-', 1)[-1]}Z"


def new_instance(
    instance_id: str,
    *,
    region: str,
    zone: str,
    name: str,
    status: InstanceStatus,
    tags: Mapping[str, str],
    attributes: Mapping[str, Any],
    now: datetime,
    rng: random.Random,
    network: AddressBook,
) -> Instance:
    """The instance record with every attribute set (``attributes`` as
    :func:`check_attributes` returns them). Claims its addresses in ``network``; ValueError
    (nothing claimed) if a given address is taken."""
    a = attributes
    if not a:  # a marker's instance: all generated, with the draws below in their order
        vpc, vswitch = network.zone_network(region, zone)
        private_ip = network.private_ip(vswitch)
        eni = new_resource_id("eni", region, rng)
        mac = network.mac_address()
        # the rest is what the fields default to (the general path's values when not given)
        return Instance(
            instance_id, region, zone, name, status, _tags_of(tags), now,
            host_name=f"iZ{instance_id.split('-', 1)[-1]}Z",  # host_name_for(instance_id)
            vpc_id=vpc.vpc_id,
            vswitch_id=vswitch.vswitch_id,
            private_ip=private_ip,
            network_interface_id=eni,
            mac_address=mac,
            security_group_ids=_default_groups(vpc.security_group_id),
            serial_number=_serial_number(rng),
            started_at=now if status is InstanceStatus.Running else None,
        )  # fmt: skip
    vpc = network.vpc(region, a.get("vpc_id"))
    vswitch = network.vswitch(vpc, zone, a.get("vswitch_id"))
    if vswitch.zone != zone:
        raise _bad("vswitch_id", a["vswitch_id"], f"a vSwitch of zone {zone} "
                   f"({a['vswitch_id']} is in {vswitch.zone})")  # fmt: skip
    claimed: list[str] = []
    try:
        private_ip = _address(network, a.get("private_ip"), lambda: network.private_ip(vswitch),
                              claimed, "private_ip")  # fmt: skip
        public_ip = _address(network, a.get("public_ip"), network.public_ip, claimed, "public_ip")
        eip = _address(network, a.get("eip"), network.public_ip, claimed, "eip")
    except ValueError:
        network.release(*claimed)
        raise
    created = a.get("creation_time", now)
    charge = a.get("charge_type", "PostPaid")
    return Instance(
        instance_id=instance_id,
        region=region,
        zone=zone,
        name=name,
        status=status,
        tags=_tags_of(tags),
        created_at=created,
        instance_type=a.get("instance_type", DEFAULT_INSTANCE_TYPE),
        image_id=a.get("image_id", DEFAULT_IMAGE_ID),
        host_name=a.get("host_name", host_name_for(instance_id)),
        description=a.get("description", ""),
        vpc_id=vpc.vpc_id,
        vswitch_id=vswitch.vswitch_id,
        private_ip=private_ip,
        public_ip=public_ip,
        eip_address=eip,
        eip_allocation_id=new_resource_id("eip", region, rng) if eip else "",
        network_interface_id=new_resource_id("eni", region, rng),
        mac_address=network.mac_address(),
        security_group_ids=a.get("security_group_ids", _default_groups(vpc.security_group_id)),
        charge_type=charge,
        internet_charge_type="PayByTraffic",
        internet_max_bandwidth_out=a.get("internet_max_bandwidth_out", 5 if public_ip else 0),
        expired_at=a.get("expired_time"),
        resource_group_id=a.get("resource_group_id", ""),
        deletion_protection=a.get("deletion_protection", False),
        key_pair_name=a.get("key_pair_name", ""),
        serial_number=_serial_number(rng),
        started_at=created if status is InstanceStatus.Running else None,
    )


def _address(
    network: AddressBook, value: object, generate: Any, claimed: list[str], name: str
) -> str:
    if value is None or value is False:
        return "" if name != "private_ip" else _claimed(generate(), claimed)
    if value is True:
        return _claimed(generate(), claimed)
    try:
        return _claimed(network.claim_ip(str(value)), claimed)
    except ValueError as exc:
        raise _bad(name, value, str(exc)) from None


def _serial_number(rng: random.Random) -> str:
    """A random UUID as the instance's serial number (seeded, unlike ``uuid.uuid4``)."""
    h = random_bytes(rng, 16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"


def _claimed(address: str, claimed: list[str]) -> str:
    claimed.append(address)
    return address


def system_disk(
    instance: Instance, *, rng: random.Random, size_gib: int = 40, category: str = "cloud_essd"
) -> Disk:
    """The instance's system disk, attached as ``/dev/xvda`` from its image."""
    disk_id = new_resource_id("d", instance.region, rng)
    body = random_bytes(rng, 8)
    return Disk(
        disk_id=disk_id,
        region=instance.region,
        zone=instance.zone,
        kind="system",
        category=category,
        size_gib=size_gib,
        performance_level="PL0" if category == "cloud_essd" else "",
        instance_id=instance.instance_id,
        device="/dev/xvda",
        status="In_use",
        image_id=instance.image_id,
        charge_type=instance.charge_type,
        serial_number=f"{instance.region.split('-')[-1][:3]}{body.hex()}",
        created_at=instance.created_at,
        attached_at=instance.created_at,
        resource_group_id=instance.resource_group_id,
    )
