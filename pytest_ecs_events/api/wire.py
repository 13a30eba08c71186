"""What crosses the wire, whatever the transport: one request in, one response out."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlsplit

JSON_CONTENT_TYPE = "application/json;charset=utf-8"


def parse_query(query: str) -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(query, keep_blank_values=True)``, several times faster.

    Only parts that hold ``%`` or ``+`` are unquoted (with the same rules and the same
    ``errors="replace"``); every SDK call arrives with a dozen plain parameters.
    """
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if "%" in key or "+" in key:
            key = _unquote_plus(key)
        if "%" in value or "+" in value:
            value = _unquote_plus(value)
        pairs.append((key, value))
    return pairs


def split_url(url: str) -> tuple[str, str, str]:
    """``(host, path, query)`` as ``urlsplit(url)`` reads them (host lower-cased, ``""`` if
    none), without its cost: every call's URL is new, so its cache never helps."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme in _SCHEMES and not _UNUSUAL_URL.search(url):
        end = len(rest)
        for mark in "/?#":
            at = rest.find(mark, 0, end)
            if at != -1:
                end = at
        netloc, tail = rest[:end], rest[end:]
        if "@" not in netloc and "[" not in netloc and "]" not in netloc:
            path, _, query = tail.partition("#")[0].partition("?")
            return netloc.partition(":")[0].lower(), path, query
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.path, parts.query


_SCHEMES = frozenset({"http", "https"})
#: What urlsplit strips or treats specially: fall back to it for those URLs.
_UNUSUAL_URL = re.compile(r"[\x00-\x20\x7f]")

_ASCII_ESCAPE = re.compile(r"%([0-7][0-9A-Fa-f])")


def _ascii_char(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def _unquote_plus(text: str) -> str:
    """``unquote_plus(text)``; escapes of ASCII characters (a timestamp's ``%3A``, a
    signature's ``%2B``) are decoded without the UTF-8 round trip."""
    plain = text.replace("+", " ")
    decoded = _ASCII_ESCAPE.sub(_ascii_char, plain)
    if "%" in decoded:  # a non-ASCII or malformed escape, or a decoded "%": the full rules
        return unquote_plus(text)
    return decoded


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
    #: The body's JSON text when it is already known (a reused answer).
    text: str | None = None

    def content(self) -> bytes:
        text = self.text if self.text is not None else encode_json(self.body)
        return text.encode("utf-8")


class Rendered(dict[str, Any]):
    """A body fragment that keeps its own JSON text, so it is serialised only once.

    The API layer caches the rendering of unchanged events; :func:`encode_json` splices their
    text in instead of encoding them again. Never mutate one.
    """

    __slots__ = ("json_text",)

    def __init__(self, body: Mapping[str, Any]) -> None:
        super().__init__(body)
        self.json_text = _dumps(body)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_dumps = _ENCODER.encode  # one encoder for all: json.dumps(**options) builds one per call
_encode_str: Callable[[str], str] = json.encoder.encode_basestring


def encode_json(value: object, depth: int = 0) -> str:
    """JSON text of a response body, splicing in :class:`Rendered` fragments.

    Only the envelope (the first levels) is walked in Python; everything else is encoded by
    the C encoder in one go.
    """
    if isinstance(value, Rendered):
        return value.json_text
    if depth < 3:
        if type(value) is dict:
            return (
                "{"
                + ",".join(
                    f"{_encode_str(k)}:{encode_json(v, depth + 1)}" for k, v in value.items()
                )
                + "}"
            )
        if type(value) is list and value and isinstance(value[0], Rendered):
            return "[" + ",".join(encode_json(v, depth + 1) for v in value) + "]"
    if type(value) is str:
        return _encode_str(value)
    if type(value) is int:
        return str(value)
    return _dumps(value)
