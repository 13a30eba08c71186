"""Answer aiohttp calls to a simulated endpoint in-process, with ``aioresponses``.

The new SDK's ``*_async`` methods send through ``aiohttp.ClientSession`` (darabonba's and
Tea's ``async_do_action``). ``aioresponses`` patches ``ClientSession._request``: a call to
a simulated endpoint (:mod:`.endpoints`) is answered by the running simulator, every other
URL (the loopback server, a webhook receiver, any other host) goes to whatever
``_request`` was before, untouched. A test's own ``aioresponses`` stacks with ours as two
of its own would.

The patch costs nothing on the requests path and is installed only where aiohttp is
imported: at start if it already is, else as soon as something imports it (a finder on
``sys.meta_path`` while a simulator runs), so importing the plugin never imports aiohttp.
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

from ..api.faults import TransportFault
from ..api.messages import ApiRequest, ApiResponse
from ..api.speedups.fast_parse import parse_query, split_url
from .endpoints import ECS_URL

__all__ = ["start"]

Answer = Callable[[ApiRequest, "float | None"], ApiResponse]

#: Every method a client may send to an endpoint (aioresponses matches one per registration).
_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


def start(answer: Answer) -> Callable[[], None]:
    """Route aiohttp calls to simulated endpoints to ``answer``; returns the matching stop."""
    if "aiohttp" in sys.modules:
        return _start_mock(answer)
    finder = _WhenImported("aiohttp", lambda: state.append(_start_mock(answer)))
    state: list[Callable[[], None]] = []
    sys.meta_path.insert(0, finder)

    def stop() -> None:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        while state:
            state.pop()()

    return stop


def _start_mock(answer: Answer) -> Callable[[], None]:
    from aioresponses import aioresponses

    mock = aioresponses(passthrough_unmatched=True)
    mock.start()
    for method in _METHODS:
        mock.add(
            ECS_URL, method=method, repeat=True, callback=functools.partial(
                _callback, answer=answer, method=method, mock=mock
            ),
        )  # fmt: skip
    return mock.stop


def _callback(url: Any, *, answer: Answer, method: str, mock: Any, **kwargs: Any) -> Any:
    """aioresponses' callback: the simulator's answer as a ``CallbackResult``."""
    from aioresponses import CallbackResult

    # aioresponses keeps a deep copy of every call's arguments until it stops: ours answer
    # whole test sessions, and the simulator keeps its own record (``EcsSimulator.calls``).
    mock.requests.clear()
    request = request_from_aiohttp(method, str(url), kwargs)
    try:
        response = answer(request, _read_timeout(kwargs.get("timeout")))
    except TransportFault as fault:
        raise _transport_error(fault) from None
    headers = dict(response.headers)
    content_type = headers.pop("Content-Type", None) or headers.pop("content-type", "")
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return CallbackResult(
        method=method,
        status=response.status,
        body=response.content(),
        content_type=content_type,
        headers=headers,
        reason=reason,
        response_class=_response_class(),
    )


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
