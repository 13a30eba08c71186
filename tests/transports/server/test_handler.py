"""One connection's request loop (handler.py): every refusal in the API's error format, an
exception inside a handler answered with InternalError and recorded, the access log."""

from __future__ import annotations

import http.client
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.access import AccessRecord
from tests.helpers.http import (
    HISTORY,
    assert_api_error,
    assert_still_serving,
    get,
    raw_exchange,
)


def test_handler_exception_is_answered_and_recorded(
    sim: EcsSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: Any) -> Any:
        raise RuntimeError("boom")

    with EcsServer(sim) as srv:
        monkeypatch.setattr(sim, "handle", broken)
        status, body = get(f"{srv.url}/?{HISTORY}")
        assert_api_error(status, body, 500, "InternalError")
        assert "RuntimeError: boom" in body["Message"]
        monkeypatch.undo()
        assert_still_serving(srv)
    assert [type(e) for e in srv.errors] == [RuntimeError]


def test_access_log(sim: EcsSimulator) -> None:
    records: list[AccessRecord] = []
    with EcsServer(sim, access_log=records.append) as srv:
        get(f"{srv.url}/?{HISTORY}")
        get(f"{srv.url}/?Action=Nope")
        raw_exchange(srv.port, b"GARBAGE\r\n\r\n")
    assert [(r.action, r.status, r.code) for r in records] == [
        ("DescribeInstanceHistoryEvents", 200, None),
        ("Nope", 404, "InvalidAction.NotFound"),
        ("", 400, "BadRequest"),
    ]
    line = records[0].line()
    assert " GET DescribeInstanceHistoryEvents 200 - " in line


def test_the_access_log_names_each_service(sim: EcsSimulator) -> None:
    records: list[AccessRecord] = []
    with EcsServer(sim, access_log=records.append) as srv:
        get(f"{srv.url}/_sim/clock")
        raw_exchange(srv.port, b"DELETE / HTTP/1.1\r\nConnection: close\r\n\r\n")
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        try:
            conn.request("GET", "/i-a/latest/meta-data/instance-id")
            assert conn.getresponse().read() == b"i-a"
        finally:
            conn.close()
    assert [(r.method, r.path, r.action, r.status) for r in records] == [
        ("GET", "/_sim/clock", "/_sim/clock", 200),
        ("DELETE", "/", "", 405),
        ("GET", "/i-a/latest/meta-data/instance-id", "/i-a/latest/meta-data/instance-id", 200),
    ]
    assert all(r.client == "127.0.0.1" and r.duration >= 0 for r in records)


def test_a_broken_access_log_is_recorded_not_fatal(sim: EcsSimulator) -> None:
    def broken(record: AccessRecord) -> None:
        raise OSError("disk full")

    with EcsServer(sim, access_log=broken) as srv:
        assert_still_serving(srv)
    assert [str(e) for e in srv.errors] == ["disk full"]


def test_head_on_the_api_is_refused_with_allow(server: EcsServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("HEAD", f"/?{HISTORY}")
        resp = conn.getresponse()
        resp.read()
        assert (resp.status, resp.getheader("Allow")) == (405, "GET, POST")
    finally:
        conn.close()
