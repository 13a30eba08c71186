"""DescribeInstances' filters: every documented one read from the parameters into a single
predicate over instances (the request model lists them; they combine with AND).

Read once per question (DescribeInstances is a ``query_action``), so a poller's repeated
question costs only the predicate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..core.catalog import InstanceStatus
from ..core.errors import EcsApiError
from ..core.instance_types import instance_type
from ..core.models import Instance
from .params import Params
from .render_instances import POSTPAID_EXPIRY

__all__ = ["FILTER_KEYS", "LOCK_REASONS", "PARAMETERS", "instance_filter", "name_pattern"]

#: Every parameter :func:`instance_filter` reads (the docs hook checks docs/actions.md by it).
PARAMETERS = (
    "Status", "ZoneId", "VpcId", "VSwitchId", "InstanceType", "ImageId", "ResourceGroupId",
    "KeyPairName", "InstanceTypeFamily", "InstanceChargeType", "InternetChargeType",
    "InstanceNetworkType", "IoOptimized", "DeviceAvailable", "HttpEndpoint", "HttpTokens",
    "HttpPutResponseHopLimit", "HpcClusterId", "Ipv6Address.N", "RdmaIpAddresses",
    "SecurityGroupId", "LockReason", "InstanceName", "PrivateIpAddresses", "PublicIpAddresses",
    "EipAddresses", "InnerIpAddresses", "Tag.N.Key", "Tag.N.Value", "Filter.N.Key",
    "Filter.N.Value",
)  # fmt: skip

_STATUSES = tuple(s.value for s in InstanceStatus)
#: The Filter.N.Key values DescribeInstances documents.
FILTER_KEYS = ("CreationStartTime", "CreationEndTime", "ExpiredStartTime", "ExpiredEndTime")
LOCK_REASONS = ("financial", "security", "Recycling", "dedicatedhostfinancial", "refunded")
_POSTPAID_EXPIRY = datetime.fromisoformat(POSTPAID_EXPIRY.replace("Z", ":00+00:00"))

Predicate = Callable[[Instance], bool]


def name_pattern(pattern: str) -> re.Pattern[str]:
    """InstanceName with ``*`` as the only wildcard (any run of characters); the rest is
    literal, so ``web-[1]`` or ``db?`` match themselves."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def _choice(p: Params, name: str, allowed: tuple[str, ...]) -> str | None:
    value = p.text(name)
    if value is not None and value not in allowed:
        raise p.invalid(name, f"expected one of {', '.join(allowed)}, got {value!r}")
    return value


def _optional_flag(p: Params, name: str) -> bool | None:
    return None if p.text(name) is None else p.flag(name)


def _ip_list(p: Params, name: str) -> frozenset[str] | None:
    values = p.json_list(name, limit=100)
    return None if values is None else frozenset(values)


def _filters(p: Params) -> dict[str, datetime]:
    """Filter.N.Key / Filter.N.Value: the documented time filters, yyyy-MM-ddTHH:mmZ."""
    found: dict[str, datetime] = {}
    for key_name in sorted(k for k in p.raw if re.fullmatch(r"Filter\.\d{1,9}\.Key", k)):
        value_name = key_name[: -len("Key")] + "Value"
        key = p.raw[key_name]
        if key not in FILTER_KEYS:
            raise p.invalid(key_name, f"expected one of {', '.join(FILTER_KEYS)}, got {key!r}")
        when = p.time(value_name)
        if when is None:
            raise p.missing(value_name)
        found[key] = when
    for key_name in (k for k in p.raw if re.fullmatch(r"Filter\.\d{1,9}\.Value", k)):
        if key_name[: -len("Value")] + "Key" not in p.raw:
            raise p.missing(key_name[: -len("Value")] + "Key")
    return found


def _expiry(instance: Instance) -> datetime:
    if instance.charge_type == "PostPaid" or instance.expired_at is None:
        return _POSTPAID_EXPIRY
    return instance.expired_at


def _time_test(key: str, when: datetime) -> Predicate:
    if key == "CreationStartTime":
        return lambda i: i.created_at is not None and i.created_at >= when
    if key == "CreationEndTime":
        return lambda i: i.created_at is not None and i.created_at <= when
    if key == "ExpiredStartTime":
        return lambda i: _expiry(i) >= when
    return lambda i: _expiry(i) <= when


def instance_filter(p: Params) -> Predicate:
    """The predicate of every filter the call gives (parse errors raised here, first)."""
    tests: list[Predicate] = []

    def equal(name: str, read: Callable[[Instance], Any], value: Any) -> None:
        if value is not None:
            tests.append(lambda i: read(i) == value)

    status = p.text("Status")
    if status is not None and status not in _STATUSES:
        raise EcsApiError(
            "InvalidStatus.NotFound",
            f"The specified Status {status!r} does not exist; use one of {', '.join(_STATUSES)}.",
            404,
        )
    equal("Status", lambda i: i.status.value, status)
    for name, read in (
        ("ZoneId", lambda i: i.zone),
        ("VpcId", lambda i: i.vpc_id),
        ("VSwitchId", lambda i: i.vswitch_id),
        ("InstanceType", lambda i: i.instance_type),
        ("ImageId", lambda i: i.image_id),
        ("ResourceGroupId", lambda i: i.resource_group_id),
        ("KeyPairName", lambda i: i.key_pair_name),
    ):
        equal(name, read, p.text(name))
    family = p.text("InstanceTypeFamily")
    equal("InstanceTypeFamily", lambda i: instance_type(i.instance_type).family, family)
    equal("InstanceChargeType", lambda i: i.charge_type,
          _choice(p, "InstanceChargeType", ("PostPaid", "PrePaid")))  # fmt: skip
    equal("InternetChargeType", lambda i: i.internet_charge_type,
          _choice(p, "InternetChargeType", ("PayByBandwidth", "PayByTraffic")))  # fmt: skip
    # Every simulated instance is in a VPC, I/O optimized, with its device available.
    equal("InstanceNetworkType", lambda i: "vpc",
          _choice(p, "InstanceNetworkType", ("vpc", "classic")))  # fmt: skip
    equal("IoOptimized", lambda i: True, _optional_flag(p, "IoOptimized"))
    equal("DeviceAvailable", lambda i: True, _optional_flag(p, "DeviceAvailable"))
    # Instance metadata: the access channel is enabled, the hardened mode optional.
    equal("HttpEndpoint", lambda i: "enabled",
          _choice(p, "HttpEndpoint", ("enabled", "disabled")))  # fmt: skip
    equal("HttpTokens", lambda i: "optional",
          _choice(p, "HttpTokens", ("optional", "required")))  # fmt: skip
    p.integer("HttpPutResponseHopLimit", default=1, minimum=1, maximum=64)
    # No simulated instance is in an HPC cluster or has IPv6 or RDMA addresses.
    if p.text("HpcClusterId") is not None:
        tests.append(lambda i: False)
    if p.items("Ipv6Address", limit=100) or p.json_list("RdmaIpAddresses", limit=100):
        tests.append(lambda i: False)
    group = p.text("SecurityGroupId")
    if group is not None:
        tests.append(lambda i: group in i.security_group_ids)
    lock = _choice(p, "LockReason", LOCK_REASONS)
    if lock is not None:
        tests.append(lambda i: lock in i.lock_reasons)
    wanted_name = p.text("InstanceName", max_length=128)
    if wanted_name is not None:
        pattern = name_pattern(wanted_name)
        tests.append(lambda i: pattern.fullmatch(i.name) is not None)
    private = _ip_list(p, "PrivateIpAddresses")
    if private is not None:
        tests.append(lambda i: i.private_ip in private)
    public = _ip_list(p, "PublicIpAddresses")
    if public is not None:
        tests.append(lambda i: i.public_ip in public)
    eips = _ip_list(p, "EipAddresses")
    if eips is not None:
        tests.append(lambda i: i.eip_address in eips)
    inner = _ip_list(p, "InnerIpAddresses")
    if inner is not None:  # classic-network addresses: a VPC instance has none
        tests.append(lambda i: False)
    tags = p.tags()
    if tags:
        tests.append(lambda i: all(k in i.tags and (v is None or i.tags[k] == v) for k, v in tags))
    tests.extend(_time_test(key, when) for key, when in _filters(p).items())
    return lambda instance: all(test(instance) for test in tests)
