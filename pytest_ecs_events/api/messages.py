"""What crosses the wire, whatever the transport: one request in, one response out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .speedups.frozen_init import one_step_init
from .speedups.json_output import encode_json

__all__ = ["NO_HEADERS", "ApiRequest", "ApiResponse"]

#: The headers of a request made without any (in-process calls): shared, read-only.
NO_HEADERS: Mapping[str, str] = MappingProxyType({})


@one_step_init  # built once per call: see speedups/frozen_init.py
@dataclass(frozen=True)
class ApiRequest:
    """An ECS OpenAPI call as a transport received it.

    ``params`` merges the query and a form-encoded body (a body value wins); ``headers`` has
    lower-case names.
    """

    params: Mapping[str, str]
    headers: Mapping[str, str] = field(default_factory=lambda: NO_HEADERS)
    method: str = "POST"
    host: str = "ecs-cn-hangzhou.aliyuncs.com"
    path: str = "/"
    query: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    #: The product the transport routed it to by its endpoint host (a key of
    #: ``api/products.py``); "" when the host does not say (the loopback server, direct
    #: calls): the dispatcher then goes by ``Version``.
    product: str = ""

    @property
    def action(self) -> str | None:
        return self.params.get("Action") or self.headers.get("x-acs-action") or None


@one_step_init  # built once per call: see speedups/frozen_init.py
@dataclass(frozen=True)
class ApiResponse:
    """The answer: HTTP status, JSON body and headers."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=lambda: NO_HEADERS)
    #: The body as it goes on the wire, when already known: UTF-8 JSON (a read-only action's
    #: answer), or the XML of a ``Format=XML`` request.
    data: bytes | None = None

    def content(self) -> bytes:
        """The body as it goes on the wire (UTF-8 JSON, or the XML a request asked for)."""
        return self.data if self.data is not None else encode_json(self.body)
