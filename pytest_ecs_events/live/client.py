"""The live client: ECS calls through aliyun-python-sdk-core, each checked by the guard first.

:meth:`LiveClient.call` is the only way a live call goes out. It refuses (nothing sent) what
the :class:`~pytest_ecs_events.live.guard.LiveGuard` refuses, scrubs the secret from every
error, and records each call it sent (or tried to).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from ..api.params import param_text
from ..api.protocol import API_VERSION
from ..core.clock import wall_clock_now
from ..core.network import is_loopback_endpoint
from .credentials import Credentials
from .errors import LiveApiError, LiveConnectionError, LiveGuardError
from .guard import LiveGuard

__all__ = ["IDS_PER_CALL", "LiveCall", "LiveClient", "indexed"]

#: Ids per call (InstanceId.N, EventId.N) the API accepts.
IDS_PER_CALL = 100


@dataclass(frozen=True)
class LiveCall:
    """One call live mode sent (or tried to)."""

    action: str
    params: Mapping[str, str]
    status: int | None
    error_code: str | None
    time: datetime


def indexed(name: str, values: Iterable[object]) -> dict[str, str]:
    """``InstanceId.1=a&InstanceId.2=b`` as a dict."""
    return {f"{name}.{n}": param_text(v) for n, v in enumerate(values, 1)}


class LiveClient:
    """Sends ECS calls through aliyun-python-sdk-core; :meth:`call` is the only way out."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        region: str,
        endpoint: str,
        protocol: str = "https",
        guard: LiveGuard,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
    ) -> None:
        from aliyunsdkcore.client import AcsClient

        self.region = region
        self.endpoint = endpoint
        self.protocol = protocol
        self.guard = guard
        self.scrub = credentials.scrubber()
        self.calls: list[LiveCall] = []
        # The SDKs ignore NO_PROXY: a loopback endpoint (tests, a tunnel) must bypass a proxy.
        proxy = {"http": "", "https": ""} if is_loopback_endpoint(endpoint) else None
        token = credentials.security_token
        if token:
            from aliyunsdkcore.auth.credentials import StsTokenCredential

            self._acs = AcsClient(
                region_id=region,
                credential=StsTokenCredential(
                    credentials.access_key_id, credentials.reveal_secret(), token
                ),
                connect_timeout=connect_timeout,
                timeout=read_timeout,
                proxy=proxy,
            )
        else:
            self._acs = AcsClient(
                credentials.access_key_id,
                credentials.reveal_secret(),
                region,
                connect_timeout=connect_timeout,
                timeout=read_timeout,
                proxy=proxy,
            )
        self._lock = threading.Lock()
        self._local = threading.local()

    def sending(self) -> bool:
        """Whether this thread is inside :meth:`call` now: the request the interception sees
        was checked (and a create journaled) here already (see ``live/relay.py``)."""
        return bool(getattr(self._local, "sending", False))

    def call(self, action: str, params: Mapping[str, object]) -> dict[str, Any]:
        """Send one call once the guard allowed it; returns the body.

        Values are sent as the API's text (:func:`~pytest_ecs_events.api.params.param_text`).
        Raises :class:`LiveGuardError` (refused, nothing sent), :class:`LiveApiError` (the API
        answered an error) or :class:`LiveConnectionError` (no answer).
        """
        __tracebackhide__ = True  # a failing test shows its own line, not these internals
        flat = {str(k): param_text(v) for k, v in params.items()}
        try:
            self.guard.check(action, flat)  # refuses before anything is sent
        except LiveGuardError as exc:
            raise LiveGuardError(self.scrub(str(exc))) from None
        from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
        from aliyunsdkcore.request import CommonRequest

        request = CommonRequest(
            domain=self.endpoint, version=API_VERSION, action_name=action, product="Ecs"
        )
        request.set_method("POST")
        request.set_protocol_type(self.protocol)
        request.set_accept_format("JSON")
        for key, value in flat.items():
            request.add_query_param(key, value)
        error: Exception | None = None
        status: int | None = 200
        code: str | None = None
        self._local.sending = True
        try:
            raw = self._acs.do_action_with_exception(request)
        except ServerException as exc:
            status, code = int(exc.get_http_status() or 0), str(exc.get_error_code())
            error = LiveApiError(
                code, self.scrub(str(exc.get_error_msg())), status, exc.get_request_id()
            )
        except ClientException as exc:
            status, code = None, str(exc.get_error_code())
            error = LiveConnectionError(
                self.scrub(
                    f"{action} to {self.protocol}://{self.endpoint} got no answer: "
                    f"{exc.get_error_code()}: {exc.get_error_msg()}"
                )
            )
        finally:
            self._local.sending = False
            with self._lock:
                self.calls.append(LiveCall(action, flat, status, code, wall_clock_now()))
        if error is not None:
            raise error
        try:
            body = json.loads(raw)
        except ValueError:
            raise LiveConnectionError(
                f"{action} to {self.endpoint} answered something that is not JSON"
            ) from None
        if not isinstance(body, dict):
            raise LiveConnectionError(f"{action} to {self.endpoint} answered a non-object")
        return body

    def __repr__(self) -> str:
        return f"<LiveClient {self.protocol}://{self.endpoint} region={self.region}>"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a LiveClient holds credentials and cannot be pickled")
