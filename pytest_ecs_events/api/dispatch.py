"""One dispatcher from (action, params) to a JSON body or an error in the API's own format.

Every transport (the ``responses`` interception, the loopback server, direct calls) goes
through :meth:`EcsApi.handle`. It never raises: an unknown action, a bad parameter, an
injected fault or a bug of ours all become an error body with RequestId, HostId, Code,
Message and Recommend, and the right HTTP status. Bugs are also kept in
:attr:`EcsApi.internal_errors` so the test that hit one fails loudly.

The one exception is an injected *transport* fault (``fail_next(action, fault="timeout")``
or ``"reset"``, or a latency longer than the client's read timeout): then :meth:`handle`
records the try and raises :class:`TransportFault`, and the transport acts it out (the
interception raises the exception requests would, the server closes the connection
without an answer).
"""

from __future__ import annotations

import itertools
import operator
import os
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from time import sleep as _sleep  # bound now: a test that patches time.sleep keeps latency
from typing import Any

from ..core.errors import EcsApiError
from ..core.simulation import Simulation
from .params import Params, missing_message
from .protocol import API_VERSION, PROTOCOL_PARAMS
from .wire import JSON_CONTENT_TYPE, ApiRequest, ApiResponse, json_tail

#: How many distinct read-only questions (action and parameters) are kept before the cache
#: starts afresh.
_MAX_QUERIES = 256


class _Prepared:
    """A read-only question, parsed once: its query, and its last answer (as a body and as
    :func:`~.wire.json_tail` bytes) with that answer's stamp (the simulation's
    ``(mutations, now)`` when it was computed)."""

    __slots__ = ("body", "query", "stamp", "tail")

    def __init__(self, query: Query) -> None:
        self.query = query
        self.stamp: tuple[int, datetime] | None = None
        self.body: dict[str, Any] = {}
        self.tail = b"}"


@dataclass(frozen=True, init=False)
class ApiCall:
    """One call the simulator answered, in the order they came."""

    action: str
    params: Mapping[str, str]
    status: int
    error_code: str | None
    time: datetime
    request_id: str
    host: str = ""
    #: ``"timeout"`` or ``"reset"`` when the client got no answer (an injected transport
    #: fault); then ``status`` is 0 and ``error_code`` is ``Transport.Timeout`` or
    #: ``Transport.ConnectionReset``.
    fault: str | None = None

    def __init__(
        self,
        action: str,
        params: Mapping[str, str],
        status: int,
        error_code: str | None,
        time: datetime,
        request_id: str,
        host: str = "",
        fault: str | None = None,
    ) -> None:
        # One per call: a single update instead of one object.__setattr__ per field.
        self.__dict__.update(
            action=action, params=params, status=status, error_code=error_code, time=time,
            request_id=request_id, host=host, fault=fault,
        )  # fmt: skip

    @property
    def ok(self) -> bool:
        return self.error_code is None


@dataclass
class ActionContext:
    """What an action handler gets: its parameters, the simulation, the request."""

    params: Params
    sim: Simulation
    request: ApiRequest

    def region(self, *, required: bool = True) -> str:
        """RegionId, required where the API requires it (the legacy SDK always sends it)."""
        value = self.params.text("RegionId", required=required)
        return value or self.sim.config.region


Handler = Callable[[ActionContext], dict[str, Any]]
#: A read-only action's parsed question: computes the body from the simulation (called
#: under the simulation's lock). Returning the previous body object again says it is
#: unchanged, and its JSON is reused (see :class:`LastPage`).
Query = Callable[[Simulation], dict[str, Any]]
#: Parses a read-only action's parameters into its :data:`Query`. It reads nothing that can
#: change (only the parameters, the catalog and the configuration), so the query is kept
#: and reused for every call with the same parameters.
Preparer = Callable[[ActionContext], Query]


class LastPage:
    """A query's last body, and the total and renderings it was built from.

    A poll whose state moved elsewhere (the clock, another instance) mostly finds the same
    page. The query then returns the very same body object, and the dispatcher keeps its
    JSON, instead of building both again. Renderings are compared by identity: an event's
    rendering is a new object whenever the event changed (see ``render._cached``).
    """

    __slots__ = ("_items", "_total", "body")

    def __init__(self) -> None:
        self._total = -1
        self._items: list[object] = []
        self.body: dict[str, Any] = {}

    def get(self, total: int, items: list[Any]) -> dict[str, Any] | None:
        """The last body if it was built from this total and these very renderings."""
        last = self._items
        if total == self._total and len(items) == len(last) and all(map(operator.is_, items, last)):
            return self.body
        return None

    def keep(self, total: int, items: list[Any], body: dict[str, Any]) -> dict[str, Any]:
        self._total, self._items, self.body = total, items, body
        return body


@dataclass(frozen=True)
class ActionSpec:
    name: str
    handler: Handler
    #: HTTP status of the generic codes for this action, where it differs from 400.
    statuses: Mapping[str, int] = field(default_factory=dict)
    #: Set for read-only actions (registered with :func:`query_action`). The dispatcher runs
    #: ``prepare`` for them; their ``handler`` is ``prepare(ctx)(ctx.sim)``, for direct use
    #: only, so replace both to change such an action.
    prepare: Preparer | None = None

    @property
    def read_only(self) -> bool:
        """Read-only actions change nothing: their answers may be reused while state holds."""
        return self.prepare is not None


ACTIONS: dict[str, ActionSpec] = {}


def _statuses(statuses: Mapping[str, int]) -> dict[str, int]:
    return {k.replace("_", "."): v for k, v in statuses.items()}


def action(name: str, **statuses: int) -> Callable[[Handler], Handler]:
    """Register a handler for an action; ``statuses`` maps codes (``MissingParameter=404``)."""

    def register(handler: Handler) -> Handler:
        ACTIONS[name] = ActionSpec(name, handler, _statuses(statuses))
        return handler

    return register


def query_action(name: str, **statuses: int) -> Callable[[Preparer], Preparer]:
    """Register a read-only action as a :data:`Preparer`: parse the parameters, return the
    query. Pollers ask the same question again and again; only the query runs each time."""

    def register(prepare: Preparer) -> Preparer:
        def handler(ctx: ActionContext) -> dict[str, Any]:
            return prepare(ctx)(ctx.sim)

        ACTIONS[name] = ActionSpec(name, handler, _statuses(statuses), prepare)
        return prepare

    return register


@dataclass
class Fault:
    """An error to answer instead of serving the next ``times`` calls of an action."""

    action: str
    code: str
    status: int
    message: str
    times: int
    #: ``"timeout"`` or ``"reset"``: a transport fault instead of an API error.
    transport: str | None = None


#: Transport faults, and the ``ApiCall.error_code`` a try that met one is recorded with.
TRANSPORT_FAULTS = {"timeout": "Transport.Timeout", "reset": "Transport.ConnectionReset"}


class TransportFault(Exception):
    """The client gets no answer: raised by :meth:`EcsApi.handle` for a transport fault.

    ``kind`` is ``"timeout"`` (the request was served, but the answer never came back in
    time, as with a real read timeout, where the client cannot know whether it was done) or
    ``"reset"`` (the connection was reset before the request reached the API: nothing was
    done). ``call`` is the recorded try; ``timeout`` the client's read timeout, if known.
    """

    def __init__(
        self, kind: str, call: ApiCall, timeout: float | None = None, cause: str = ""
    ) -> None:
        what = "read timed out" if kind == "timeout" else "connection reset by peer"
        cause = cause or f"fail_next({call.action!r}, fault={kind!r})"
        super().__init__(f"{call.action}: {what} (simulated by pytest-ecs-events: {cause})")
        self.kind = kind
        self.call = call
        self.timeout = timeout


def _seed_request_ids() -> None:
    """A random prefix per process, and a counter below it (see :func:`new_request_id`)."""
    global _ID_PREFIX, _ID_COUNTER
    seed = random.SystemRandom()  # not the global state, which a test may seed
    bits = seed.getrandbits(80)
    _ID_PREFIX = (
        f"{bits >> 48:08X}-{bits >> 32 & 0xFFFF:04X}-4{bits >> 20 & 0xFFF:03X}-"
        f"{0x8 | bits >> 18 & 0x3:X}{bits >> 6 & 0xFFF:03X}-"
    )
    _ID_COUNTER = itertools.count(seed.getrandbits(39))
    _ID_POOL.clear()


_ID_PREFIX = ""
_ID_COUNTER = itertools.count()
#: Ids made ahead, a batch at a time, handed out from the end.
_ID_POOL: list[str] = []
_seed_request_ids()
if hasattr(os, "register_at_fork"):  # a forked child must not repeat its parent's ids
    os.register_at_fork(after_in_child=_seed_request_ids)


def new_request_id() -> str:
    """A RequestId in the real form, an uppercase version-4 UUID, unique in this process.

    Made in batches from the prefix and the counter: formatting one id per call, let alone
    the UUID machinery, costs more on a call's hot path than handing out a ready one.
    """
    try:
        return _ID_POOL.pop()
    except IndexError:
        start = next(_ID_COUNTER) * 256
        _ID_POOL.extend(
            f"{_ID_PREFIX}{n & 0xFFFFFFFFFFFF:012X}" for n in range(start + 255, start - 1, -1)
        )
        return _ID_POOL.pop()


class EcsApi:
    """The ECS OpenAPI over one :class:`Simulation`."""

    def __init__(self, sim: Simulation) -> None:
        from . import actions  # noqa: F401  (registers the handlers)

        self._sim = sim
        self.calls: list[ApiCall] = []
        self.internal_errors: list[BaseException] = []
        self.faults: list[Fault] = []
        self.call_observers: list[Callable[[ApiCall], None]] = []
        self.authenticator: Callable[[ApiRequest], None] | None = None
        #: Seconds each call waits (real time) before it is served; see ``handle``.
        self.latency = 0.0
        #: Read-only questions by (action, parameters): each parsed once, and its last answer
        #: reused while the simulation's (mutations, now) stamp holds.
        self._prepared: dict[tuple[str, frozenset[tuple[str, str]]], _Prepared] = {}
        self._lock = threading.Lock()

    @property
    def sim(self) -> Simulation:
        return self._sim

    @sim.setter
    def sim(self, sim: Simulation) -> None:
        """Serve another simulation (its catalog and configuration may differ)."""
        with self._lock:
            self._sim = sim
            self._prepared = {}

    # -- faults -----------------------------------------------------------------------------
    def fail_next(
        self, action: str, *, code: str = "Throttling", status: int = 400,
        message: str | None = None, times: int = 1, fault: str | None = None,
    ) -> None:  # fmt: skip
        if not isinstance(times, int) or times < 1:
            raise ValueError(f"fail_next(times=...) must be a positive integer, got {times!r}")
        if fault is not None:
            if fault not in TRANSPORT_FAULTS:
                raise ValueError(
                    f"fail_next(fault=...) must be one of {', '.join(map(repr, TRANSPORT_FAULTS))}"
                    f", got {fault!r}"
                )
            if code != "Throttling" or status != 400 or message is not None:
                raise ValueError(
                    "fail_next(fault=...) injects a transport fault (no answer at all): it "
                    "takes no code, status or message; inject API errors with a separate call"
                )
            with self._lock:
                self.faults.append(Fault(action, TRANSPORT_FAULTS[fault], 0, "", times, fault))
            return
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"fail_next(status=...) must be an HTTP error status, got {status!r}")
        text = message or _default_fault_message(code)
        with self._lock:
            self.faults.append(Fault(action, code, status, text, times))

    def _take_fault(self, action: str, *, transport: bool = False) -> Fault | None:
        """Consume the first fault queued for ``action``, if it is of the kind asked for."""
        with self._lock:
            for fault in self.faults:
                if fault.action in (action, "*"):
                    if (fault.transport is not None) != transport:
                        return None  # its turn comes at the other check, in queue order
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # -- dispatch ----------------------------------------------------------------------------
    def handle(self, request: ApiRequest, *, timeout: float | None = None) -> ApiResponse:
        """Answer one request; ``timeout`` is the client's read timeout, if the transport knows
        it (a ``latency`` at least that long becomes a timeout)."""
        request_id = new_request_id()
        action_name = request.action or ""
        transport = self._transport_fault(request, request_id, timeout) if (
            self.faults or self.latency
        ) else None  # fmt: skip
        business: dict[str, str] = {}
        data = None
        try:
            business = {k: v for k, v in request.params.items() if k not in PROTOCOL_PARAMS}
            body, known = self._serve(action_name, request, business, api_faults=transport is None)
            status, code = 200, None
            response_body: dict[str, Any] = {"RequestId": request_id, **body}
            if known is not None:  # the body's JSON after its brace: put the RequestId first
                data = b'{"RequestId":"%s"%s' % (request_id.encode(), known)
        except EcsApiError as exc:
            status, code = exc.status, exc.code
            response_body = error_body(exc, request_id, request.host)
        except Exception as exc:  # a bug of ours: answer like the service, and keep it
            self.internal_errors.append(exc)
            error = EcsApiError(
                "InternalError",
                "The request processing has failed due to some unknown error, exception or "
                f"failure. (simulator bug: {type(exc).__name__}: {exc})",
                500,
            )
            status, code = 500, error.code
            response_body = error_body(error, request_id, request.host)
        call = ApiCall(
            action_name or "(none)",
            business,
            status if transport is None else 0,
            code if transport is None else TRANSPORT_FAULTS["timeout"],
            self._sim.clock.now,
            request_id,
            request.host,
            None if transport is None else "timeout",
        )
        self._record(call)
        if transport is not None:
            cause = "" if transport != "latency" else (
                f"latency {self.latency:g}s >= read timeout {timeout:g}s"
            )  # fmt: skip
            raise TransportFault("timeout", call, timeout, cause)
        headers = {"Content-Type": JSON_CONTENT_TYPE, "x-acs-request-id": request_id}
        return ApiResponse(status, response_body, headers, data)

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)  # atomic: no lock needed
        if not self.call_observers:
            return
        for observer in list(self.call_observers):
            try:
                observer(call)
            except Exception as exc:  # an observer's bug must not reach the SDK as a traceback
                self.internal_errors.append(exc)

    def _transport_fault(
        self, request: ApiRequest, request_id: str, timeout: float | None
    ) -> str | None:
        """Wait out the latency; a reset raises at once, a timeout is returned (served first)."""
        action_name = request.action or ""
        fault = self._take_fault(action_name, transport=True) if self.faults else None
        kind = fault.transport if fault is not None else None
        if kind == "reset":
            call = ApiCall(
                action=action_name or "(none)",
                params={k: v for k, v in request.params.items() if k not in PROTOCOL_PARAMS},
                status=0,
                error_code=TRANSPORT_FAULTS["reset"],
                time=self.sim.now,
                request_id=request_id,
                host=request.host,
                fault="reset",
            )
            self._record(call)
            raise TransportFault("reset", call, timeout)
        latency = self.latency
        if latency > 0:
            if timeout is not None and latency >= timeout:
                _sleep(timeout)
                return kind or "latency"  # the client gives up; the server still serves
            _sleep(latency)
        return kind

    def _serve(
        self,
        action_name: str,
        request: ApiRequest,
        business: dict[str, str],
        *,
        api_faults: bool = True,
    ) -> tuple[dict[str, Any], bytes | None]:
        """The body, and its :func:`~.wire.json_tail` when already known (a read-only answer)."""
        if not action_name:
            raise EcsApiError("MissingParameter", missing_message("Action"), 400)
        spec = ACTIONS.get(action_name)
        if spec is None:
            raise EcsApiError(
                "InvalidAction.NotFound",
                f"Specified api is not found, please check your url and method. The action "
                f"{action_name[:100]!r} is not implemented by the pytest-ecs-events simulator "
                f"(it implements: {', '.join(sorted(ACTIONS))}).",
                404,
            )
        version = request.params.get("Version") or request.headers.get("x-acs-version")
        if version and version != API_VERSION:
            raise EcsApiError(
                "InvalidVersion",
                f"Specified parameter Version is not valid: {version[:40]!r}; ECS is "
                f"{API_VERSION}.",
                400,
            )
        if self.authenticator is not None:
            self.authenticator(request)
        fault = self._take_fault(action_name) if api_faults and self.faults else None
        if fault is not None:
            raise EcsApiError(fault.code, fault.message, fault.status)
        if spec.prepare is not None:
            return self._answer(spec, request, business)
        context = ActionContext(Params(request.params, spec.statuses), self.sim, request)
        with self.sim.lock:
            return spec.handler(context), None

    def _answer(
        self, spec: ActionSpec, request: ApiRequest, business: dict[str, str]
    ) -> tuple[dict[str, Any], bytes]:
        """A read-only action's answer: the question parsed once, the answer computed again
        only once the simulation has changed."""
        assert spec.prepare is not None
        sim = self._sim
        key = (spec.name, frozenset(business.items()))
        prepared = self._prepared.get(key)
        if prepared is None:
            query = spec.prepare(ActionContext(Params(request.params, spec.statuses), sim, request))
            prepared = _Prepared(query)
            with self._lock:
                if len(self._prepared) >= _MAX_QUERIES:
                    self._prepared = {}
                self._prepared[key] = prepared
        with sim.lock:
            stamp = (sim.mutations, sim.clock.now)
            if prepared.stamp != stamp:
                body = prepared.query(sim)
                if body is not prepared.body:  # the same object: unchanged (see LastPage)
                    prepared.body, prepared.tail = body, json_tail(body)
                prepared.stamp = stamp
            return prepared.body, prepared.tail


def error_body(error: EcsApiError, request_id: str, host: str) -> dict[str, Any]:
    """The service's error body: RequestId, HostId, Code, Message, Recommend."""
    return {
        "RequestId": request_id,
        "HostId": host,
        "Code": error.code,
        "Message": error.message,
        "Recommend": (
            f"https://api.aliyun.com/troubleshoot?q={error.code}&product=Ecs&requestId={request_id}"
        ),
    }


_FAULT_MESSAGES = {
    "Throttling": "Request was denied due to request throttling.",
    "ServiceUnavailable": "The request has failed due to a temporary failure of the server.",
    "InternalError": "The request processing has failed due to some unknown error, exception "
    "or failure.",
}


def _default_fault_message(code: str) -> str:
    return _FAULT_MESSAGES.get(code, f"The request failed with {code} (injected by fail_next).")
