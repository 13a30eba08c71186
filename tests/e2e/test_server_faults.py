"""Transport faults (timeout, connection reset) and latency over the loopback server: the
server acts out what ``EcsApi.handle`` raises (in process: ``tests/api/test_faults.py`` and,
through both SDKs, ``tests/e2e/test_sdk_faults.py``)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from aliyunsdkecs.request.v20140526.DescribeInstancesFullStatusRequest import (
    DescribeInstancesFullStatusRequest,
)

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.network import PROXY_VARIABLES
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.simulators import HOLDING_SERVER, ONE_INSTANCE_INTERCEPTING

pytestmark = ONE_INSTANCE_INTERCEPTING


@HOLDING_SERVER
def test_server_reset_closes_the_connection(sim: EcsSimulator, server: EcsServer) -> None:
    sim.fail_next("DescribeRegions", fault="reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{server.url}/?Action=DescribeRegions", timeout=5)
    assert requests.get(f"{server.url}/?Action=DescribeRegions", timeout=5).status_code == 200
    assert [c.error_code for c in sim.calls] == ["Transport.ConnectionReset", None]
    assert server.errors == []


@HOLDING_SERVER
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


@HOLDING_SERVER
def test_server_latency(sim: EcsSimulator, server: EcsServer) -> None:
    sim.latency = "50ms"
    started = time.perf_counter()
    assert requests.get(f"{server.url}/?Action=DescribeRegions", timeout=5).status_code == 200
    assert time.perf_counter() - started >= 0.05


@HOLDING_SERVER
def test_legacy_sdk_retries_through_the_server(
    sim: EcsSimulator,
    server: EcsServer,
    backoff: list[float],
    monkeypatch: pytest.MonkeyPatch,
    acs_client: Callable[..., Any],
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    sim.fail_next("DescribeInstancesFullStatus", fault="reset")
    sim.fail_next("DescribeInstancesFullStatus", fault="timeout")
    client = acs_client("AK", "SECRET", sim.region, timeout=1)
    request = DescribeInstancesFullStatusRequest()
    request.set_endpoint(server.endpoint)
    body = json.loads(client.do_action_with_exception(request))
    assert body["TotalCount"] == 1
    assert [c.error_code for c in sim.calls] == [
        "Transport.ConnectionReset",
        "Transport.Timeout",
        None,
    ]
