"""Transport faults (timeout, connection reset) and latency over the loopback server: the
server acts out what ``EcsApi.handle`` raises (in process: ``tests/api/test_faults.py``)."""

from __future__ import annotations

import json
import socket
import time
import types
from collections.abc import Iterator

import aliyunsdkcore.client
import pytest
import requests
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstancesFullStatusRequest import (
    DescribeInstancesFullStatusRequest,
)

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer


@pytest.fixture
def backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The legacy SDK's retry back-off, recorded instead of slept."""
    sleeps: list[float] = []
    monkeypatch.setattr(aliyunsdkcore.client, "time", types.SimpleNamespace(sleep=sleeps.append))
    return sleeps


@pytest.fixture
def sim() -> Iterator[EcsSimulator]:
    with EcsSimulator(now="2030-01-01T00:00:00Z", instances=["i-a"], seed=1) as simulator:
        yield simulator


# ------------------------------------------------------------------------ over the server
@pytest.fixture
def server(sim: EcsSimulator) -> Iterator[EcsServer]:
    with EcsServer(sim, timeout_hold=5.0) as running:
        yield running


def test_server_reset_closes_the_connection(sim: EcsSimulator, server: EcsServer) -> None:
    sim.fail_next("DescribeRegions", fault="reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{server.url}/?Action=DescribeRegions", timeout=5)
    assert requests.get(f"{server.url}/?Action=DescribeRegions", timeout=5).status_code == 200
    assert [c.error_code for c in sim.calls] == ["Transport.ConnectionReset", None]
    assert server.errors == []


def test_server_timeout_holds_until_the_client_gives_up(
    sim: EcsSimulator, server: EcsServer
) -> None:
    sim.fail_next("DescribeRegions", fault="timeout")
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{server.url}/?Action=DescribeRegions", timeout=(2, 0.2))
    assert requests.get(f"{server.url}/?Action=DescribeRegions", timeout=5).status_code == 200
    assert [c.error_code for c in sim.calls] == ["Transport.Timeout", None]
    assert server.errors == []


def test_server_timeout_closes_unanswered_after_the_hold(sim: EcsSimulator) -> None:
    with EcsServer(sim, timeout_hold=0.1) as server:
        sim.fail_next("DescribeRegions", fault="timeout")
        with socket.create_connection((server.host, server.port), timeout=5) as conn:
            conn.sendall(b"GET /?Action=DescribeRegions HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.recv(1024) == b""  # closed, not a byte of answer
        assert server.errors == []


def test_server_latency(sim: EcsSimulator, server: EcsServer) -> None:
    sim.latency = "50ms"
    started = time.perf_counter()
    assert requests.get(f"{server.url}/?Action=DescribeRegions", timeout=5).status_code == 200
    assert time.perf_counter() - started >= 0.05


def test_legacy_sdk_retries_through_the_server(
    sim: EcsSimulator, server: EcsServer, backoff: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    sim.fail_next("DescribeInstancesFullStatus", fault="reset")
    sim.fail_next("DescribeInstancesFullStatus", fault="timeout")
    client = AcsClient("AK", "SECRET", sim.region, timeout=1)
    request = DescribeInstancesFullStatusRequest()
    request.set_endpoint(server.endpoint)
    body = json.loads(client.do_action_with_exception(request))
    assert body["TotalCount"] == 1
    assert [c.error_code for c in sim.calls] == [
        "Transport.ConnectionReset",
        "Transport.Timeout",
        None,
    ]
