"""The last line: a stack we do not answer never opens a socket to a simulated endpoint.

requests (and the SDKs' vendored copies) and aiohttp are answered in-process before they
connect. Anything else (``http.client``, ``urllib.request``, a bare ``urllib3``, a raw
``socket.create_connection``, aiohttp with a custom connector) has to resolve the host
name first: while a simulator runs, ``socket.getaddrinfo`` refuses the name of a simulated
endpoint (:mod:`.endpoints`) with :class:`~.endpoints.EndpointRefused`, whose text says how
to serve that client. ``http.client`` is refused one step earlier, in ``connect()``, so a
request through an http proxy (where the name resolved is the proxy's) is refused too, and
``urllib`` users read which stack it was.

Every other host, loopback included, resolves and connects as before. A request the
interception itself forwards to the real endpoint (live mode's relay, :mod:`.intercept`)
resolves its host inside :func:`forwarding`.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from .endpoints import EndpointRefused, is_simulated_host

__all__ = ["forwarding", "patches"]


def patches() -> list[tuple[object, str, object]]:
    """(owner, attribute, replacement) for each patch, wrapping what is there now."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = http.client.HTTPConnection.connect
    return [
        (socket, "getaddrinfo", _guarded_getaddrinfo(real_getaddrinfo)),
        (http.client.HTTPConnection, "connect", _guarded_connect(real_connect)),
    ]


#: Hosts a forwarded request is connecting to now, with how many such requests are in flight.
#: Counted per host, not per thread: aiohttp resolves names in an executor thread.
_FORWARDING: dict[str, int] = {}
_FORWARDING_LOCK = threading.Lock()


def _host_key(host: Any) -> str:
    if isinstance(host, bytes | bytearray):
        host = bytes(host).decode("ascii", "replace")
    return str(host).rstrip(".").lower()


@contextlib.contextmanager
def forwarding(host: str) -> Iterator[None]:
    """While a request the interception checked is sent to the real ``host``, its name
    resolves (every other stack's requests to a simulated endpoint are still refused)."""
    key = _host_key(host)
    with _FORWARDING_LOCK:
        _FORWARDING[key] = _FORWARDING.get(key, 0) + 1
    try:
        yield
    finally:
        with _FORWARDING_LOCK:
            left = _FORWARDING.pop(key) - 1
            if left:
                _FORWARDING[key] = left


@functools.lru_cache(maxsize=8)  # one wrapper per function wrapped: started per test
def _guarded_getaddrinfo(real: Callable[..., Any]) -> Callable[..., Any]:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if is_simulated_host(host) and not (_FORWARDING and _host_key(host) in _FORWARDING):
            raise EndpointRefused(
                host.decode() if isinstance(host, bytes) else str(host),
                port if isinstance(port, int) else None,
                "this client (it resolves the host itself: http.client, urllib, urllib3, "
                "a raw socket, or an HTTP library other than requests and aiohttp)",
            )
        return real(host, port, *args, **kwargs)

    return getaddrinfo


@functools.lru_cache(maxsize=8)  # one wrapper per function wrapped: started per test
def _guarded_connect(real: Callable[..., Any]) -> Callable[..., Any]:
    def connect(self: http.client.HTTPConnection) -> Any:
        # Through a proxy, ``host`` is the proxy's and the endpoint is the tunnel's.
        tunnel = (getattr(self, "_tunnel_host", None), getattr(self, "_tunnel_port", None))
        for host, port in ((self.host, self.port), tunnel):
            if is_simulated_host(host):
                raise EndpointRefused(str(host), port, "http.client (urllib.request)")
        return real(self)

    return connect
