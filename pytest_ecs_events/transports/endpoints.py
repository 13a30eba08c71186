"""Which hosts belong to a simulated product, and what a stack we cannot answer is told.

This is the one place that decides "is this request for a simulated endpoint": every
interception (requests and its vendored copies, aiohttp) and the last-line guard
(:mod:`.guard`) ask it, so adding a product (or the live-mode guard) changes one module.
"""

from __future__ import annotations

import re

__all__ = [
    "CMS_HOST",
    "CMS_URL",
    "ECS_HOST",
    "ECS_URL",
    "MNS_HOST",
    "RPC_URL",
    "SLB_HOST",
    "SLB_URL",
    "EndpointRefused",
    "is_mns_host",
    "is_simulated_host",
    "is_simulated_url",
    "product_for_host",
    "refusal_message",
]

#: ``ecs.aliyuncs.com``, ``ecs-<region>.aliyuncs.com``, ``ecs.<region>.aliyuncs.com``,
#: ``ecs-vpc.<region>.aliyuncs.com``.
ECS_HOST = re.compile(r"ecs(?:-vpc)?(?:[.-][a-z0-9]+(?:-[a-z0-9]+)*)?\.aliyuncs\.com", re.I)
ECS_URL = re.compile(r"https?://(?:" + ECS_HOST.pattern + r")(?::\d+)?(?:[/?#].*)?\Z", re.I | re.S)
#: CloudMonitor: ``metrics.aliyuncs.com`` and ``metrics.<region>.aliyuncs.com`` (both SDKs'
#: endpoint maps; the legacy SDK sends most regions to ``metrics.cn-hangzhou``).
CMS_HOST = re.compile(r"metrics(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)?\.aliyuncs\.com", re.I)
CMS_URL = re.compile(r"https?://(?:" + CMS_HOST.pattern + r")(?::\d+)?(?:[/?#].*)?\Z", re.I | re.S)
#: Server Load Balancer: ``slb.aliyuncs.com`` (both SDKs' endpoint maps, for most regions),
#: ``slb.<region>.aliyuncs.com`` (the regional rule), ``slb-vpc.<region>.aliyuncs.com`` (the
#: new SDK's ``network="vpc"``) and ``slb-api.<region>.aliyuncs.com`` (one map entry).
SLB_HOST = re.compile(r"slb(?:-vpc|-api)?(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)?\.aliyuncs\.com", re.I)
SLB_URL = re.compile(r"https?://(?:" + SLB_HOST.pattern + r")(?::\d+)?(?:[/?#].*)?\Z", re.I | re.S)
#: Every RPC product's URL (ECS first: the hot path's host matches the first branch).
RPC_URL = re.compile(
    r"https?://(?:" + ECS_HOST.pattern + "|" + CMS_HOST.pattern + "|" + SLB_HOST.pattern
    + r")(?::\d+)?(?:[/?#].*)?\Z",
    re.I | re.S,
)  # fmt: skip
#: The RPC products by host pattern, as keys of ``api/products.py``.
_PRODUCT_HOSTS = (("ecs", ECS_HOST), ("cms", CMS_HOST), ("slb", SLB_HOST))
#: Hosts already routed (a process talks to a handful): one dict lookup per call.
_HOST_PRODUCTS: dict[str, str] = {}


def product_for_host(host: str) -> str:
    """The key of the RPC product whose endpoint the host name ``host`` is (``"ecs"``,
    ``"cms"``, ``"slb"``), or "" (an address such as the loopback server's: the dispatcher
    then goes by ``Version``)."""
    known = _HOST_PRODUCTS.get(host)
    if known is not None:
        return known
    name = host.rstrip(".")
    found = next((key for key, pattern in _PRODUCT_HOSTS if pattern.fullmatch(name)), "")
    if len(_HOST_PRODUCTS) < 1024:
        _HOST_PRODUCTS[host] = found
    return found


#: MNS: ``<accountid>.mns.<region>.aliyuncs.com``, and the ``<region>-internal`` and
#: ``<region>-internal-vpc`` variants (the region part takes them as it is).
MNS_HOST = re.compile(r"[a-z0-9][a-z0-9-]*\.mns\.[a-z0-9]+(?:-[a-z0-9]+)*\.aliyuncs\.com", re.I)


def is_mns_host(host: str) -> bool:
    """True for an MNS endpoint host name (a ``:port`` and a trailing dot allowed)."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return MNS_HOST.fullmatch(name.rstrip(".")) is not None


def is_simulated_host(host: object) -> bool:
    """True for the host name (str or bytes, any case, a trailing dot allowed) of a
    simulated product's endpoint."""
    if isinstance(host, bytes | bytearray):
        host = bytes(host).decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.rstrip(".")
    # The suffix test first: every other host of the process is rejected without the regex.
    if host[-12:].lower() != "aliyuncs.com":
        return False
    return (
        ECS_HOST.fullmatch(host) is not None
        or CMS_HOST.fullmatch(host) is not None
        or SLB_HOST.fullmatch(host) is not None
        or MNS_HOST.fullmatch(host) is not None
    )


def is_simulated_url(url: str) -> bool:
    """True for an http(s) URL whose host is a simulated product's endpoint."""
    return RPC_URL.match(url) is not None


def refusal_message(host: str, port: int | None, stack: str) -> str:
    """What a client that we cannot answer in-process is told, and how to serve it."""
    where = f"{host}:{port}" if port else host
    return (
        f"pytest-ecs-events refused a connection to {where}: a simulator (ecs_sim) is "
        f"active and {stack} is not answered in-process, so the request would have gone to "
        "the real Alibaba Cloud. Serve it from the loopback server instead: request the "
        "`ecs_server` fixture (or run `ecs-sim serve`) and point the client's endpoint at "
        'it (`ecs_server.endpoint`, "127.0.0.1:PORT", over http). The requests-based SDK '
        "clients and aiohttp (the new SDK's *_async methods) are answered in-process."
    )


class EndpointRefused(ConnectionRefusedError):
    """Raised instead of opening a socket to a simulated endpoint (see :mod:`.guard`).

    A ``ConnectionRefusedError`` (an ``OSError``), so every stack reports it as the failed
    connection it is, with :func:`refusal_message` as its text.
    """

    def __init__(self, host: str, port: int | None, stack: str) -> None:
        super().__init__(refusal_message(host, port, stack))
        self.host = host
        self.port = port
