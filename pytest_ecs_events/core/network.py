"""Facts about this machine's network that several layers share: the loopback rule and the
proxy variables. The plugin never sends anything off the machine: servers listen, webhooks
post and live mode's proxy bypass apply only where :func:`is_loopback` says so.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["LOOPBACK_NAMES", "PROXY_VARIABLES", "is_loopback", "is_loopback_endpoint"]

#: Host names that always mean this machine (the resolver is never asked).
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})

#: Both official SDKs read these themselves and ignore ``NO_PROXY``, so a call to a loopback
#: server would go to the proxy: whatever talks to loopback removes or bypasses them.
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``127.0.0.0/8``, ``::1``, ``localhost``).

    ``host`` is a bare host name or address; IPv6 may be bracketed (``[::1]``).
    """
    if host.lower() in LOOPBACK_NAMES:
        return True
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_endpoint(endpoint: str) -> bool:
    """Whether an endpoint ``host[:port]`` (``[v6]:port``, or a bare address) is on loopback."""
    if is_loopback(endpoint):
        return True
    try:
        host = urlsplit(f"//{endpoint}").hostname
    except ValueError:
        return False
    return host is not None and is_loopback(host)
