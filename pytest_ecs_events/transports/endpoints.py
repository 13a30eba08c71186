"""Which hosts belong to a simulated product, and what a stack we cannot answer is told.

This is the one place that decides "is this request for a simulated endpoint": every
interception (requests and its vendored copies, aiohttp) and the last-line guard
(:mod:`.guard`) ask it, so adding a product (or the live-mode guard) changes one module.
"""

from __future__ import annotations

import re

from ..core.lazy import lazy_values, pattern_on_first_use

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

# The patterns are compiled on first use (a test that makes no call never needs them); the
# public names below are bound when first read (``lazy_values``).
_ECS_HOST = r"ecs(?:-vpc)?(?:[.-][a-z0-9]+(?:-[a-z0-9]+)*)?\.aliyuncs\.com"
_CMS_HOST = r"metrics(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)?\.aliyuncs\.com"
_SLB_HOST = r"slb(?:-vpc|-api)?(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)?\.aliyuncs\.com"
_URL_HEAD, _URL_TAIL = r"https?://(?:", r")(?::\d+)?(?:[/?#].*)?\Z"
_ecs_host = pattern_on_first_use(_ECS_HOST, re.I)
_cms_host = pattern_on_first_use(_CMS_HOST, re.I)
_slb_host = pattern_on_first_use(_SLB_HOST, re.I)
#: The patterns behind the public names, by name.
_PATTERNS = {
    #: ``ecs.aliyuncs.com``, ``ecs-<region>.aliyuncs.com``, ``ecs.<region>.aliyuncs.com``,
    #: ``ecs-vpc.<region>.aliyuncs.com``.
    "ECS_HOST": _ecs_host,
    "ECS_URL": pattern_on_first_use(_URL_HEAD + _ECS_HOST + _URL_TAIL, re.I | re.S),
    #: CloudMonitor: ``metrics.aliyuncs.com`` and ``metrics.<region>.aliyuncs.com`` (both
    #: SDKs' endpoint maps; the legacy SDK sends most regions to ``metrics.cn-hangzhou``).
    "CMS_HOST": _cms_host,
    "CMS_URL": pattern_on_first_use(_URL_HEAD + _CMS_HOST + _URL_TAIL, re.I | re.S),
    #: Server Load Balancer: ``slb.aliyuncs.com`` (both SDKs' endpoint maps, for most
    #: regions), ``slb.<region>.aliyuncs.com`` (the regional rule),
    #: ``slb-vpc.<region>.aliyuncs.com`` (the new SDK's ``network="vpc"``) and
    #: ``slb-api.<region>.aliyuncs.com`` (one map entry).
    "SLB_HOST": _slb_host,
    "SLB_URL": pattern_on_first_use(_URL_HEAD + _SLB_HOST + _URL_TAIL, re.I | re.S),
    #: Every RPC product's URL (ECS first: the hot path's host matches the first branch).
    "RPC_URL": pattern_on_first_use(
        _URL_HEAD + _ECS_HOST + "|" + _CMS_HOST + "|" + _SLB_HOST + _URL_TAIL, re.I | re.S
    ),
    #: MNS: ``<accountid>.mns.<region>.aliyuncs.com``, and the ``<region>-internal`` and
    #: ``<region>-internal-vpc`` variants (the region part takes them as it is).
    "MNS_HOST": pattern_on_first_use(
        r"[a-z0-9][a-z0-9-]*\.mns\.[a-z0-9]+(?:-[a-z0-9]+)*\.aliyuncs\.com", re.I
    ),
}
_rpc_url = _PATTERNS["RPC_URL"]
_mns_host = _PATTERNS["MNS_HOST"]
ECS_HOST: re.Pattern[str]
ECS_URL: re.Pattern[str]
CMS_HOST: re.Pattern[str]
CMS_URL: re.Pattern[str]
SLB_HOST: re.Pattern[str]
SLB_URL: re.Pattern[str]
RPC_URL: re.Pattern[str]
MNS_HOST: re.Pattern[str]

__getattr__, __dir__ = lazy_values(__name__, globals(), _PATTERNS)


#: The RPC products by host pattern, as keys of ``api/products.py``.
_PRODUCT_HOSTS = (("ecs", _ecs_host), ("cms", _cms_host), ("slb", _slb_host))
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
    found = next((key for key, pattern in _PRODUCT_HOSTS if pattern().fullmatch(name)), "")
    if len(_HOST_PRODUCTS) < 1024:
        _HOST_PRODUCTS[host] = found
    return found


def is_mns_host(host: str) -> bool:
    """True for an MNS endpoint host name (a ``:port`` and a trailing dot allowed)."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return _mns_host().fullmatch(name.rstrip(".")) is not None


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
        _ecs_host().fullmatch(host) is not None
        or _cms_host().fullmatch(host) is not None
        or _slb_host().fullmatch(host) is not None
        or _mns_host().fullmatch(host) is not None
    )


def is_simulated_url(url: str) -> bool:
    """True for an http(s) URL whose host is a simulated product's endpoint."""
    return _rpc_url().match(url) is not None


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
