"""Reading one request off the socket: its target, its body and its form fields, within limits.

:func:`parse_head` reads the request line and the headers of a plain request (what every
client sends) into what ``http.server``'s ``parse_request`` would make of them; anything else
goes to ``parse_request`` itself (which refuses too many or too long headers: 431); the request
loop refuses an over-long request line (414, :data:`MAX_REQUEST_LINE`). What is left is the body
and the fields. A request's framing is trusted only when it is
unambiguous: one ``Content-Length`` of plain digits, or ``Transfer-Encoding: chunked`` alone
(both at once is how request smuggling starts). The standard library has no request-side
chunked decoder, so :func:`read_chunked` is one, bounded in every loop. Anything malformed is a
:class:`~.replies.Reply` that closes the connection, since the next request's first byte is
then unknown.
"""

from __future__ import annotations

import re
from email.message import Message
from http.client import HTTPMessage
from io import BufferedIOBase
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from ...api.speedups.fast_parse import parse_query
from .replies import Reply

__all__ = [
    "BODY_TIMEOUT",
    "CONNECTION_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CONNECTIONS",
    "FORM",
    "HEADER_TIMEOUT",
    "MAX_FIELDS",
    "MAX_REQUEST_LINE",
    "announced_length",
    "decode_form",
    "media_type",
    "parse_head",
    "read_body",
    "read_chunked",
    "split_target",
    "too_large",
]

#: Largest request body accepted (1 MiB); bigger ones get 413.
DEFAULT_MAX_BODY = 1 << 20
#: Largest number of query or form fields in one request.
MAX_FIELDS = 10_000
#: Seconds a keep-alive connection may wait for its next request (``idle_timeout``), and
#: seconds an answer may take to be written to a client that does not read.
CONNECTION_TIMEOUT = 60.0
#: Seconds a request's line and headers may take to arrive, counted from its first byte.
HEADER_TIMEOUT = 10.0
#: Seconds its body may take to arrive, counted from the end of the headers.
BODY_TIMEOUT = 30.0
#: Connections served at once; one more is answered 503 ServiceUnavailable and closed.
DEFAULT_MAX_CONNECTIONS = 256
#: Longest request line (as ``http.server`` has it); longer ones get 414.
MAX_REQUEST_LINE = 65536
#: The form content type whose body carries API parameters.
FORM = "application/x-www-form-urlencoded"

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: An escape of a byte past ASCII (once every escape is known to be well formed).
_HIGH_ESCAPE = re.compile(r"%[89A-Fa-f]")
_DIGITS = re.compile(r"[0-9]+")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")
#: Longest chunk-size line (size, extensions, CRLF) and trailer line read.
_CHUNK_LINE = 1026
_TRAILER_LINE = 8194
_MAX_TRAILERS = 100


class Head(NamedTuple):
    """A request line and its headers as :func:`parse_head` read them."""

    command: str
    path: str
    version: str
    requestline: str
    headers: HTTPMessage
    #: The headers with lower-case names (a repeated name: its last value).
    lowered: dict[str, str]
    #: Bytes of the buffer the headers took, blank line included.
    size: int


#: ``METHOD target HTTP/1.x`` with nothing ``http.server`` would read otherwise: no extra
#: blanks, no ``//`` path (it rewrites those), a version without leading zeros.
_REQUEST_LINE = re.compile(rb"([A-Z]+) ((?!//)[\x21-\x7e]+) (HTTP/1\.[01])\r\n")
#: Up to 99 header lines (http.client's limit of 100 counts the blank line) of a name in the
#: characters the email parser takes as one (printable ASCII but ':'), a colon, and printable
#: ASCII or tabs: no folding, no bare CR or LF, nothing that str.splitlines would break on.
_HEADER_LINES = re.compile(rb"(?:[\x21-\x39\x3b-\x7e]+:[\t\x20-\x7e]*\r\n){0,99}")


def parse_head(line: bytes, buffered: bytes) -> Head | None:
    """The request line ``line`` and the headers at the start of ``buffered``, read as
    ``BaseHTTPRequestHandler.parse_request`` would (``http.client.parse_headers`` and the email
    parser), for the plain requests every client sends; None for anything else (the caller
    then lets ``parse_request`` read it, answers and refusals included).

    The email parser costs more than the rest of a keep-alive call's HTTP handling together;
    on the lines accepted here its result is just the split at the first colon with the value's
    leading blanks dropped (``tests/property/test_server_framing.py`` holds the two equal).
    """
    request = _REQUEST_LINE.fullmatch(line)
    if request is None:
        return None
    if buffered.startswith(b"\r\n"):
        end = 0
    else:
        end = buffered.find(b"\r\n\r\n") + 2
        if end < 2 or _HEADER_LINES.fullmatch(buffered, 0, end) is None:
            return None
    headers = HTTPMessage()
    lowered: dict[str, str] = {}
    if end:
        for field in buffered[: end - 2].decode("latin-1").split("\r\n"):
            name, _, value = field.partition(":")
            value = value.lstrip(" \t")
            headers[name] = value
            lowered[name.lower()] = value
    headers.set_payload("")  # as the email parser leaves it
    command, path, version = request.group(1, 2, 3)
    return Head(
        command.decode(),
        path.decode(),
        version.decode(),
        line[:-2].decode("latin-1"),
        headers,
        lowered,
        end + 2,
    )


def media_type(content_type: str) -> str:
    """``"application/json; charset=utf-8"`` -> ``"application/json"``."""
    return content_type.split(";", 1)[0].strip().lower()


def too_large(size: int, max_body: int) -> Reply:
    return Reply(
        413,
        "RequestEntityTooLarge",
        f"The request body has {size} bytes; the simulator accepts at most {max_body} "
        "(ECS calls carry their parameters in the query).",
        close=True,
    )


#: A length of more digits than this (leading zeros aside) stands for "too large": Python
#: refuses to read an int of over 4300 digits, and no body is that large anyway.
_MAX_LENGTH_DIGITS = 19


def _length(digits: str) -> int:
    """A Content-Length of plain digits as an int; one too long to read counts as 10**19."""
    significant = digits.lstrip("0")
    if len(significant) > _MAX_LENGTH_DIGITS:
        return int(10**_MAX_LENGTH_DIGITS)
    return int(significant or "0")


def announced_length(headers: Message) -> int | None:
    """The one well-formed ``Content-Length``, or None (absent, repeated, or not digits)."""
    lengths = headers.get_all("Content-Length") or []
    if len(lengths) == 1 and _DIGITS.fullmatch(lengths[0].strip()):
        return _length(lengths[0].strip())
    return None


def read_body(rfile: BufferedIOBase, headers: Message, max_body: int) -> bytes:
    """The request body, framed by ``Content-Length`` or ``chunked``; ``b""`` without either."""
    encodings = [v.strip().lower() for v in headers.get_all("Transfer-Encoding") or []]
    lengths = [v.strip() for v in headers.get_all("Content-Length") or []]
    if encodings:
        if lengths:
            raise Reply(
                400,
                "BadRequest",
                "A request may carry Content-Length or Transfer-Encoding, not both.",
                close=True,
            )
        if [e for v in encodings for e in v.split(",") if e.strip()] != ["chunked"]:
            raise Reply(
                400,
                "BadRequest",
                f"Transfer-Encoding {', '.join(encodings)!r} "
                "is not supported; send Content-Length or chunked.",
                close=True,
            )
        return read_chunked(rfile, max_body)
    if not lengths:
        return b""
    if len(set(lengths)) != 1 or not _DIGITS.fullmatch(lengths[0]):
        raise Reply(
            400,
            "BadRequest",
            f"Content-Length must be one non-negative integer, got {', '.join(lengths)[:80]!r}.",
            close=True,
        )
    length = _length(lengths[0])
    if length > max_body:
        raise too_large(length, max_body)
    body = rfile.read(length) if length else b""
    if len(body) != length:
        raise Reply(
            400,
            "BadRequest",
            f"The body ended after {len(body)} of the {length} bytes announced by Content-Length.",
            close=True,
        )
    return body


def read_chunked(rfile: BufferedIOBase, max_body: int) -> bytes:
    """A ``Transfer-Encoding: chunked`` body (RFC 9112 7.1); trailers are read and dropped."""
    parts: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(_CHUNK_LINE)
        size_text = line.split(b";", 1)[0].strip()  # chunk extensions are ignored
        if not line.endswith(b"\n") or not _CHUNK_SIZE.fullmatch(size_text):
            raise Reply(400, "BadRequest", "Malformed chunked body.", close=True)
        size = int(size_text, 16)
        if size == 0:
            break
        total += size
        if total > max_body:
            raise too_large(total, max_body)
        chunk = rfile.read(size)
        if len(chunk) != size or rfile.readline(3) not in (b"\r\n", b"\n"):
            raise Reply(400, "BadRequest", "Malformed chunked body.", close=True)
        parts.append(chunk)
    for _ in range(_MAX_TRAILERS + 1):  # trailers, up to the blank line
        line = rfile.readline(_TRAILER_LINE)
        if line in (b"\r\n", b"\n", b""):
            return b"".join(parts)
    raise Reply(400, "BadRequest", "Too many chunked trailers.", close=True)


def split_target(target: str) -> tuple[str, str]:
    """Path and raw query of a request target (origin form ``/p?q`` or absolute form).

    An origin-form target is split by hand: ``urlsplit`` would read ``//x`` as a host.
    """
    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    path = path.partition("#")[0]
    return path or "/", query.partition("#")[0]


def decode_form(raw: bytes | str, where: str) -> list[tuple[str, str]]:
    """Query or form fields, strictly: UTF-8 and well-formed percent-escapes, or a 400.

    ``raw`` as ``str`` is a request target, which ``http.server`` decoded as Latin-1.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw.encode("latin-1").decode()
    except UnicodeError:
        raise Reply(400, "InvalidParameter.Encoding", f"The {where} is not valid UTF-8.") from None
    bad = _BAD_PERCENT.search(text)
    if bad:
        raise Reply(
            400,
            "InvalidParameter.Encoding",
            f"The {where} has an invalid percent-encoding at {text[bad.start() :][:12]!r}: "
            "'%' must be followed by two hexadecimal digits (encode '%' itself as %25).",
        )
    if text.count("&") < MAX_FIELDS and _HIGH_ESCAPE.search(text) is None:
        # Every escape is of an ASCII character, so strict UTF-8 cannot fail: parse_query reads
        # it as parse_qsl does (tests/property/test_fast_parse.py), for a fraction of the cost.
        return parse_query(text)
    try:
        return parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise Reply(
            400,
            "InvalidParameter.Encoding",
            f"A percent-encoded value in the {where} is not valid UTF-8.",
        ) from None
    except ValueError as exc:
        raise Reply(400, "BadRequest", f"The {where} cannot be parsed: {exc}.") from None
