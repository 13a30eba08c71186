"""The products the RPC dispatcher serves, and what tells them apart.

ECS, CloudMonitor and Server Load Balancer speak the same RPC protocol (``Action`` and
``Version`` in the query, the same two signature schemes, the same gateway errors), so one
dispatcher (:mod:`.dispatch`) serves them all. What differs is data, kept here: the version,
the SDKs' product code (``Recommend`` links carry it), the endpoint named in hints, and the
fields a product adds to its error bodies. Each product's actions are registered under its ``key``
(:func:`.registry.action`); which hosts belong to which product is decided in
``transports/endpoints.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .protocol import API_VERSION

__all__ = ["CMS", "CMS_VERSION", "ECS", "PRODUCTS", "SLB", "SLB_VERSION", "Product"]

#: CloudMonitor's API version (``aliyun-python-sdk-cms`` v20190101, ``alibabacloud_cms20190101``).
CMS_VERSION = "2019-01-01"
#: Server Load Balancer's API version (``aliyun-python-sdk-slb`` v20140515,
#: ``alibabacloud_slb20140515``).
SLB_VERSION = "2014-05-15"


@dataclass(frozen=True)
class Product:
    """One RPC product the dispatcher answers."""

    #: The registry key of its actions and the name transports route by (``"ecs"``).
    key: str
    #: The SDKs' product code (``RpcRequest('Ecs', ...)``), shown in ``Recommend``.
    code: str
    #: How messages name it.
    title: str
    version: str
    #: Its global endpoint, for hints.
    endpoint: str
    #: Fields its error bodies carry besides RequestId, HostId, Code, Message, Recommend.
    error_fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def describe(self) -> str:
        """``CloudMonitor (Cms, version 2019-01-01, metrics.aliyuncs.com)``."""
        return f"{self.title} ({self.code}, version {self.version}, {self.endpoint})"


ECS = Product("ecs", "Ecs", "ECS", API_VERSION, "ecs.aliyuncs.com")
#: CloudMonitor's answers all carry ``Success`` (``true``, or ``false`` on an error).
CMS = Product(
    "cms", "Cms", "CloudMonitor", CMS_VERSION, "metrics.aliyuncs.com",
    MappingProxyType({"Success": False}),
)  # fmt: skip

#: Server Load Balancer (classic, "CLB"): its actions are in ``pytest_ecs_events/slb/``.
SLB = Product("slb", "Slb", "Server Load Balancer", SLB_VERSION, "slb.aliyuncs.com")

#: Every product, by key; ECS first (the default where nothing names a product).
PRODUCTS: Mapping[str, Product] = MappingProxyType({p.key: p for p in (ECS, CMS, SLB)})
