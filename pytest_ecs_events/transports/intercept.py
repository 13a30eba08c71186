"""Answer both official SDKs in-process for every simulated RPC product's endpoint host
(ECS, CloudMonitor, SLB), each request tagged with its product.

Each SDK sends through its own adapter class, and we patch exactly those classes' ``send``,
beside a ``responses`` mock per class (made when first needed): a simulated host's request is
answered here, the SDK's own ``Response`` built directly (see :func:`_answer_here`); every
other request goes to the mock, which passes it through to whatever was there before us (a
request through an adapter that retries on a status goes to the mock too, which acts the
retries out). The classes:

- the legacy ``aliyunsdkcore`` through its vendored copy of requests;
- the new SDK (``darabonba``, or ``Tea`` in older releases) through its ``_TLSAdapter``, a
  subclass of requests' ``HTTPAdapter``: patching the subclass, not ``HTTPAdapter`` itself,
  means a test's own ``@responses.activate`` cannot shadow us, nor we it;
- for https without certificate checks the new SDK mounts a plain ``HTTPAdapter``: while
  we are active, ``darabonba`` gets our own subclass of it instead, mocked the same way;
- plain ``requests.adapters.HTTPAdapter`` too (older SDK releases), passing every other
  host to whatever was there before;
- the 2019 ``alibaba-cloud-python-sdk-v2`` through its own vendored copy of requests
  (``alibabacloud.vendored.requests``), like the legacy SDK;
- aiohttp (the new SDK's ``*_async`` methods) with ``aioresponses``: :mod:`.aiohttp_intercept`;
- anything else that would open a socket to a simulated endpoint (``http.client``,
  ``urllib``, a bare ``urllib3``) is refused before it resolves the name: :mod:`.guard`.

Which hosts are intercepted is decided in :mod:`.endpoints`; every stack's request is
answered by :meth:`Interceptor.answer`. Calls to any other host pass through untouched.

An interceptor with a ``relay`` (live mode, :mod:`pytest_ecs_events.live.relay`) answers
nothing itself: each request is shown to :meth:`Relay.admit`, which refuses it (an answer,
nothing sent) or lets it go, unchanged, to the real endpoint through the adapter's real
``send`` (aiohttp: the original ``_request``); the real response goes back to the caller
as it came.
Nothing is imported until :meth:`start`, so importing the plugin never imports an SDK.
"""

from __future__ import annotations

import functools
import http.client
import importlib
import importlib.util
import io
import re
import sys
import threading
import types
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..api.faults import TransportFault
from ..api.messages import ApiRequest, ApiResponse
from ..api.protocol import JSON_CONTENT_TYPE
from ..api.speedups.fast_parse import parse_query, split_url
from ..core.lazy import lazy_exports
from . import aiohttp_intercept, endpoints, guard
from .endpoints import is_simulated_url, product_for_host
from .relay import Relay, Relayed
from .speedups import lower_case_headers

__all__ = ["ECS_HOST", "ECS_URL", "Interceptor", "Relay", "Relayed", "request_from_prepared"]

# Re-exported from :mod:`.endpoints`, which compiles its patterns on first use.
ECS_HOST: re.Pattern[str]
ECS_URL: re.Pattern[str]
__getattr__, __dir__ = lazy_exports(
    __name__, globals(), dict.fromkeys(("ECS_HOST", "ECS_URL"), endpoints.__name__)
)


#: The vendored copies of requests the SDKs send through, whose adapters we mock: the
#: legacy SDK's and the 2019 ``alibaba-cloud-python-sdk-v2``'s.
VENDORED_REQUESTS = ("aliyunsdkcore.vendored.requests", "alibabacloud.vendored.requests")

Handler = Callable[..., ApiResponse]


def request_from_prepared(prepared: Any) -> ApiRequest:
    """Build an :class:`ApiRequest` from a (possibly vendored) requests ``PreparedRequest``."""
    host, path, raw_query = split_url(prepared.url)
    query = tuple(parse_query(raw_query))
    params = dict(query)
    headers = lower_case_headers(prepared.headers)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):  # a stream or generator: read it whole
        body = b"".join(
            chunk if isinstance(chunk, bytes) else str(chunk).encode() for chunk in body
        )
    if body and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params.update(parse_query(body.decode("utf-8", "replace")))
    return ApiRequest(
        params=params,
        headers=headers,
        method=str(prepared.method or "GET").upper(),
        host=host,
        path=path or "/",
        query=query,
        body=body,
        product=product_for_host(host),
    )


def _current_requests_send(adapter: Any, request: Any, **kwargs: Any) -> Any:
    """Whatever ``requests``' HTTPAdapter.send is at call time (a test's own mock, or real)."""
    from requests.adapters import HTTPAdapter

    return HTTPAdapter.send(adapter, request, **kwargs)


def _insecure_adapter_class() -> type[Any]:
    """A private HTTPAdapter subclass for darabonba's no-certificate-check sessions."""
    global _INSECURE_ADAPTER
    if _INSECURE_ADAPTER is None:
        from requests.adapters import HTTPAdapter

        class EcsInsecureAdapter(HTTPAdapter):
            """darabonba's plain adapter, as a subclass we can mock on its own."""

        _INSECURE_ADAPTER = EcsInsecureAdapter
    return _INSECURE_ADAPTER


_INSECURE_ADAPTER: type[Any] | None = None


class Interceptor:
    """Routes ECS calls of both SDKs to ``handler`` while started.

    With ``timeouts=True`` the handler is also given ``timeout=``, the client's read timeout.
    A :class:`TransportFault` from the handler becomes the exception that SDK's copy of
    requests (or aiohttp) raises (``ReadTimeout``, ``ConnectionError``).
    """

    def __init__(
        self, handler: Handler, *, timeouts: bool = False, relay: Relay | None = None
    ) -> None:
        self.handler = handler
        self.timeouts = timeouts
        self.relay = relay
        self._attached = False

    @property
    def active(self) -> bool:
        return self._attached

    def start(self) -> None:
        if not self._attached:
            _SWITCHBOARD.attach(self)
            self._attached = True

    def stop(self) -> None:
        if self._attached:
            self._attached = False
            _SWITCHBOARD.detach(self)

    def refresh(self) -> None:
        """Start again if an SDK loaded since started (a vendored copy of requests, see
        :func:`vendored_packages`) so that it is intercepted too: for an interceptor that
        stays started (live mode's), when it is the only one."""
        board = _SWITCHBOARD
        if self._attached and board.active == [self] and board._built_for != vendored_packages():
            self.stop()
            self.start()

    def __enter__(self) -> Interceptor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, request: ApiRequest, timeout: float | None = None) -> ApiResponse:
        """Answer one intercepted request, from any HTTP stack (``timeout``: the client's
        read timeout, if known). Raises :class:`TransportFault` for an injected fault."""
        if self.timeouts:
            return self.handler(request, timeout=timeout)
        return self.handler(request)

    def _callback(
        self,
        prepared: Any,
        requests_package: str = "requests",
        send_kwargs: Mapping[str, Any] | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Answer a prepared request (``send_kwargs``: what the adapter's ``send`` was given;
        through ``responses``, the copy it keeps on the request)."""
        if send_kwargs is None:
            send_kwargs = getattr(prepared, "req_kwargs", None) or {}
        try:
            response = self.answer(
                request_from_prepared(prepared), _read_timeout(send_kwargs.get("timeout"))
            )
        except TransportFault as fault:
            raise _transport_error(fault, prepared, requests_package) from None
        # responses drops the registration's Content-Type when the answer's headers hold one.
        return response.status, response.headers, response.content()


def _targets() -> list[tuple[str, Callable[..., Any]]]:
    """Each adapter class an SDK sends through, with the send to use for other hosts."""
    targets: list[tuple[str, Callable[..., Any]]] = []
    if importlib.util.find_spec("requests") is not None:
        targets.append(("requests.adapters.HTTPAdapter.send", _SWITCHBOARD.previous_send))
        for module in ("darabonba.core", "Tea.core"):
            if _module_has(module, "_TLSAdapter"):
                targets.append((f"{module}._TLSAdapter.send", _current_requests_send))
        if _module_has("darabonba.core", "adapters"):
            _insecure_adapter_class()
            targets.append((f"{__name__}._INSECURE_ADAPTER.send", _current_requests_send))
    for package in vendored_packages():
        if _module_has(f"{package}.adapters", "HTTPAdapter"):
            vendored = importlib.import_module(f"{package}.adapters")
            targets.append((f"{package}.adapters.HTTPAdapter.send", vendored.HTTPAdapter.send))
    return targets


#: Vendored copies we import only once their SDK is loaded: importing the 2019 v2 SDK
#: installs its vendored six's import hook, which warns on every later import of the process.
_ONLY_ONCE_LOADED = {"alibabacloud.vendored.requests": "alibabacloud"}


_WITHOUT_LATE = tuple(package for package in VENDORED_REQUESTS if package not in _ONLY_ONCE_LOADED)


def vendored_packages() -> tuple[str, ...]:
    """The vendored copies of requests to intercept now (see :data:`_ONLY_ONCE_LOADED`)."""
    modules = sys.modules
    loaded = 0  # asked at every start: none or all of them loaded is answered ready-made
    for needed in _ONLY_ONCE_LOADED.values():
        loaded += needed in modules
    if loaded == 0:
        return _WITHOUT_LATE
    if loaded == len(_ONLY_ONCE_LOADED):
        return VENDORED_REQUESTS
    return tuple(
        package
        for package in VENDORED_REQUESTS
        if package not in _ONLY_ONCE_LOADED or _ONLY_ONCE_LOADED[package] in sys.modules
    )


def _requests_package(target: str) -> str:
    """The copy of requests a target belongs to (whose exceptions its SDK catches)."""
    for package in VENDORED_REQUESTS:
        if target.startswith(package + "."):
            return package
    return "requests"


class _Switchboard:
    """The process's ``responses`` mocks, built once and switched on while any simulator runs.

    Building the mocks and resolving their dotted targets is heavy next to a simulated test
    (the ``suite`` rows of ``benchmarks/run.py``), so the mocks are built once and started by
    patching the adapter classes directly. Each ECS call goes to
    the innermost started :class:`Interceptor`, as stacked mocks would do.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active: list[Interceptor] = []
        self._mocks: list[tuple[type[Any], _LazyMock, Callable[..., Any]]] | None = None
        #: (adapter class, "send", the send to install) of each of the mocks.
        self._send_swaps: list[tuple[object, str, object]] = []
        #: The vendored copies the mocks were built for (an SDK loaded later adds one).
        self._built_for: tuple[str, ...] = ()
        #: (owner, name, had it, what it held) of each attribute set by :meth:`_swap`.
        self._patches: list[tuple[object, str, bool, object]] = []
        self._stoppers: list[Callable[[], None]] = []
        self._previous_base_send: Callable[..., Any] | None = None

    def previous_send(self, adapter: Any, request: Any, **kwargs: Any) -> Any:
        """For other hosts: whatever requests' HTTPAdapter.send was before we started."""
        assert self._previous_base_send is not None
        return self._previous_base_send(adapter, request, **kwargs)

    def _build(self) -> list[tuple[type[Any], _LazyMock, Callable[..., Any]]]:
        """(adapter class, its mock, the ``send`` to install) for every target."""
        built = []
        for target, real_send in _targets():
            mock = _LazyMock(self, target, real_send)
            module, cls_name, _ = target.rsplit(".", 2)
            cls = getattr(importlib.import_module(module), cls_name)
            package = _requests_package(target)
            # A relayed request goes out through the adapter's own send, never ours again.
            bypass = self.previous_send if package == "requests" else real_send
            built.append((cls, mock, _send_through(mock, bypass, package)))
        return built

    def attach(self, interceptor: Interceptor) -> None:
        with self.lock:
            self.active.append(interceptor)
            if len(self.active) == 1:
                try:
                    self._start()
                except BaseException:
                    self.active.remove(interceptor)
                    self._stop()
                    raise

    def detach(self, interceptor: Interceptor) -> None:
        with self.lock:
            self.active.remove(interceptor)
            if not self.active:
                self._stop()

    def _start(self) -> None:
        if self._mocks is None or self._built_for != vendored_packages():
            self._built_for = vendored_packages()
            self._mocks = self._build()
            # What RequestsMock.start() does, but on the class objects resolved once.
            self._send_swaps = [(cls, "send", send) for cls, _mock, send in self._mocks]
        swaps: list[tuple[object, str, object]] = []
        if _module_has("darabonba.core", "adapters"):
            swaps.append((_current_module("darabonba.core"), "adapters", _insecure_shim()))
        if _module_has("requests.adapters", "HTTPAdapter"):
            adapters = _current_module("requests.adapters")
            self._previous_base_send = adapters.HTTPAdapter.send
        swaps += self._send_swaps
        # The stacks that do not go through requests: aiohttp (answered; if it is not
        # imported yet, patched when it is), then the last line for everything else
        # (refused). Both only take a few attribute swaps.
        aiohttp_swaps = aiohttp_intercept.patches(self.answer, self.relay)
        if aiohttp_swaps is None:
            self._stoppers.append(aiohttp_intercept.start(self.answer, relay=self.relay))
        else:
            swaps += aiohttp_swaps
        swaps += guard.patches()
        self._swap(swaps)

    def _swap(self, swaps: list[tuple[object, str, object]]) -> None:
        """Set each (owner, attribute, value), remembering exactly what was there (an
        inherited one is deleted again by :meth:`_stop`)."""
        remember = self._patches.append
        for owner, name, new in swaps:
            namespace = owner.__dict__
            remember((owner, name, name in namespace, namespace.get(name)))
            setattr(owner, name, new)

    def _stop(self) -> None:
        patches = self._patches
        while patches:
            owner, name, had, old = patches.pop()
            if had:
                setattr(owner, name, old)
            else:
                delattr(owner, name)
        while self._stoppers:
            self._stoppers.pop()()

    def _route(
        self, prepared: Any, requests_package: str = "requests"
    ) -> tuple[int, Mapping[str, str], bytes]:
        return self.active[-1]._callback(prepared, requests_package)

    def answer(self, request: ApiRequest, timeout: float | None = None) -> ApiResponse:
        """Answer a request of a stack other than requests, by the innermost interceptor."""
        return self.active[-1].answer(request, timeout)

    def relay(self) -> Relay | None:
        """The innermost interceptor's relay (None: it answers in-process)."""
        active = self.active
        return active[-1].relay if active else None


class _LazyMock:
    """One target's ``responses`` mock, made when a request first needs it (another host,
    a retrying adapter): a run whose SDK calls all go to simulated endpoints never imports
    ``responses`` (with PyYAML and ``unittest.mock``), a cost its first test paid."""

    def __init__(self, board: _Switchboard, target: str, real_send: Callable[..., Any]) -> None:
        self._board = board
        self._target = target
        self._real_send = real_send
        self._mock: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        mock = self._mock
        if mock is None:
            with self._lock:
                if self._mock is None:
                    self._mock = _new_mock(self._board, self._target, self._real_send)
                mock = self._mock
        return mock

    def _on_request(self, adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        return self.get()._on_request(adapter, request, *args, **kwargs)


def _new_mock(board: _Switchboard, target: str, real_send: Callable[..., Any]) -> Any:
    """The ``responses`` mock of one adapter ``target``: our RPC registration (answered by
    the innermost interceptor) and a pass-through of everything else to ``real_send``."""
    import responses

    mock = responses.RequestsMock(
        assert_all_requests_are_fired=False, target=target, real_adapter_send=real_send
    )
    callback = functools.partial(board._route, requests_package=_requests_package(target))
    mock.add(_any_method_callback()(
        "POST", endpoints.RPC_URL, callback=callback, content_type=JSON_CONTENT_TYPE
    ))  # fmt: skip
    if isinstance(getattr(mock, "_calls", None), responses.CallList):
        mock._calls = _unrecorded()  # see _unrecorded
    mock.add_passthru(re.compile(r".*", re.S))
    return mock


@functools.cache
def _any_method_callback() -> type[Any]:
    """A ``responses`` callback registration that answers every HTTP method of an RPC
    product's URL (ECS, CloudMonitor: :data:`.endpoints.RPC_URL`).

    responses matches the method first, and tries every registration on every call: one
    registration instead of one per method keeps that scan short.
    """
    import responses

    class AnyMethodCallback(responses.CallbackResponse):
        def matches(self, request: Any) -> tuple[bool, str]:
            if not is_simulated_url(str(request.url)):
                return False, "URL does not match"
            return True, ""

        @property
        def calls(self) -> Any:
            return _unrecorded()

    return AnyMethodCallback


@functools.cache
def _unrecorded() -> Any:
    """A ``responses`` call list that keeps nothing, for our process-wide mocks.

    responses keeps every request and response a mock and its registration answer, for the
    mock's lifetime. Ours live as long as the process: they kept every SDK call's objects
    of a whole test session (and the GC scanned them all at every full collection). The
    simulator keeps its own record of calls (``EcsSimulator.calls``).
    """
    import responses

    class Unrecorded(responses.CallList):
        def add(self, request: Any, response: Any) -> None:
            pass

        def add_call(self, call: Any) -> None:
            pass

    return Unrecorded()


@functools.cache
def _insecure_shim() -> types.SimpleNamespace:
    """What ``darabonba.core.adapters`` is while we are active (one object per process)."""
    return types.SimpleNamespace(HTTPAdapter=_insecure_adapter_class())


def _send_through(
    mock: _LazyMock, bypass: Callable[..., Any], package: str = "requests"
) -> Callable[..., Any]:
    """An adapter ``send``: a simulated endpoint's request is answered here (or shown to
    the relay of a relaying interceptor); any other goes to ``mock``, as responses' own
    patch would send it (through to the adapter there before us)."""

    def send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        if is_simulated_url(str(request.url)):
            board = _SWITCHBOARD
            relay = board.relay()
            if relay is not None:
                return _relay_send(relay, bypass, package, adapter, request, args, kwargs)
            if not args and not _retries_on_status(adapter):
                return _answer_here(board, adapter, request, package, kwargs)
        return mock._on_request(adapter, request, *args, **kwargs)

    return send


def _retries_on_status(adapter: Any) -> bool:
    """Whether the adapter would retry on some answers' status (urllib3's ``Retry`` with a
    ``status_forcelist``): those requests go through ``responses``, which acts the retries
    out. The SDKs' adapters retry on no status."""
    return bool(getattr(getattr(adapter, "max_retries", None), "status_forcelist", None))


def _answer_here(
    board: _Switchboard, adapter: Any, prepared: Any, package: str, kwargs: dict[str, Any]
) -> Any:
    """A simulated endpoint's answer as that SDK's copy of requests returns it.

    The response is what ``responses`` (and requests' own ``build_response``) would make of
    the answer: status, reason, headers, encoding, body, url, request and adapter. Made
    directly, without ``responses``' generic matching, its urllib3 response and the cookie
    extraction (our answers set no cookie), it costs a fraction: a hand-written
    ``responses`` mock of the same call pays all of that (the P1 and ``floor`` rows of
    ``benchmarks/run.py``).
    """
    status, headers, content = board.active[-1]._callback(prepared, package, kwargs)
    return _requests_response(status, headers, content, prepared, adapter, package)


def _relay_send(
    relay: Relay,
    bypass: Callable[..., Any],
    package: str,
    adapter: Any,
    prepared: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """Refuse a request (answered here) or send it unchanged through the real adapter."""
    if prepared.body is not None and not isinstance(prepared.body, bytes | str):
        # A streamed body is read once, to be checked: what is sent is what was read.
        prepared.body = b"".join(
            c if isinstance(c, bytes) else str(c).encode() for c in prepared.body
        )
    request = request_from_prepared(prepared)
    decision = relay.admit(request)
    if isinstance(decision, ApiResponse):
        return _requests_response(
            decision.status, decision.headers, decision.content(), prepared, adapter, package
        )
    with guard.forwarding(urlsplit(prepared.url).hostname or ""):
        response = bypass(adapter, prepared, *args, **kwargs)
    if decision is not None:
        decision(int(response.status_code), response.content)
    return response


def _requests_response(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    prepared: Any,
    adapter: Any,
    package: str,
) -> Any:
    """An answer as the Response that SDK's copy of requests returns, its body read."""
    kit = _response_kit(package)
    response = kit.Response()
    response.status_code = status
    response.headers = kit.CaseInsensitiveDict(headers)
    content_type = response.headers.get("content-type")
    encoding = kit.encodings.get(content_type, _UNKNOWN)
    if encoding is _UNKNOWN:
        encoding = kit.encodings[content_type] = kit.get_encoding_from_headers(response.headers)
    response.encoding = encoding
    response.reason = _REASONS.get(status)
    response._content = content
    response._content_consumed = True
    response.raw = _UnreadRaw(kit, status, response.headers)
    url = prepared.url
    response.url = url.decode("utf-8") if isinstance(url, bytes) else url
    response.request = prepared
    response.connection = adapter
    return response


_UNKNOWN = object()
#: The reason phrase ``responses`` and ``http.client`` give each status.
_REASONS = http.client.responses


class _ResponseKit:
    """What one copy of requests builds a response from (the real one, a vendored one)."""

    def __init__(self, package: str) -> None:
        models = importlib.import_module(f"{package}.models")
        structures = importlib.import_module(f"{package}.structures")
        utils = importlib.import_module(f"{package}.utils")
        self.package = package
        self.Response = models.Response
        self.CaseInsensitiveDict = structures.CaseInsensitiveDict
        self.get_encoding_from_headers = utils.get_encoding_from_headers
        #: Each Content-Type's encoding, as requests derives it.
        self.encodings: dict[str | None, str | None] = {}

    def http_response(self, **fields: Any) -> Any:
        """A response of the urllib3 that copy of requests sends through (vendored copies
        carry their own)."""
        vendored = self.package != "requests"
        module = f"{self.package}.packages.urllib3.response" if vendored else "urllib3.response"
        return importlib.import_module(module).HTTPResponse(**fields)


@functools.cache
def _response_kit(package: str) -> _ResponseKit:
    return _ResponseKit(package)


class _UnreadRaw:
    """``Response.raw`` of an answer made here, until something reads it.

    requests' own cookie handling asks the raw response only for ``_original_response``
    (none: our answers set no cookie); any other use makes the urllib3 response a real
    transport leaves behind once the body is read: its status, reason and headers, its
    body at its end.
    """

    __slots__ = ("_headers", "_kit", "_real", "_status")
    _original_response = None

    def __init__(self, kit: _ResponseKit, status: int, headers: Mapping[str, str]) -> None:
        self._kit, self._status, self._headers = kit, status, headers
        self._real: Any = None

    def __getattr__(self, name: str) -> Any:
        real = self._real
        if real is None:
            real = self._real = self._kit.http_response(
                body=io.BytesIO(b""),
                headers=dict(self._headers),
                status=self._status,
                reason=_REASONS.get(self._status),
                preload_content=False,
                decode_content=False,
            )
        return getattr(real, name)


_SWITCHBOARD = _Switchboard()


def _read_timeout(value: Any) -> float | None:
    """The read timeout in the ``timeout`` a client gave ``send()``."""
    if isinstance(value, tuple):
        value = value[-1]
    value = getattr(value, "read_timeout", value)  # a urllib3 Timeout
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _transport_error(fault: TransportFault, prepared: Any, requests_package: str) -> Exception:
    """What requests (the SDK's own copy of it) raises for this fault."""
    module = importlib.import_module(f"{requests_package}.exceptions")
    url = urlsplit(prepared.url)
    scheme = "HTTPS" if url.scheme == "https" else "HTTP"
    port = url.port or (443 if url.scheme == "https" else 80)
    message: object
    if fault.kind == "timeout":
        read = f"read timeout={fault.timeout:g}" if fault.timeout is not None else "read timeout"
        kind = module.ReadTimeout
        message = (
            f"{scheme}ConnectionPool(host='{url.hostname}', port={port}): Read timed out. "
            f"({read}) [{fault}]"
        )
    else:
        kind = module.ConnectionError
        message = ("Connection aborted.", ConnectionResetError(104, f"Connection reset [{fault}]"))
    error: Exception = kind(message, request=prepared)
    return error


def _current_module(name: str) -> Any:
    """The module ``name`` that ``sys.modules`` holds now, imported again if it is not there:
    :func:`_module_has` remembers its answer, and pytester's in-process runs drop the modules
    imported during them."""
    return sys.modules.get(name) or importlib.import_module(name)


@functools.cache
def _module_has(module: str, attribute: str) -> bool:
    try:
        if importlib.util.find_spec(module) is None:
            return False
        return hasattr(importlib.import_module(module), attribute)
    except ImportError:
        return False
