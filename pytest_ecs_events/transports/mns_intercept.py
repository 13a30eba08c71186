"""Answer the MNS SDK (``aliyun-mns-sdk``) in process, at its own HTTP layer.

The MNS SDK does not use requests: ``mns.mns_http.MNSHttp.send_request`` writes the request
with ``http.client`` itself. While a simulator is active that method is replaced: a request
for an MNS endpoint host (:func:`.endpoints.is_mns_host`) is answered by the active
simulator's :class:`~pytest_ecs_events.mns.MnsService`, any other host goes out as before.
An injected transport fault becomes the ``MNSClientNetworkException`` the SDK raises for a
network error. Nothing is imported until a simulator starts, and only if the SDK is there.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

from ..api.faults import TransportFault
from ..mns import MnsRequest, MnsService
from .endpoints import is_mns_host

__all__ = ["MnsInterceptor"]

_LOCK = threading.Lock()
#: The attached interceptors, latest last (the latest answers), and the original method.
_ACTIVE: list[MnsInterceptor] = []
_ORIGINAL: list[Any] = []


def _answer(http: Any, req_inter: Any) -> Any:
    from mns.mns_exception import MNSClientNetworkException
    from mns.mns_http import ResponseInternal

    with _LOCK:
        service = _ACTIVE[-1].service if _ACTIVE else None
    if service is None or not is_mns_host(str(http.host)):
        return _ORIGINAL[0](http, req_inter)
    data = req_inter.data
    body = data.encode("utf-8") if isinstance(data, str) else bytes(data or b"")
    headers = {str(k).lower(): str(v) for k, v in req_inter.header.items()}
    request = MnsRequest(req_inter.method, req_inter.uri, headers, body, str(http.host))
    try:
        reply = service.handle(request)
    except TransportFault as fault:
        what = "timed out" if fault.kind == "timeout" else "Connection reset by peer"
        raise MNSClientNetworkException(
            "NetWorkException", f"{what} ({fault})", req_inter.get_req_id()
        ) from None
    return ResponseInternal(
        status=reply.status, header=dict(reply.headers), data=reply.body.decode("utf-8")
    )


class MnsInterceptor:
    """Routes the MNS SDK's requests for MNS hosts to ``service`` while started."""

    def __init__(self, service: MnsService) -> None:
        self.service = service
        self._attached = False

    @staticmethod
    def available() -> bool:
        return importlib.util.find_spec("mns") is not None

    def start(self) -> None:
        if self._attached or not self.available():
            return
        from mns import mns_http

        with _LOCK:
            if not _ACTIVE:
                _ORIGINAL[:] = [mns_http.MNSHttp.send_request]
                mns_http.MNSHttp.send_request = _answer
            _ACTIVE.append(self)
            self._attached = True

    def stop(self) -> None:
        if not self._attached:
            return
        from mns import mns_http

        with _LOCK:
            _ACTIVE.remove(self)
            self._attached = False
            if not _ACTIVE and _ORIGINAL:
                mns_http.MNSHttp.send_request = _ORIGINAL.pop()
