"""The listener (listener.py) under load: a deep accept backlog, a connection cap answered with
503 in the API's format, and per-request deadlines that close slow clients (slowloris).

Everything is on 127.0.0.1, every loop and wait is bounded, and the numbers are small enough
for a shared CI machine.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.listener import Listener
from tests.helpers.http import ERROR_KEYS, HISTORY, assert_still_serving, drain

REQUEST = f"GET /?{HISTORY} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def conn_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("ecs-sim-conn"))


def read_answer(sock: socket.socket, timeout: float = 5.0) -> tuple[int, dict[str, object]]:
    """One whole answer off a keep-alive connection (bounded by ``timeout``)."""
    sock.settimeout(timeout)
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head, sep, body = received.partition(b"\r\n\r\n")
        if sep:
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            if len(body) >= length:
                status = int(head.split(b" ", 2)[1])
                return status, json.loads(body[:length])
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    raise AssertionError(f"no whole answer: {received[:200]!r}")


@contextlib.contextmanager
def connections(port: int, count: int) -> Iterator[list[socket.socket]]:
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        yield socks
    finally:
        for sock in socks:
            sock.close()


def wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


# ------------------------------------------------------------------------------ backlog
def test_the_backlog_is_somaxconn(sim: EcsSimulator) -> None:
    assert Listener.request_queue_size == socket.SOMAXCONN


def test_200_simultaneous_connects_all_get_answers(
    sim: EcsSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the accept loop is held up, 200 clients connect at once: every handshake completes
    in the backlog (with a backlog of 5, all but 6 wait for SYN retries), then each gets a 200."""
    gate = threading.Event()
    accept = Listener.process_request

    def held(self: Listener, request: socket.socket, address: object) -> None:
        gate.wait(10)
        accept(self, request, address)

    monkeypatch.setattr(Listener, "process_request", held)
    count = 200
    with EcsServer(sim) as srv:
        socks = [socket.socket() for _ in range(count)]
        try:
            for sock in socks:
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.1", srv.port))
            pending = set(socks)
            deadline = time.monotonic() + 1.0
            while pending and time.monotonic() < deadline:
                _, writable, _ = select.select([], list(pending), [], 0.05)
                pending -= {
                    s for s in writable if not s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                }
            assert not pending, f"{len(pending)} of {count} connects did not complete"
            gate.set()
            statuses = []
            for sock in socks:
                sock.setblocking(True)
                sock.sendall(REQUEST)
                statuses.append(read_answer(sock)[0])
            assert statuses == [200] * count
        finally:
            gate.set()
            for sock in socks:
                sock.close()
        assert srv.errors == []


# ------------------------------------------------------------------------ connection cap
@pytest.mark.parametrize("server", [{"max_connections": 4}], indirect=True)
def test_beyond_the_cap_a_clear_503(server: EcsServer) -> None:
    with connections(server.port, 4) as held:
        for sock in held:  # four keep-alive connections, each answered and left open
            sock.sendall(REQUEST)
            assert read_answer(sock)[0] == 200
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
            extra.sendall(REQUEST)
            answer = drain(extra)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 "), answer[:200]
        assert b"Connection: close" in head
        error = json.loads(body)
        assert set(error) == ERROR_KEYS
        assert error["Code"] == "ServiceUnavailable"
        assert "4 connections" in error["Message"]
        assert "max_connections" in error["Message"]
        assert conn_threads() <= 4
    # the held connections closed: their slots are free again
    wait_for(lambda: conn_threads() == 0)
    assert_still_serving(server)


@pytest.mark.parametrize("server", [{"max_connections": 8}], indirect=True)
def test_many_idle_connections_do_not_hold_many_threads(server: EcsServer) -> None:
    before = threading.active_count()
    with connections(server.port, 40) as idle:
        answered: dict[socket.socket, bytes] = {}
        deadline = time.monotonic() + 10  # the listener accepts (and refuses) them all
        while len(answered) < 32 and time.monotonic() < deadline:
            waiting = [sock for sock in idle if sock not in answered]
            readable, _, _ = select.select(waiting, [], [], 0.1)
            for sock in readable:
                answered[sock] = drain(sock)
        assert conn_threads() <= 8
        assert threading.active_count() - before <= 8 + 1  # the workers and the refuser
        late, _, _ = select.select([s for s in idle if s not in answered], [], [], 0.2)
        assert late == []  # the 8 kept connections are not answered
        assert sum(a.startswith(b"HTTP/1.1 503 ") for a in answered.values()) == 32


def test_the_cap_is_checked(sim: EcsSimulator) -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="max_connections must be a positive"):
            EcsServer(sim, max_connections=bad)  # type: ignore[arg-type]
    for name in ("header_timeout", "body_timeout", "idle_timeout"):
        with pytest.raises(ValueError, match=f"{name} must be a positive"):
            EcsServer(sim, **{name: 0})  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- deadlines
@pytest.mark.parametrize("server", [{"header_timeout": 0.4}], indirect=True)
def test_headers_sent_slowly_get_408_after_the_deadline(server: EcsServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\n")
        answer = b""
        for index in range(100):  # one header line every 50 ms, never the blank line
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable:
                answer = drain(sock)
                break
            with contextlib.suppress(OSError):
                sock.sendall(f"X-Slow-{index}: y\r\n".encode())
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["Code"] == "RequestTimeout"
    assert 0.35 < elapsed < 2.0
    assert_still_serving(server)


@pytest.mark.parametrize("server", [{"body_timeout": 0.4}], indirect=True)
def test_a_body_never_finished_gets_408_after_the_deadline(server: EcsServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nAction=")
        answer = drain(sock)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["Code"] == "RequestTimeout"
    assert "body" in body["Message"]
    assert 0.35 < elapsed < 2.0
    assert_still_serving(server)


@pytest.mark.parametrize("server", [{"idle_timeout": 0.3}], indirect=True)
def test_an_idle_connection_is_closed_after_the_idle_timeout(server: EcsServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(REQUEST)
        assert read_answer(sock)[0] == 200
        started = time.monotonic()
        assert drain(sock) == b""  # closed without an answer: nothing was asked
        assert 0.25 < time.monotonic() - started < 2.0
