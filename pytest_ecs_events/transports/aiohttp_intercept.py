"""Answer aiohttp calls to a simulated endpoint in-process, with ``aioresponses``' responses.

The new SDK's ``*_async`` methods send through ``aiohttp.ClientSession`` (darabonba's and
Tea's ``async_do_action``). We patch ``ClientSession._request``, as aioresponses does: a
call to a simulated endpoint (:mod:`.endpoints`) is answered by the running simulator, with
a ``ClientResponse`` built by aioresponses; every other URL (the loopback server, a
webhook receiver, any other host) goes to whatever ``_request`` was before, untouched. A
test's own ``aioresponses``, started before or after the simulator, keeps working.

The patch costs nothing on the requests path and is installed only where aiohttp is
imported: at start if it already is, else as soon as something imports it (a finder on
``sys.meta_path`` while a simulator runs), so importing the plugin never imports aiohttp.

With a relay (live mode, see :mod:`.intercept`), a call to a simulated endpoint is shown to
the relay: refused (answered here, nothing sent) or sent unchanged by the original
``_request``, whose response the caller gets as it came.
"""

from __future__ import annotations

import errno
import functools
import importlib.abc
import importlib.machinery
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from yarl import URL

from ..api.faults import TransportFault
from ..api.messages import ApiRequest, ApiResponse
from ..api.speedups.fast_parse import parse_query, split_url
from . import guard
from .endpoints import is_simulated_url, product_for_host
from .relay import Relay

__all__ = ["patches", "start"]

Answer = Callable[[ApiRequest, "float | None"], ApiResponse]
CurrentRelay = Callable[[], "Relay | None"]


def start(answer: Answer, relay: CurrentRelay | None = None) -> Callable[[], None]:
    """Route aiohttp calls to simulated endpoints to ``answer`` (or to the relay ``relay()``
    gives, when it gives one); returns the matching stop."""
    if "aiohttp" in sys.modules:
        return _start_mock(answer, relay)
    finder = _WhenImported("aiohttp", lambda: state.append(_start_mock(answer, relay)))
    state: list[Callable[[], None]] = []
    sys.meta_path.insert(0, finder)

    def stop() -> None:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        while state:
            state.pop()()

    return stop


def patches(
    answer: Answer, relay: CurrentRelay | None = None
) -> list[tuple[object, str, object]] | None:
    """(owner, attribute, replacement) of the patch :func:`start` makes, wrapping what is
    there now, for a caller that swaps attributes itself; None while aiohttp is not
    imported (then :func:`start` patches it once it is)."""
    if "aiohttp" not in sys.modules:
        return None
    return [_request_swap(answer, relay)]


def _request_swap(answer: Answer, relay: CurrentRelay | None) -> tuple[Any, str, object]:
    """``ClientSession``, ``"_request"`` and the function answering simulated endpoints
    around the ``_request`` there now."""
    session: Any = getattr(sys.modules.get("aiohttp"), "ClientSession", None)
    if session is None:  # aiohttp still being imported: the import statement's error
        from aiohttp import ClientSession as session
    return session, "_request", _patched_request(session._request, answer, relay)


def _start_mock(answer: Answer, relay: CurrentRelay | None = None) -> Callable[[], None]:
    """Patch ``ClientSession._request`` with a plain function (so a test's own
    ``aioresponses``, whose autospec cannot spec a mock, still starts on top of ours)."""
    session, name, patched = _request_swap(answer, relay)
    real_request = getattr(session, name)
    setattr(session, name, patched)

    def stop() -> None:
        setattr(session, name, real_request)

    return stop


@functools.lru_cache(maxsize=8)  # one patch per function wrapped: started at every test
def _patched_request(
    real_request: Callable[..., Any], answer: Answer, relay: CurrentRelay | None
) -> Callable[..., Any]:
    """``ClientSession._request`` answering simulated endpoints, else ``real_request``."""

    async def _request(session: Any, method: str, str_or_url: Any, **kwargs: Any) -> Any:
        url = session._build_url(str_or_url) if hasattr(session, "_build_url") else str_or_url
        if kwargs.get("params"):
            url = URL(url).update_query(kwargs["params"])
        if not is_simulated_url(str(url)):
            return await real_request(session, method, str_or_url, **kwargs)
        if session.closed:
            raise RuntimeError("Session is closed")
        data = kwargs.get("data")
        if data is not None and hasattr(data, "__aiter__"):
            kwargs["data"] = b"".join([chunk async for chunk in data])
        headers = {**session.headers, **(kwargs.get("headers") or {})}
        current = relay() if relay is not None else None
        if current is not None:
            request = request_from_aiohttp(method.upper(), str(url), {**kwargs, "headers": headers})
            decision = current.admit(request)
            if not isinstance(decision, ApiResponse):
                with guard.forwarding(URL(url).host or ""):
                    real = await real_request(session, method, str_or_url, **kwargs)
                if decision is not None:
                    decision(real.status, await real.read())
                return real
            response = await _build(decision, method.upper(), URL(url), headers)
        else:
            response = await _respond(
                answer, method.upper(), URL(url), {**kwargs, "headers": headers}
            )
        raise_for_status = kwargs.get("raise_for_status")
        if raise_for_status is None:
            raise_for_status = getattr(session, "_raise_for_status", False)
        if callable(raise_for_status):
            await raise_for_status(response)
        elif raise_for_status:
            response.raise_for_status()
        return response

    return _request


async def _respond(answer: Answer, method: str, url: Any, kwargs: Mapping[str, Any]) -> Any:
    """The simulator's answer as an aiohttp ``ClientResponse`` (built by aioresponses)."""
    request = request_from_aiohttp(method, str(url), kwargs)
    try:
        response = answer(request, _read_timeout(kwargs.get("timeout")))
    except TransportFault as fault:
        raise _transport_error(fault) from None
    return await _build(response, method, url, kwargs.get("headers"))


async def _build(response: ApiResponse, method: str, url: Any, request_headers: Any) -> Any:
    """An answer as an aiohttp ``ClientResponse`` (built by aioresponses)."""
    from aioresponses.core import RequestMatch

    headers = dict(response.headers)
    content_type = headers.pop("Content-Type", None) or headers.pop("content-type", "")
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    match = RequestMatch(
        url,
        method=method,
        status=response.status,
        body=response.content(),
        content_type=content_type,
        headers=headers,
        reason=reason,
        response_class=_response_class(),
    )
    return await match.build_response(url, headers=request_headers)


@functools.cache
def _response_class() -> type[Any]:
    """aiohttp's ``ClientResponse``, built the way aioresponses builds it, made to fit the
    aiohttp in use.

    aiohttp 3.14 added a required ``stream_writer`` argument that aioresponses 0.7.9 does
    not pass (the request was never written, so it only gives ``output_size``).
    aioresponses also hands a stand-in loop in debug mode, which makes every response
    capture its creation stack: the running loop is the one the response belongs to.
    """
    import asyncio
    import contextlib
    import inspect
    import types

    import aiohttp

    needs_writer = "stream_writer" in inspect.signature(aiohttp.ClientResponse).parameters

    class SimulatedResponse(aiohttp.ClientResponse):
        def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
            if needs_writer:
                kwargs.setdefault("stream_writer", types.SimpleNamespace(output_size=0))
            with contextlib.suppress(RuntimeError):  # no loop: keep aioresponses' own
                kwargs["loop"] = asyncio.get_running_loop()
            super().__init__(method, url, **kwargs)

    return SimulatedResponse


def request_from_aiohttp(method: str, url: str, kwargs: Mapping[str, Any]) -> ApiRequest:
    """An :class:`ApiRequest` from the arguments of ``ClientSession._request``."""
    host, path, raw_query = split_url(url)
    query = tuple(parse_query(raw_query))
    params = dict(query)
    headers = {str(k).lower(): str(v) for k, v in (kwargs.get("headers") or {}).items()}
    body = _body(kwargs, headers)
    if body and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params.update(parse_query(body.decode("utf-8", "replace")))
    return ApiRequest(
        params=params,
        headers=headers,
        method=method,
        host=host,
        path=path or "/",
        query=query,
        body=body,
        product=product_for_host(host),
    )


def _body(kwargs: Mapping[str, Any], headers: dict[str, str]) -> bytes:
    """The request body as bytes, as aiohttp would have sent it (``data=`` or ``json=``)."""
    if kwargs.get("json") is not None:
        headers.setdefault("content-type", "application/json")
        return json.dumps(kwargs["json"]).encode("utf-8")
    data = kwargs.get("data")
    if data is None:
        return b""
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, Mapping | Sequence):  # a form, as aiohttp encodes a dict or pairs
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
        return urlencode(list(data.items()) if isinstance(data, Mapping) else data).encode()
    value = getattr(data, "_value", None)  # an aiohttp payload (BytesPayload, StringPayload)
    if isinstance(value, bytes):
        return value
    return b"".join(chunk if isinstance(chunk, bytes) else str(chunk).encode() for chunk in data)


def _read_timeout(timeout: Any) -> float | None:
    """The read timeout of aiohttp's ``timeout=`` (a ``ClientTimeout`` or a number)."""
    for value in (getattr(timeout, "sock_read", None), getattr(timeout, "total", None), timeout):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _transport_error(fault: TransportFault) -> Exception:
    """What aiohttp raises when the answer never comes (a read timeout) or the peer resets."""
    import aiohttp

    if fault.kind == "timeout":
        # aiohttp >= 3.10 raises SocketTimeoutError for sock_read, ServerTimeoutError before.
        kind = getattr(aiohttp, "SocketTimeoutError", aiohttp.ServerTimeoutError)
        error: Exception = kind(f"Timeout on reading data from socket [{fault}]")
        return error
    return aiohttp.ClientOSError(errno.ECONNRESET, f"Connection reset by peer [{fault}]")


class _WhenImported(importlib.abc.MetaPathFinder):
    """Runs ``then`` right after the module ``name`` is first imported (once)."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name = name
        self.then = then
        self.seen = False

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name or self.seen:
            return None
        # Not removed from sys.meta_path here: the import system is iterating over it.
        self.seen = True
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec: importlib.machinery.ModuleSpec | None = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if isinstance(spec.loader, importlib.abc.Loader):
            spec.loader = _ThenLoader(spec.loader, self.then)
        return spec


class _ThenLoader(importlib.abc.Loader):
    """A module's own loader, calling ``then`` once the module has been executed."""

    def __init__(self, loader: importlib.abc.Loader, then: Callable[[], None]) -> None:
        self.loader = loader
        self.then = then

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader  # the module keeps its real loader
        self.loader.exec_module(module)
        self.then()
