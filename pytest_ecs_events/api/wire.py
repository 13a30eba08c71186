"""What crosses the wire, whatever the transport: one request in, one response out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON_CONTENT_TYPE = "application/json;charset=utf-8"


@dataclass(frozen=True)
class ApiRequest:
    """An ECS OpenAPI call as a transport received it.

    ``params`` merges the query and a form-encoded body (a body value wins); ``headers`` has
    lower-case names.
    """

    params: Mapping[str, str]
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"
    host: str = "ecs-cn-hangzhou.aliyuncs.com"
    path: str = "/"
    query: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @property
    def action(self) -> str | None:
        return self.params.get("Action") or self.headers.get("x-acs-action") or None


@dataclass(frozen=True)
class ApiResponse:
    """The answer: HTTP status, JSON body and headers."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    def content(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
