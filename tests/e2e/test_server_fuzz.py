"""Fuzzing the loopback server (issue 17): whatever reaches the control API or the framing,
the answer is a 4xx or a 2xx, never a 500, its body is the API's error format when it is an
error, and the server answers a normal call afterwards.

Bounded: a few dozen examples per property, one server per test, 127.0.0.1 only, and a
time limit on every exchange.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.routes import CONTROL_ROUTES
from pytest_ecs_events.transports.server.wallclock import WallClockFollower
from tests.helpers.http import ERROR_KEYS, HISTORY, get

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
START = "2030-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def served() -> Iterator[EcsServer]:
    """An `ecs-sim serve`-like server: wall-clock follower, reset factory, short deadlines."""
    wall = [datetime(2030, 1, 1, tzinfo=timezone.utc)]

    def factory() -> EcsSimulator:
        return EcsSimulator(now=START, instances=["i-a", "i-b"])

    sim = factory()
    follower = WallClockFollower(sim, wall=lambda: wall[0])
    with EcsServer(
        sim, clock=follower, factory=factory, header_timeout=1.0, body_timeout=1.0
    ) as server:
        server.fuzz_wall = wall  # type: ignore[attr-defined]
        yield server
    assert server.errors == []


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data``, read until the server closes or one whole answer came (bounded)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered and closed before taking it all
            pass
        received = b""
        for _ in range(200):
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
            head, sep, body = received.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
    return received


def check_answer(received: bytes) -> None:
    if not received:  # closed unanswered: only when the server never saw a request start
        return
    head, _, body = received.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0]
    assert status_line.startswith((b"HTTP/1.0 ", b"HTTP/1.1 ")), received[:200]
    status = int(status_line.split()[1])
    assert status < 500, received[:500]
    if status >= 400:  # the first answer only (a pipelined second one may follow)
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        error = json.loads(body[:length])
        assert set(error) == ERROR_KEYS, error
        assert error["Code"], error


def still_serving(server: EcsServer) -> None:
    status, body = get(f"{server.url}/?{HISTORY}")
    assert status == 200, body


# ------------------------------------------------------------------------- control API
#: The bodies issue 17 found (each was a 500 or wedged the clock), so that every run tries them.
HOSTILE = [
    b'{"to": "8999-12-31T23:59:59Z"}',
    b'{"to": "9999-12-31T23:59:59Z"}',
    b'{"by": "100000000d"}',
    b'{"by": 1e300}',
    b"[" * 50_000 + b"]" * 50_000,
    b'{"tags": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_001,
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "2h",
            "+1h",
            "-1h",
            "PT2H",
            "9999w",
            "8999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59+14:00",
            "i-a",
            "SystemMaintenance.Reboot",
            "Inquiring",
            "1e400",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
field_names = st.sampled_from(
    ["by", "to", "instance_id", "instance_ids", "event_type", "not_before", "state", "reason",
     "simulated", "name", "region", "zone", "status", "tags", "action", "x"]
)  # fmt: skip
bodies = (
    st.dictionaries(field_names, json_values, max_size=4).map(lambda d: json.dumps(d).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=64)
    | st.integers(min_value=1, max_value=30_000).map(lambda n: b"[" * n + b"]" * n)
    | st.sampled_from(HOSTILE)
)
paths = st.sampled_from(sorted({p for _, p in CONTROL_ROUTES} | {"/_sim", "/_sim/nope"}))


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT"]),
    path=paths,
    body=bodies,
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
    ),
    query=st.sampled_from(["", "?state=Scheduled", "?by=2h", "?x=%zz", "?to=%ff"]),
    tick=st.integers(min_value=0, max_value=3600),
)
def test_the_control_api_answers_4xx_never_500(
    served: EcsServer,
    method: str,
    path: str,
    body: bytes,
    content_type: str,
    query: str,
    tick: int,
) -> None:
    served.fuzz_wall[0] += timedelta(seconds=tick)  # type: ignore[attr-defined]
    head = f"{method} {path}{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    check_answer(exchange(served.port, head.encode() + body))
    still_serving(served)


# ---------------------------------------------------------------------------- framing
header_values = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=6000),
    st.sampled_from(
        ["-5", "five", "1e3", "+5", " 7 ", "0x10", "", "\u00b2", "5, 5", "5,6", "9" * 5000]
    ),
)
lines = st.lists(
    st.one_of(
        st.tuples(st.just("Content-Length"), header_values),
        st.tuples(st.sampled_from(["Transfer-Encoding"]),
                  st.sampled_from(["chunked", "gzip", "chunked, gzip", "identity", ""])),
        st.tuples(st.sampled_from(["Expect"]), st.sampled_from(["100-continue", "nothing"])),
        st.tuples(st.text(alphabet="abcXYZ-:", min_size=0, max_size=10), st.text(max_size=20)),
    ),
    max_size=4,
)  # fmt: skip


@FUZZ
@given(
    request_line=st.one_of(
        st.sampled_from(
            [
                "POST / HTTP/1.1",
                "POST /_sim/advance HTTP/1.1",
                "GET /_sim/events HTTP/1.0",
                "POST /_sim/events HTTP/1.1",
                "GET / HTTP/2.0",
                "GARBAGE",
                "POST  HTTP/1.1",
                "GET /?Action=DescribeRegions HTTP/1.1",
            ]
        ),
        st.text(max_size=40).map(lambda t: t.replace("\r", "").replace("\n", "")),
    ),
    headers=lines,
    body=st.binary(max_size=200),
)
def test_the_framing_answers_4xx_never_500(
    served: EcsServer, request_line: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    head = request_line + "\r\n"
    for name, value in headers:
        head += f"{name}: {value}".replace("\r", "").replace("\n", "") + "\r\n"
    data = head.encode("utf-8", "replace") + b"\r\n" + body
    check_answer(exchange(served.port, data))
    still_serving(served)


def test_the_fuzzed_server_resets_cleanly(served: EcsServer) -> None:
    """After everything above (including advances to the far future), reset still works."""
    answer = exchange(
        served.port,
        b"POST /_sim/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), answer[:300]
    fresh: dict[str, Any] = json.loads(body)
    assert fresh["instances"] == ["i-a", "i-b"]
    still_serving(served)
