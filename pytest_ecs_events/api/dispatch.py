"""One dispatcher from (action, params) to a JSON body or an error in the API's own format.

It serves every RPC product (``api/products.py``: ECS, CloudMonitor) over one simulation:
they share the parameter parsing, the signatures, the error bodies, the faults, the call
record and the request ids; a product brings its version and its registry of actions
(``api/registry.py``). Which product a request is for: the one its transport named
(``ApiRequest.product``, from the endpoint host), else the one of its ``Version``, else ECS
(or the only product that has the action, for in-process calls that name none).

A request with ``Format=XML`` gets the same body in the API's XML form (:mod:`.xml_output`).

Every transport (the ``responses`` interception, the loopback server, direct calls) goes
through :meth:`EcsApi.handle`. It never raises: an unknown action, a bad parameter, an
injected fault or a bug of ours all become an error body with RequestId, HostId, Code,
Message and Recommend, and the right HTTP status. Bugs are also kept in
:attr:`EcsApi.internal_errors` so the test that hit one fails loudly.

The one exception is an injected *transport* fault (see :mod:`.faults`): then :meth:`handle`
records the try and raises :class:`~.faults.TransportFault`, and the transport acts it out.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import replace
from time import sleep as _sleep  # bound now: a test that patches time.sleep keeps latency
from typing import Any

from ..core.errors import EcsApiError
from ..core.lazy import moved_exports
from ..core.simulation import Simulation
from . import actions  # noqa: F401  (registers the handlers in ACTIONS)
from .calls import ApiCall
from .faults import TRANSPORT_FAULTS, Fault, TransportFault, make_fault, take_fault
from .messages import ApiRequest, ApiResponse
from .params import Params, missing_message
from .products import ECS, PRODUCTS, Product
from .protocol import JSON_CONTENT_TYPE, PROTOCOL_PARAMS
from .registry import ACTIONS, REGISTRIES, ActionContext, ActionSpec, actions_of, not_found_hint
from .speedups.answer_cache import AnswerCache
from .speedups.render_cache import RenderCache
from .speedups.request_ids import new_request_id
from .xml_output import XML_CONTENT_TYPE, wants_xml, xml_answer

__all__ = ["ACTIONS", "ActionContext", "EcsApi", "RpcApi", "error_body"]


class RpcApi:
    """The RPC products' OpenAPIs (ECS, and every product in ``products``) over one
    :class:`Simulation`. The first product is the default."""

    def __init__(self, sim: Simulation, products: tuple[Product, ...] | None = None) -> None:
        chosen = products if products is not None else tuple(PRODUCTS.values())
        if not chosen:
            raise ValueError("RpcApi needs at least one product")
        self.products = chosen
        self._default = chosen[0]
        self._by_key = {p.key: p for p in chosen}
        self._by_version = {p.version: p for p in chosen}
        self._sim = sim
        self.calls: list[ApiCall] = []
        self.internal_errors: list[BaseException] = []
        self.faults: list[Fault] = []
        self.call_observers: list[Callable[[ApiCall], None]] = []
        self.authenticator: Callable[[ApiRequest], None] | None = None
        #: Seconds each call waits (real time) before it is served; see ``handle``.
        self.latency = 0.0
        self._lock = threading.Lock()

    # Made by the first call that needs them: an account whose test makes no API call makes
    # neither (the sim setter replaces both).
    @functools.cached_property
    def _answers(self) -> AnswerCache:
        """Read-only questions, each parsed once, and their last answers (speedups/)."""
        return AnswerCache()

    @functools.cached_property
    def _renderings(self) -> RenderCache:
        """Each record's rendering, kept until it changes (speedups/)."""
        return RenderCache()

    @property
    def sim(self) -> Simulation:
        return self._sim

    @sim.setter
    def sim(self, sim: Simulation) -> None:
        """Serve another simulation (its catalog and configuration may differ)."""
        with self._lock:
            self._sim = sim
            self._answers = AnswerCache()
            self._renderings = RenderCache()

    # -- faults -----------------------------------------------------------------------------
    def fail_next(
        self, action: str, *, code: str = "Throttling", status: int = 400,
        message: str | None = None, times: int = 1, fault: str | None = None,
        required: bool = True,
    ) -> None:  # fmt: skip
        """Queue a fault for the next ``times`` calls of ``action`` (see :mod:`.faults`)."""
        queued = make_fault(
            action, code=code, status=status, message=message, times=times, fault=fault,
            required=required,
        )  # fmt: skip
        with self._lock:
            self.faults.append(queued)

    def unused_faults(self) -> list[Fault]:
        """Copies of the queued faults not (fully) used yet that were ``required``: the
        ``ecs_sim`` fixture fails the test with them (see :func:`.faults.describe_fault`)."""
        with self._lock:
            return [replace(f) for f in self.faults if f.required]

    def _take_fault(self, action: str, *, transport: bool = False) -> Fault | None:
        """Consume the first fault queued for ``action``, if it is of the kind asked for."""
        with self._lock:
            return take_fault(self.faults, action, transport=transport)

    # -- dispatch ----------------------------------------------------------------------------
    def handle(self, request: ApiRequest, *, timeout: float | None = None) -> ApiResponse:
        """Answer one request; ``timeout`` is the client's read timeout, if the transport knows
        it (a ``latency`` at least that long becomes a timeout)."""
        request_id = new_request_id()
        action_name = request.action or ""
        version = request.params.get("Version") or request.headers.get("x-acs-version")
        product = self._product(request, action_name, version)
        transport = self._transport_fault(request, request_id, timeout) if (
            self.faults or self.latency
        ) else None  # fmt: skip
        business: dict[str, str] = {}
        data = None
        try:
            business = {k: v for k, v in request.params.items() if k not in PROTOCOL_PARAMS}
            body, known = self._serve(
                action_name, request, business, product, version, api_faults=transport is None
            )
            status, code = 200, None
            response_body: dict[str, Any] = {"RequestId": request_id, **body}
            if known is not None:  # the body's JSON after its brace: put the RequestId first
                data = b'{"RequestId":"%s"%s' % (request_id.encode(), known)
        except EcsApiError as exc:
            status, code = exc.status, exc.code
            response_body = error_body(exc, request_id, request.host, product)
        except Exception as exc:  # a bug of ours: answer like the service, and keep it
            self.internal_errors.append(exc)
            error = EcsApiError(
                "InternalError",
                "The request processing has failed due to some unknown error, exception or "
                f"failure. (simulator bug: {type(exc).__name__}: {exc})",
                500,
            )
            status, code = 500, error.code
            response_body = error_body(error, request_id, request.host, product)
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
        answer_format = request.params.get("Format")
        if answer_format is not None and answer_format != "JSON" and wants_xml(answer_format):
            data = xml_answer(action_name, response_body, error=code is not None)
            headers = {"Content-Type": XML_CONTENT_TYPE, "x-acs-request-id": request_id}
            return ApiResponse(status, response_body, headers, data)
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

    def _product(self, request: ApiRequest, action_name: str, version: str | None) -> Product:
        """The product a request is for (see the module docstring); never raises."""
        key = request.product
        if key:
            named = self._by_key.get(key)
            if named is not None:
                return named
        if version:
            return self._by_version.get(version, self._default)
        default = self._default
        if action_name in actions_of(default.key):
            return default
        for product in self.products:
            if action_name in REGISTRIES.get(product.key, ()):
                return product
        return default

    def _serve(
        self,
        action_name: str,
        request: ApiRequest,
        business: dict[str, str],
        product: Product = ECS,
        version: str | None = None,
        *,
        api_faults: bool = True,
    ) -> tuple[dict[str, Any], bytes | None]:
        """The body, and its ``json_tail`` when already known (a read-only answer)."""
        if not action_name:
            raise EcsApiError("MissingParameter", missing_message("Action"), 400)
        served = actions_of(product.key)
        spec = served.get(action_name)
        if spec is None:
            hint = not_found_hint(action_name[:100], product.key)
            raise EcsApiError(
                "InvalidAction.NotFound",
                f"Specified api is not found, please check your url and method. The action "
                f"{action_name[:100]!r} is not implemented by the pytest-ecs-events simulator "
                f"for {product.title}.{hint} (It implements: {', '.join(sorted(served))}.)",
                404,
            )
        if version and version != product.version:
            raise EcsApiError(
                "InvalidVersion",
                f"Specified parameter Version is not valid: {version[:40]!r}; "
                f"{product.title} is {product.version}.",
                400,
            )
        if self.authenticator is not None:
            self.authenticator(request)
        fault = self._take_fault(action_name) if api_faults and self.faults else None
        if fault is not None:
            raise EcsApiError(fault.code, fault.message, fault.status)
        if spec.prepare is not None:
            return self._answer(spec, request, business)
        context = self._context(spec, request)
        with self.sim.lock:
            return spec.handler(context), None

    def _context(self, spec: ActionSpec, request: ApiRequest) -> ActionContext:
        params = Params(request.params, spec.statuses)
        return ActionContext(params, self._sim, request, self._renderings)

    def _answer(
        self, spec: ActionSpec, request: ApiRequest, business: dict[str, str]
    ) -> tuple[dict[str, Any], bytes]:
        """A read-only action's answer: the question parsed once, the answer computed again
        only once the simulation has changed (see :mod:`.speedups.answer_cache`)."""
        assert spec.prepare is not None
        answers = self._answers
        key = (spec.name, frozenset(business.items()))
        prepared = answers.get(key)
        if prepared is None:
            prepared = answers.keep(key, spec.prepare(self._context(spec, request)))
        return prepared.answer(self._sim)


#: The ECS OpenAPI dispatcher: the name every transport and handle knows it by. It serves
#: every product of ``api/products.py``; ECS is the default.
EcsApi = RpcApi


def error_body(
    error: EcsApiError, request_id: str, host: str, product: Product = ECS
) -> dict[str, Any]:
    """The service's error body: RequestId, HostId, Code, Message, Recommend, and the
    product's own fields (CloudMonitor's ``Success: false``)."""
    body: dict[str, Any] = {
        "RequestId": request_id,
        "HostId": host,
        "Code": error.code,
        "Message": error.message,
        "Recommend": (
            f"https://api.aliyun.com/troubleshoot?q={error.code}&product={product.code}"
            f"&requestId={request_id}"
        ),
    }
    if product.error_fields:
        body.update(product.error_fields)
    return body


# Names that lived here before the API layer was split (deprecated, removed in 0.3).
__getattr__, __dir__ = moved_exports(__name__, globals(), {
    "LastPage": "pytest_ecs_events.api.speedups.answer_cache",
    "Query": "pytest_ecs_events.api.speedups.answer_cache",
    "Handler": "pytest_ecs_events.api.registry",
    "Preparer": "pytest_ecs_events.api.registry",
    "action": "pytest_ecs_events.api.registry",
    "query_action": "pytest_ecs_events.api.registry",
})  # fmt: skip
