"""Answer the MNS SDK (``aliyun-mns-sdk``) in process, at its own HTTP layer.

The MNS SDK does not use requests: ``mns.mns_http.MNSHttp.send_request`` writes the request
with ``http.client`` itself. While a simulator is active that method is replaced: a request
for an MNS endpoint host (:func:`.endpoints.is_mns_host`) is answered by the active
simulator's :class:`~pytest_ecs_events.mns.MnsService`, any other host goes out as before.
An injected transport fault becomes the ``MNSClientNetworkException`` the SDK raises for a
network error. Nothing is imported until a simulator starts, and only if the SDK is there.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..api.faults import TransportFault
from .endpoints import is_mns_host

if TYPE_CHECKING:
    from ..mns import MnsService

# The MNS service package is imported by the first MNS request (a test that never calls
# MNS does not load it).
_SERVICE_PACKAGE = __name__.rsplit(".", 2)[0] + ".mns"

__all__ = ["MnsInterceptor"]

_LOCK = threading.Lock()
#: The attached interceptors, latest last (the latest answers), and the original method.
_ACTIVE: list[MnsInterceptor] = []
_ORIGINAL: list[Any] = []
#: The SDK's ResponseInternal and MNSClientNetworkException, imported by the first start.
_SDK: list[Any] = []
#: ``is_mns_host`` by host, for the few hosts a process talks to (bounded).
_MNS_HOSTS: dict[str, bool] = {}


def _is_mns_host(host: str) -> bool:
    known = _MNS_HOSTS.get(host)
    if known is None:
        known = is_mns_host(host)
        if len(_MNS_HOSTS) < 1024:
            _MNS_HOSTS[host] = known
    return known


def _answer(http: Any, req_inter: Any) -> Any:
    try:  # a read of the last item is atomic; start/stop change the list under _LOCK
        service = _ACTIVE[-1].service
    except IndexError:
        service = None
    host = str(http.host)
    if service is None or not _is_mns_host(host):
        return _ORIGINAL[0](http, req_inter)
    response_internal, network_exception = _SDK
    data = req_inter.data
    quick = service.quick(req_inter.method, req_inter.uri, req_inter.header, data, host)
    if quick is not None:  # SendMessage / ReceiveMessage as the SDK sends them, served
        return response_internal(status=quick[0], header=quick[1], data=quick[2])
    body = data.encode("utf-8") if isinstance(data, str) else bytes(data or b"")
    headers = {str(k).lower(): str(v) for k, v in req_inter.header.items()}
    request = _module(_SERVICE_PACKAGE).MnsRequest(
        req_inter.method, req_inter.uri, headers, body, host
    )
    try:
        reply = service.handle(request)
    except TransportFault as fault:
        what = "timed out" if fault.kind == "timeout" else "Connection reset by peer"
        raise network_exception(
            "NetWorkException", f"{what} ({fault})", req_inter.get_req_id()
        ) from None
    # reply.headers is the reply's own new dict, handed over as the SDK's header dict
    return response_internal(
        status=reply.status, header=reply.headers, data=reply.body.decode("utf-8")
    )


class MnsInterceptor:
    """Routes the MNS SDK's requests for MNS hosts to ``service`` while started.

    ``provider`` instead of ``service``: the service is asked of it on the first request
    (a test that never calls MNS never builds one)."""

    def __init__(
        self,
        service: MnsService | None = None,
        *,
        provider: Callable[[], MnsService] | None = None,
    ) -> None:
        if (service is None) == (provider is None):
            raise TypeError("MnsInterceptor takes a service or a provider")
        self._service = service
        self._provider = provider
        self._attached = False

    @property
    def service(self) -> MnsService:
        service = self._service
        if service is None:
            assert self._provider is not None
            service = self._service = self._provider()
        return service

    @staticmethod
    def available() -> bool:
        return _mns_available()

    def start(self) -> None:
        if self._attached or not _mns_available():
            return
        mns_http = _module("mns.mns_http")
        network_exception = _module("mns.mns_exception").MNSClientNetworkException

        with _LOCK:
            _SDK[:] = [mns_http.ResponseInternal, network_exception]
            if not _ACTIVE:
                _ORIGINAL[:] = [mns_http.MNSHttp.send_request]
                mns_http.MNSHttp.send_request = _answer
            _ACTIVE.append(self)
            self._attached = True

    def stop(self) -> None:
        if not self._attached:
            return
        mns_http = _module("mns.mns_http")

        with _LOCK:
            _ACTIVE.remove(self)
            self._attached = False
            if not _ACTIVE and _ORIGINAL:
                mns_http.MNSHttp.send_request = _ORIGINAL.pop()


@functools.cache
def _mns_available() -> bool:
    """Whether the MNS SDK is installed (asked once per process, not at every start)."""
    return importlib.util.find_spec("mns") is not None


def _module(name: str) -> Any:
    """The module ``name`` as imported now (the SDK's at every start and stop, ours at every
    request: an import statement costs more than the look-up)."""
    module = sys.modules.get(name)
    return module if module is not None else importlib.import_module(name)
