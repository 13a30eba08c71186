"""The last line: a stack we do not answer never opens a socket to a simulated endpoint.

requests (and the SDKs' vendored copies) and aiohttp are answered in-process before they
connect. Anything else (``http.client``, ``urllib.request``, a bare ``urllib3``, a raw
``socket.create_connection``, aiohttp with a custom connector) has to resolve the host
name first: while a simulator runs, ``socket.getaddrinfo`` refuses the name of a simulated
endpoint (:mod:`.endpoints`) with :class:`~.endpoints.EndpointRefused`, whose text says how
to serve that client. ``http.client`` is refused one step earlier, in ``connect()``, so a
request through an http proxy (where the name resolved is the proxy's) is refused too, and
``urllib`` users read which stack it was.

Every other host, loopback included, resolves and connects as before.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable
from typing import Any

from .endpoints import EndpointRefused, is_simulated_host

__all__ = ["patches"]


def patches() -> list[tuple[object, str, object]]:
    """(owner, attribute, replacement) for each patch, wrapping what is there now."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = http.client.HTTPConnection.connect
    return [
        (socket, "getaddrinfo", _guarded_getaddrinfo(real_getaddrinfo)),
        (http.client.HTTPConnection, "connect", _guarded_connect(real_connect)),
    ]


def _guarded_getaddrinfo(real: Callable[..., Any]) -> Callable[..., Any]:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if is_simulated_host(host):
            raise EndpointRefused(
                host.decode() if isinstance(host, bytes) else str(host),
                port if isinstance(port, int) else None,
                "this client (it resolves the host itself: http.client, urllib, urllib3, "
                "a raw socket, or an HTTP library other than requests and aiohttp)",
            )
        return real(host, port, *args, **kwargs)

    return getaddrinfo


def _guarded_connect(real: Callable[..., Any]) -> Callable[..., Any]:
    def connect(self: http.client.HTTPConnection) -> Any:
        # Through a proxy, ``host`` is the proxy's and the endpoint is the tunnel's.
        tunnel = (getattr(self, "_tunnel_host", None), getattr(self, "_tunnel_port", None))
        for host, port in ((self.host, self.port), tunnel):
            if is_simulated_host(host):
                raise EndpointRefused(str(host), port, "http.client (urllib.request)")
        return real(self)

    return connect
