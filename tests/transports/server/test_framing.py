"""Reading a request off the socket (framing.py): Content-Length, chunked bodies, limits,
percent-encoding and UTF-8; every malformed request gets a 4xx in the API's error format.

The first tests send raw bytes to a running server; the rest call the readers directly.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Callable
from email.message import Message

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.framing import (
    DEFAULT_MAX_BODY,
    announced_length,
    decode_form,
    media_type,
    read_body,
    read_chunked,
    split_target,
)
from pytest_ecs_events.transports.server.replies import Reply
from tests.helpers.http import assert_api_error, assert_still_serving, post, raw_exchange

MALFORMED = [
    pytest.param(b"GARBAGE\r\n\r\n", 400, "BadRequest", id="garbage-request-line"),
    pytest.param(b"\x00\xff\xfe junk \x01\r\n\r\n", 400, "BadRequest", id="binary-request-line"),
    pytest.param(b"GET / HTTP/2.0\r\n\r\n", 400, "BadRequest", id="http2-version"),
    pytest.param(b"GET /\r\n\r\n", 400, "BadRequest", id="http-0.9"),
    pytest.param(
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        414,
        "RequestURITooLong",
        id="huge-request-line",
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
        431,
        "RequestHeaderFieldsTooLarge",
        id="huge-header",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\nAction=x",
        413,
        "RequestEntityTooLarge",
        id="huge-content-length",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
        413,
        "RequestEntityTooLarge",
        id="content-length-of-5000-digits",
    ),
    pytest.param(
        b"POST /_sim/advance HTTP/1.1\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
        413,
        "RequestEntityTooLarge",
        id="content-length-of-5000-digits-to-the-control-api",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nContent-Length: " + b"9" * 5000 + b"\r\nExpect: 100-continue\r\n\r\n",
        413,
        "RequestEntityTooLarge",
        id="content-length-of-5000-digits-expecting-100-continue",
    ),
    pytest.param(
        b"POST /_sim/advance HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        400,
        "BadRequest",
        id="negative-content-length-to-the-control-api",
    ),
    pytest.param(
        b"POST /_sim/advance HTTP/1.1\r\nContent-Length: five\r\n\r\n",
        400,
        "BadRequest",
        id="non-numeric-content-length-to-the-control-api",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        400,
        "BadRequest",
        id="negative-content-length",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n",
        400,
        "BadRequest",
        id="non-integer-content-length",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400,
        "BadRequest",
        id="two-content-lengths",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nContent-Length: 20\r\nConnection: close\r\n\r\nshort",
        400,
        "BadRequest",
        id="body-shorter-than-content-length",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        400,
        "BadRequest",
        id="unknown-transfer-encoding",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        400,
        "BadRequest",
        id="bad-chunk",
    ),
    pytest.param(
        b"GET /?Action=%zzDescribe HTTP/1.1\r\nConnection: close\r\n\r\n",
        400,
        "InvalidParameter.Encoding",
        id="bad-percent-encoding",
    ),
    pytest.param(
        b"GET /?Action=%ff%fe HTTP/1.1\r\nConnection: close\r\n\r\n",
        400,
        "InvalidParameter.Encoding",
        id="percent-encoded-invalid-utf8",
    ),
    pytest.param(
        b"GET /?Action=\xff\xfe HTTP/1.1\r\nConnection: close\r\n\r\n",
        400,
        "InvalidParameter.Encoding",
        id="raw-invalid-utf8",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 4\r\nConnection: close\r\n\r\n\xff\xfe\xfd\xfc",
        400,
        "InvalidParameter.Encoding",
        id="garbage-form-body",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Length: 4\r\nConnection: close\r\n\r\n\x00\x01\x02\x03",
        400,
        "MissingParameter",
        id="garbage-binary-body",
    ),
]


@pytest.mark.parametrize(("data", "status", "code"), MALFORMED)
def test_malformed_requests_get_api_errors(
    server: EcsServer, data: bytes, status: int, code: str
) -> None:
    answer_status, body = raw_exchange(server.port, data)
    assert_api_error(answer_status, body, status, code)
    assert_still_serving(server)


def test_body_over_the_cap_is_413(sim: EcsSimulator) -> None:
    with EcsServer(sim, max_body=1024) as srv:
        status, body = post(
            f"{srv.url}/",
            b"Action=RebootInstance&InstanceId=i-a&Pad=" + b"x" * 2000,
            "application/x-www-form-urlencoded",
        )
        assert_api_error(status, body, 413, "RequestEntityTooLarge")
        assert "1024" in body["Message"]
        assert_still_serving(srv)
        # Expect: 100-continue with a body over the cap: 413 before any body is sent
        answer = raw_exchange(
            srv.port,
            b"POST / HTTP/1.1\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n",
        )
        assert_api_error(*answer, 413, "RequestEntityTooLarge")
    assert sim.calls[-1].action == "DescribeInstanceHistoryEvents"
    assert not any(c.action == "RebootInstance" for c in sim.calls)


def test_a_client_that_hangs_up_is_not_an_error(server: EcsServer) -> None:
    for data in (b"", b"GET / HT", b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nab"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(data)
    assert_still_serving(server)
    assert server.errors == []


def test_chunked_form_body(sim: EcsSimulator, server: EcsServer) -> None:
    body = b"Action=StopInstance&InstanceId=i-a"
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:]))
    request = (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
        + chunks
        + b"0\r\n\r\n"
    )
    status, answer = raw_exchange(server.port, request)
    assert status == 200, answer
    assert sim.instance("i-a").status == "Stopping"


# ------------------------------------------------------------------------ the readers
def headers(*pairs: tuple[str, str]) -> Message:
    message = Message()
    for name, value in pairs:
        message[name] = value
    return message


def refused(call: Callable[..., object], *args: object) -> Reply:
    with pytest.raises(Reply) as raised:
        call(*args)
    return raised.value


def test_content_length_body() -> None:
    rfile = io.BytesIO(b"Action=X&more-of-the-next-request")
    assert read_body(rfile, headers(("Content-Length", "8")), 100) == b"Action=X"
    assert rfile.read() == b"&more-of-the-next-request"  # nothing read past the body
    assert read_body(io.BytesIO(b"ignored"), headers(), 100) == b""
    assert read_body(io.BytesIO(b""), headers(("Content-Length", "0")), 100) == b""
    # a repeated but equal Content-Length is one length
    repeated = headers(("Content-Length", "2"), ("Content-Length", "2"))
    assert read_body(io.BytesIO(b"ab"), repeated, 100) == b"ab"


@pytest.mark.parametrize(
    ("pairs", "data", "status"),
    [
        ([("Content-Length", "5"), ("Transfer-Encoding", "chunked")], b"", 400),
        ([("Transfer-Encoding", "gzip, chunked")], b"", 400),
        ([("Content-Length", "+5")], b"abcde", 400),
        ([("Content-Length", "\u00b2")], b"ab", 400),  # a digit to str.isdigit, not to HTTP
        ([("Content-Length", "101")], b"", 413),
        ([("Content-Length", "5")], b"abc", 400),
    ],
)
def test_content_length_refusals_close_the_connection(
    pairs: list[tuple[str, str]], data: bytes, status: int
) -> None:
    reply = refused(read_body, io.BytesIO(data), headers(*pairs), 100)
    assert reply.status == status
    assert reply.close


def test_chunked_body() -> None:
    wire = (
        b"4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT"
    )
    rfile = io.BytesIO(wire)
    assert read_chunked(rfile, 100) == b"Wikipedia in\r\n\r\nchunks."
    assert rfile.read() == b"NEXT"
    chunked = headers(("Transfer-Encoding", "Chunked"))
    assert read_body(io.BytesIO(b"1\n!\n0\n\n"), chunked, 100) == b"!"  # bare LF is tolerated


@pytest.mark.parametrize(
    ("wire", "status"),
    [
        (b"zz\r\n", 400),
        (b"-1\r\n", 400),
        (b"123456789\r\n", 400),  # more than 8 hex digits
        (b"4\r\nWik", 400),  # the chunk ends early
        (b"4\r\nWikiXX0\r\n\r\n", 400),  # no CRLF after the chunk
        (b"4", 400),  # no line end
        (b"40\r\n" + b"x" * 64 + b"\r\n0\r\n\r\n", 413),  # over the cap of 50
        (b"0\r\n" + b"X: 1\r\n" * 101, 400),  # too many trailers
    ],
)
def test_malformed_chunked_bodies(wire: bytes, status: int) -> None:
    reply = refused(read_chunked, io.BytesIO(wire), 50)
    assert (reply.status, reply.close) == (status, True)


def test_lengths_of_any_number_of_digits() -> None:
    """Python refuses to read an int of more than 4300 digits: such a length is just too large,
    and leading zeros do not count."""
    huge = "9" * 5000
    assert refused(read_body, io.BytesIO(b""), headers(("Content-Length", huge)), 100).status == 413
    assert announced_length(headers(("Content-Length", huge))) == 10**19
    padded = "0" * 5000 + "5"
    assert read_body(io.BytesIO(b"abcde"), headers(("Content-Length", padded)), 100) == b"abcde"
    assert announced_length(headers(("Content-Length", padded))) == 5


def test_announced_length_for_expect_100() -> None:
    assert announced_length(headers(("Content-Length", " 42 "))) == 42
    assert announced_length(headers()) is None
    assert announced_length(headers(("Content-Length", "4x"))) is None
    assert announced_length(headers(("Content-Length", "1"), ("Content-Length", "1"))) is None


def test_split_target() -> None:
    assert split_target("/?Action=X#frag") == ("/", "Action=X")
    assert split_target("/_sim/events?state=Scheduled") == ("/_sim/events", "state=Scheduled")
    assert split_target("") == ("/", "")
    assert split_target("http://127.0.0.1:8080/?Action=X") == ("/", "Action=X")
    assert split_target("https://host") == ("/", "")
    assert split_target("//double/slash?q=1") == ("//double/slash", "q=1")  # not a host


def test_decode_form() -> None:
    assert decode_form("Action=X&Empty=&Tag.1=%E4%BD%A0", "query string") == [
        ("Action", "X"),
        ("Empty", ""),
        ("Tag.1", "\u4f60"),
    ]
    # http.server hands the target over as Latin-1: raw UTF-8 bytes come back whole
    assert decode_form("N=\u00e4\u00bd\u00a0", "query string") == [("N", "\u4f60")]
    assert decode_form(b"A=1+2", "form body") == [("A", "1 2")]
    for raw, code in [
        ("A=%zz", "InvalidParameter.Encoding"),
        ("A=%f", "InvalidParameter.Encoding"),
        ("A=%ff", "InvalidParameter.Encoding"),
        (b"\xff", "InvalidParameter.Encoding"),
        ("&".join(["a=1"] * 10_001), "BadRequest"),  # more fields than MAX_FIELDS
    ]:
        reply = refused(decode_form, raw, "query string")
        assert (reply.status, reply.code) == (400, code)
        assert not reply.close  # the framing is sound: the connection is kept


def test_limits_and_media_type() -> None:
    assert DEFAULT_MAX_BODY == 1 << 20
    assert media_type("Application/X-WWW-Form-Urlencoded; charset=utf-8") == (
        "application/x-www-form-urlencoded"
    )
    assert media_type("") == ""
