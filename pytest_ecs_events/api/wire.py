"""What crosses the wire, whatever the transport: one request in, one response out."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote_plus, urlsplit

JSON_CONTENT_TYPE = "application/json;charset=utf-8"


def parse_query(query: str) -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(query, keep_blank_values=True)``, several times faster.

    Only parts that hold ``%`` or ``+`` are unquoted (with the same rules and the same
    ``errors="replace"``); every SDK call arrives with a dozen plain parameters.
    """
    if "%" not in query and "+" not in query:
        return [(key, value) for key, _, value in (p.partition("=") for p in query.split("&") if p)]
    pairs = []
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            if "%" in part or "+" in part:
                key, value = unquote_query_part(key), unquote_query_part(value)
            pairs.append((key, value))
    return pairs


@functools.lru_cache(maxsize=256)
def split_url(url: str) -> tuple[str, str, str]:
    """``(host, path, query)`` as ``urlsplit(url)`` reads them (host lower-cased, ``""`` if
    none), without its cost.

    Kept per URL: the new SDK asks the same question with the same URL (its signature is in
    a header). The legacy SDK signs in the URL, so its URLs never repeat; a miss costs a
    fifth of a microsecond, a hit saves one.
    """
    scheme, sep, rest = url.partition("://")
    if sep and scheme in _SCHEMES and url.isprintable() and " " not in url:
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

_ASCII_ESCAPE = re.compile(r"%([0-7][0-9A-Fa-f])")


def _ascii_char(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def unquote_query_part(text: str) -> str:
    """``unquote_plus(text)``; escapes of ASCII characters (a timestamp's ``%3A``, a
    signature's ``%2B``) are decoded without the UTF-8 round trip."""
    if "%" not in text and "+" not in text:
        return text
    plain = text.replace("+", " ")
    decoded = _ASCII_ESCAPE.sub(_ascii_char, plain)
    if "%" in decoded:  # a non-ASCII or malformed escape, or a decoded "%": the full rules
        return unquote_plus(text)
    return decoded


#: The headers of a request made without any (in-process calls): shared, read-only.
NO_HEADERS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, init=False)
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

    def __init__(
        self,
        params: Mapping[str, str],
        headers: Mapping[str, str] = NO_HEADERS,
        method: str = "POST",
        host: str = "ecs-cn-hangzhou.aliyuncs.com",
        path: str = "/",
        query: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
    ) -> None:
        # Every call builds one: a single update, not the frozen dataclass's one
        # object.__setattr__ per field. The instance stays frozen.
        self.__dict__.update(
            params=params, headers=headers, method=method, host=host, path=path, query=query,
            body=body,
        )  # fmt: skip

    @property
    def action(self) -> str | None:
        return self.params.get("Action") or self.headers.get("x-acs-action") or None


@dataclass(frozen=True, init=False)
class ApiResponse:
    """The answer: HTTP status, JSON body and headers."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=lambda: NO_HEADERS)
    #: The body as UTF-8 JSON when it is already known (a read-only action's answer).
    data: bytes | None = None

    def __init__(
        self,
        status: int,
        body: Mapping[str, Any],
        headers: Mapping[str, str] = NO_HEADERS,
        data: bytes | None = None,
    ) -> None:
        self.__dict__.update(status=status, body=body, headers=headers, data=data)  # as above

    def content(self) -> bytes:
        """The body as UTF-8 JSON, what goes on the wire."""
        return self.data if self.data is not None else encode_json(self.body)


class Rendered(dict[str, Any]):
    """A body fragment that keeps its own UTF-8 JSON, so it is serialised only once.

    The API layer caches the rendering of unchanged events; :func:`encode_json` splices their
    JSON in instead of encoding them again. Never mutate one.
    """

    __slots__ = ("json",)

    def __init__(self, body: Mapping[str, Any]) -> None:
        super().__init__(body)
        self.json = _utf8(_dumps(body))


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _make_dumps() -> Callable[[object], str]:
    """``_ENCODER.encode``, without building the C encoder again on every call.

    ``JSONEncoder.encode`` makes a new ``c_make_encoder`` each time, a third of the cost of
    encoding an event. It is made once here, with the same options (no circular-reference
    check: our bodies are trees); without the C accelerator, the encoder itself is used.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _ENCODER.encode
    iterencode = make(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False,
        True,
    )  # fmt: skip

    def dumps(value: object) -> str:
        return "".join(iterencode(value, 0))

    return dumps


_dumps = _make_dumps()
_encode_str: Callable[[str], str] = json.encoder.encode_basestring


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def encode_json(value: object) -> bytes:
    """A response body as UTF-8 JSON, splicing in :class:`Rendered` fragments.

    Only the envelope (the first levels) is walked in Python, with plain loops; everything
    else is encoded by the C encoder in one go.
    """
    out: list[bytes] = []
    _encode_into(value, 0, out)
    return b"".join(out)


def json_tail(body: Mapping[str, Any]) -> bytes:
    """A dict's JSON without its opening brace, led by a comma unless the dict is empty.

    A kept answer is stored this way, so each call puts its RequestId in front
    (``b'{"RequestId":"…"' + tail``) with one copy instead of encoding again.
    """
    data = encode_json(body)
    return b"}" if data == b"{}" else b"," + data[1:]


def _encode_into(value: object, depth: int, out: list[bytes]) -> None:
    kind = type(value)
    if kind is Rendered:
        out.append(value.json)  # type: ignore[attr-defined]
    elif depth > 2:
        out.append(_utf8(_dumps(value)))
    elif kind is dict:
        if not value:
            out.append(b"{}")
            return
        separator = b"{"
        for key, item in value.items():  # type: ignore[attr-defined]
            out.append(separator)
            out.append(_key(key))
            separator = b","
            item_kind = type(item)
            if item_kind is str:
                out.append(_utf8(_encode_str(item)))
            elif item_kind is int:
                out.append(b"%d" % item)
            elif item_kind is dict or item_kind is list or item_kind is Rendered:
                _encode_into(item, depth + 1, out)
            else:
                out.append(_utf8(_dumps(item)))
        out.append(b"}")
    elif kind is list and value:
        try:  # a list of Rendered fragments (an action's result set), or anything else
            fragments = [item.json for item in value]  # type: ignore[attr-defined]
        except AttributeError:
            out.append(_utf8(_dumps(value)))
            return
        separator = b"["
        for fragment in fragments:
            out.append(separator)
            out.append(fragment)
            separator = b","
        out.append(b"]")
    else:
        out.append(_utf8(_dumps(value)))


def _key(key: str) -> bytes:
    """A key's JSON and its colon; an API body has a few dozen distinct keys, each encoded
    once."""
    data = _KEYS.get(key)
    if data is None:
        data = _utf8(_encode_str(key)) + b":"
        if len(_KEYS) < 4096:
            _KEYS[key] = data
    return data


_KEYS: dict[str, bytes] = {}
