"""The server's own reading of a request: its line and headers (``framing.parse_head``, used
by ``RequestHandler._parse_head``) decide what ``http.server``'s ``parse_request`` (and its
email parser) decides, on any input: the same method, target, version, headers (the same
``HTTPMessage``), keep-alive, ``100 Continue`` and bytes consumed; what it does not read
itself it hands to ``parse_request``. ``decode_form`` reads a query or form as ``parse_qsl``
(strict UTF-8, field limit) does, refusals included."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.transports.server.framing import MAX_FIELDS, decode_form, parse_head
from pytest_ecs_events.transports.server.handler import RequestHandler
from pytest_ecs_events.transports.server.replies import Reply


class _Probe(RequestHandler):
    """A handler without a socket: the request comes from bytes, answers are recorded."""

    def __init__(self, line: bytes, rest: bytes) -> None:
        self.raw_requestline = line
        self.rfile = io.BufferedReader(io.BytesIO(rest))  # type: ignore[arg-type]
        self.wfile = io.BytesIO()
        self.replies: list[Any] = []

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.replies.append((code, message, explain))

    def handle_expect_100(self) -> bool:
        self.replies.append("100 Continue")
        return True


def _outcome(probe: _Probe, ok: bool) -> tuple[Any, ...]:
    headers = getattr(probe, "headers", None)
    return (
        ok,
        probe.command,
        getattr(probe, "path", None),
        probe.request_version,
        probe.requestline,
        probe.close_connection,
        probe.replies,
        # (defects compare by type: each parse makes its own)
        None if headers is None else {**vars(headers), "defects": list(map(type, headers.defects))},
        probe.rfile.tell(),
    )


def _check(line: bytes, rest: bytes) -> bool:
    """Both routes on the same bytes; True when the fast one read the head itself."""
    ours, theirs = _Probe(line, rest), _Probe(line, rest)
    ok = ours._parse_head()
    expected = _outcome(theirs, bool(theirs.parse_request()))
    assert _outcome(ours, ok) == expected
    if ours._lowered is not None:
        assert ours._lowered == {k.lower(): v for k, v in theirs.headers.items()}
    return ours._lowered is not None


methods = st.sampled_from(["GET", "POST", "HEAD", "get", "G3T", "", "GET\x85"])
targets = st.sampled_from(["/", "/?Action=DescribeInstanceStatus&RegionId=cn-hangzhou",
                           "//x", "///a", "http://h/p?q", "/a%20b", "/\x85", "/\xe9", "/#f",
                           ""])  # fmt: skip
versions = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/01.1", "HTTP/2.0", "HTTP/1.1.1",
                            "http/1.1", "HTTP/1.x", "HTTP/0.9", ""])  # fmt: skip
gaps = st.sampled_from([" ", " ", " ", "  ", "\t", "\x0b"])
line_ends = st.sampled_from(["\r\n", "\r\n", "\r\n", "\n", "", " \r\n"])
names = st.sampled_from(["Host", "Connection", "connection", "Expect", "Content-Length",
                         "Transfer-Encoding", "x-acs-action", "From", "", " Folded",
                         "\tFolded", "Bad Name", "X_Y", "Content-Type"])  # fmt: skip
colons = st.sampled_from([":", ": ", ":\t ", ":  ", "", "::"])
values = st.sampled_from(["close", "Close", "keep-alive", "Keep-Alive", "100-continue",
                          "100-Continue", "127.0.0.1:8080", "x y ", " ", "", "\x85", "\xe9",
                          "\x0b", "\x0c", "\x1c", "a\rb", "a\nb", "\x00",
                          "application/x-www-form-urlencoded"])  # fmt: skip


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, bytes]:
    line = (
        draw(methods) + draw(gaps) + draw(targets) + draw(gaps) + draw(versions) + draw(line_ends)
    )
    fields = draw(st.lists(st.tuples(names, colons, values, line_ends).map("".join), max_size=8))
    blank = draw(st.sampled_from(["\r\n", "\r\n", "\n", ""]))
    after = draw(st.sampled_from(["", "GET / HTTP/1.1\r\n\r\n", "\r\n", "body"]))
    return line.encode("latin-1"), ("".join(fields) + blank + after).encode("latin-1")


@settings(max_examples=1500, deadline=None)
@given(requests())
def test_head_is_read_as_parse_request_reads_it(request: tuple[bytes, bytes]) -> None:
    _check(*request)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=40), st.binary(max_size=200))
def test_any_bytes_are_read_as_parse_request_reads_them(line: bytes, rest: bytes) -> None:
    _check(line, rest)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=95, max_value=105))
def test_the_header_count_limit_is_parse_requests(count: int) -> None:
    rest = b"".join(b"X-%d: v\r\n" % n for n in range(count)) + b"\r\n"
    assert _check(b"GET / HTTP/1.1\r\n", rest) == (count < 100)  # the blank line counts


def test_what_clients_send_is_read_by_the_fast_route() -> None:
    line = b"GET /?Action=DescribeInstanceStatus&RegionId=cn-hangzhou HTTP/1.1\r\n"
    rest = (
        b"Host: 127.0.0.1:8080\r\nAccept-Encoding: identity\r\nx-acs-action: Describe\r\n"
        b"Connection: keep-alive\r\n\r\nGET / HTTP/1.1\r\n"
    )
    assert _check(line, rest)
    assert _check(b"POST / HTTP/1.0\r\n", b"Content-Length: 3\r\nExpect: 100-continue\r\n\r\nabc")
    assert _check(b"GET / HTTP/1.1\r\n", b"\r\n")
    head = parse_head(line, rest)
    assert head is not None
    assert head.size == len(rest) - len(b"GET / HTTP/1.1\r\n")
    assert head.headers["host"] == "127.0.0.1:8080"


def test_what_the_fast_route_does_not_read_goes_to_parse_request() -> None:
    assert not _check(b"GET //etc HTTP/1.1\r\n", b"\r\n")  # http.server rewrites // paths
    assert not _check(b"GET / HTTP/1.1\r\n", b"Host: a\r\n folded\r\n\r\n")
    assert not _check(b"GET / HTTP/1.1\r\n", b"Host: a\n\n")
    assert not _check(b"GET / HTTP/1.1\r\n", b"Host: a\r\n")  # the head is not all here yet


def _decode_form_by_parse_qsl(raw: bytes | str, where: str) -> list[tuple[str, str]]:
    """``decode_form`` as it was before its parse_query route: parse_qsl, strict, always."""
    from urllib.parse import parse_qsl

    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw.encode("latin-1").decode()
    except UnicodeError:
        raise Reply(400, "InvalidParameter.Encoding", f"The {where} is not valid UTF-8.") from None
    bad = re.search(r"%(?![0-9A-Fa-f]{2})", text)
    if bad:
        raise Reply(
            400,
            "InvalidParameter.Encoding",
            f"The {where} has an invalid percent-encoding at {text[bad.start() :][:12]!r}: "
            "'%' must be followed by two hexadecimal digits (encode '%' itself as %25).",
        )
    try:
        return parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict",
            max_num_fields=MAX_FIELDS,
        )  # fmt: skip
    except UnicodeDecodeError:
        raise Reply(
            400, "InvalidParameter.Encoding",
            f"A percent-encoded value in the {where} is not valid UTF-8.",
        ) from None  # fmt: skip
    except ValueError as exc:
        raise Reply(400, "BadRequest", f"The {where} cannot be parsed: {exc}.") from None


def _outcome_of(
    decode: Callable[[bytes | str, str], list[tuple[str, str]]], raw: bytes | str
) -> Any:
    try:
        return decode(raw, "form body")
    except Reply as reply:
        return (reply.status, reply.code, reply.message)


def _same_reading(raw: bytes | str) -> Any:
    outcome = _outcome_of(decode_form, raw)
    assert outcome == _outcome_of(_decode_form_by_parse_qsl, raw)
    return outcome


form_pieces = st.sampled_from(["Action", "=", "&", "&&", "DescribeInstanceStatus", "%3A",
                               "%3a", "%2B", "%25", "%7E", "%7f", "%80", "%C3%A9", "%c3",
                               "%e4%b8%ad", "%", "%4", "%G1", "+", "a", "9", "é", "\x85", "中",
                               "=="])  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(form_pieces, max_size=30).map("".join), st.booleans())
def test_decode_form_reads_as_parse_qsl(text: str, as_body: bool) -> None:
    raw: bytes | str = text.encode() if as_body else text.encode("utf-8").decode("latin-1")
    _same_reading(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60))
def test_decode_form_reads_any_body_as_parse_qsl(raw: bytes) -> None:
    _same_reading(raw)


def test_decode_form_keeps_the_field_limit() -> None:
    assert len(_same_reading("a&" * (MAX_FIELDS - 1))) == MAX_FIELDS - 1
    assert _same_reading("a&" * MAX_FIELDS)[1] == "BadRequest"
    assert _same_reading("%41&" * MAX_FIELDS)[1] == "BadRequest"
    assert _same_reading("Action=Describe%3A&Time=2024-01-01T00%3A00%3A00Z") == [
        ("Action", "Describe:"),
        ("Time", "2024-01-01T00:00:00Z"),
    ]


class _Writer(RequestHandler):
    """A handler writing its answer's head into memory."""

    def __init__(self, version: str, closing: bool, queued: list[bytes]) -> None:
        self.request_version = version
        self.close_connection = closing
        self.wfile = io.BytesIO()
        self._headers_buffer = list(queued)


def _head_written(write: Callable[[_Writer], None], *setup: Any) -> Any:
    writer = _Writer(*setup)
    try:
        write(writer)
    except UnicodeEncodeError:
        return "UnicodeEncodeError", writer.close_connection
    writer.flush_headers()  # nothing left: both ways leave an empty queue
    return writer.wfile.getvalue(), writer.close_connection


field_names = st.sampled_from(["Content-Type", "Content-Length", "Connection", "connection",
                               "x-acs-request-id", "Retry-After", "Allow"])  # fmt: skip
field_values = st.sampled_from(["close", "Close", "keep-alive", "KEEP-ALIVE", "0", "",
                                "application/json;charset=utf-8", "\xe9", "\u4e2d"])  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from([100, 200, 400, 404, 405, 408, 413, 431, 500, 503, 299, 599]),
    st.lists(st.tuples(field_names, field_values), max_size=6),
    st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/0.9"]),
    st.booleans(),
    st.sampled_from([[], [b"HTTP/1.1 100 Continue\r\n", b"\r\n"]]),
)
def test_answer_head_is_what_send_response_and_send_header_write(
    status: int, fields: list[tuple[str, str]], version: str, closing: bool, queued: list[bytes]
) -> None:
    def long_way(writer: _Writer) -> None:
        writer.send_response(status)
        for name, value in fields:
            writer.send_header(name, value)
        writer.end_headers()

    def ours(writer: _Writer) -> None:
        writer._write_head(status, list(fields))

    setup = (version, closing, queued)
    while True:  # the Date line has whole seconds: both heads written within one
        second = int(time.time())
        expected = _head_written(long_way, *setup)
        written = _head_written(ours, *setup)
        if int(time.time()) == second:
            break
    assert written == expected
