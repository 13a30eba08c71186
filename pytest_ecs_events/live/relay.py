"""The live guard for every SDK call of the process, not only the handle's.

In live mode the plugin starts the offline interception (:mod:`pytest_ecs_events.transports
.intercept`) with a :class:`LiveRelay` instead of a simulator: every request an SDK sends to
an ECS endpoint (the legacy SDK, the new SDK sync and async, the 2019 v2 SDK: every stack the
interception answers offline) is shown to :meth:`LiveRelay.admit` before it is sent.

- The handle's own calls (``LiveClient.call``, same thread) were checked, and their creates
  journaled, already: they go on as they are.
- Any other call (the handler's) is checked by :meth:`LiveGuard.check_intercepted`, the
  handle's rules. A refusal is answered in the API's error format (HTTP 403, code
  :data:`GUARD_CODE`) and nothing is sent.
- A ``CreateSimulatedSystemEvents`` it lets through is journaled before it is sent, and its
  events (the answer's ``EventIdSet``) are owned and handed to the open handles, so the
  test's teardown, the end of the session and the journal's clean-up cancel them.

What goes out is the request as the SDK made it (signature, headers, body), through the
adapter's real ``send`` (aiohttp: the original ``_request``), and the caller gets the real
response as it came.
"""

from __future__ import annotations

from ..api.dispatch import error_body
from ..api.messages import ApiRequest, ApiResponse
from ..api.protocol import JSON_CONTENT_TYPE
from ..api.speedups.request_ids import new_request_id
from ..api.xml_output import XML_CONTENT_TYPE, wants_xml, xml_answer
from ..core.errors import EcsApiError
from ..transports.intercept import Interceptor, Relayed
from .errors import LiveGuardError
from .session import LiveSession

__all__ = ["GUARD_CODE", "GUARD_STATUS", "LiveRelay", "start_relay"]

#: The error code (and HTTP status) of a call the live guard refused: a code the real API
#: never answers, so a handler's log says plainly who refused it.
GUARD_CODE = "PytestEcsEvents.LiveGuard"
GUARD_STATUS = 403


class LiveRelay:
    """Checks, journals and lets through the SDK calls of the process (see the module)."""

    def __init__(self, session: LiveSession) -> None:
        self.session = session
        #: The calls refused, as ``(action, message)``, for the run's records.
        self.refused: list[tuple[str, str]] = []

    def admit(self, request: ApiRequest) -> ApiResponse | Relayed | None:
        session = self.session
        sending = getattr(session.client, "sending", None)
        if sending is not None and sending():
            return None  # LiveClient.call checked it (and LiveSession.create journals it)
        action = request.action or ""
        params = dict(request.params)
        try:
            session.guard.check_intercepted(action, params)
        except LiveGuardError as exc:
            message = session.scrub(
                f"pytest-ecs-events live guard (--ecs-live) refused this call; nothing was "
                f"sent: {exc}"
            )
            self.refused.append((action, message))
            return refusal(request, message)
        if action == "CreateSimulatedSystemEvents":
            return session.intercepted_create(params)
        return None


def refusal(request: ApiRequest, message: str) -> ApiResponse:
    """The guard's refusal in the API's error format (XML for a ``Format=XML`` request)."""
    request_id = new_request_id()
    body = error_body(EcsApiError(GUARD_CODE, message, GUARD_STATUS), request_id, request.host)
    answer_format = request.params.get("Format")
    if answer_format is not None and answer_format != "JSON" and wants_xml(answer_format):
        data = xml_answer(request.action or "", body, error=True)
        headers = {"Content-Type": XML_CONTENT_TYPE, "x-acs-request-id": request_id}
        return ApiResponse(GUARD_STATUS, body, headers, data)
    headers = {"Content-Type": JSON_CONTENT_TYPE, "x-acs-request-id": request_id}
    return ApiResponse(GUARD_STATUS, body, headers)


def start_relay(session: LiveSession) -> Interceptor:
    """Start the interception of every SDK call of the process, through the live guard."""

    def unanswered(request: ApiRequest, **_: object) -> ApiResponse:
        # A relaying interceptor never answers in-process; kept for the contract.
        return refusal(request, "live mode answers nothing in-process")

    interceptor = Interceptor(unanswered, relay=LiveRelay(session))
    interceptor.start()
    return interceptor
