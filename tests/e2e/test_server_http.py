"""The loopback server driven by real clients: both SDKs (sync and async), urllib, http.client,
TLS, keep-alive and many threads at once.

Only 127.0.0.1; every socket and response is closed; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.http import (
    HISTORY,
    assert_api_error,
    drain,
    get,
    open_json,
    post,
)
from tests.helpers.simulators import START

AK = "LTAI5tServerTestKey"
SECRET = "server-test-secret"

pytestmark = pytest.mark.ecs_sim(now=START, instances=["i-a", "i-b"])


# ---------------------------------------------------------------------- SDKs end to end
def test_legacy_sdk_through_the_fixture(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, acs_client: Callable[..., Any]
) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
        DescribeInstanceHistoryEventsRequest,
    )
    from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

    assert ecs_server.endpoint == f"127.0.0.1:{ecs_server.port}"
    assert ecs_server.url == f"http://127.0.0.1:{ecs_server.port}"
    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")
    client = acs_client(AK, SECRET, "cn-hangzhou", auto_retry=False)

    req = DescribeInstanceHistoryEventsRequest()
    req.set_endpoint(ecs_server.endpoint)
    req.set_InstanceEventCycleStatuss(["Scheduled"])
    body = json.loads(client.do_action_with_exception(req))
    [found] = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
    assert found["EventId"] == event.event_id

    reboot = RebootInstanceRequest()
    reboot.set_endpoint(ecs_server.endpoint)
    reboot.set_InstanceId("i-a")
    client.do_action_with_exception(reboot)
    assert ecs_sim.event(event.event_id).state == "Avoided"

    missing = RebootInstanceRequest()
    missing.set_endpoint(ecs_server.endpoint)
    missing.set_InstanceId("i-nope")
    with pytest.raises(ServerException) as info:
        client.do_action_with_exception(missing)
    assert info.value.get_error_code() == "InvalidInstanceId.NotFound"
    assert info.value.get_http_status() == 404 or info.value.get_http_status() == 400
    assert [c.action for c in ecs_sim.calls] == [
        "DescribeInstanceHistoryEvents",
        "RebootInstance",
        "RebootInstance",
    ]
    assert ecs_sim.calls[0].host == ecs_server.endpoint


def _new_client(endpoint: str) -> Any:
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    config = Config(
        access_key_id=AK,
        access_key_secret=SECRET,
        region_id="cn-hangzhou",
        endpoint=endpoint,
        protocol="http",
    )
    return Client(config)


def test_new_sdk_sync(ecs_sim: EcsSimulator, ecs_server: EcsServer) -> None:
    from alibabacloud_ecs20140526 import models
    from alibabacloud_tea_openapi.exceptions import ClientException

    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-b", "+1h")
    client = _new_client(ecs_server.endpoint)
    response = client.describe_instance_history_events(
        models.DescribeInstanceHistoryEventsRequest(
            region_id="cn-hangzhou", instance_event_cycle_status=["Scheduled"]
        )
    )
    assert response.status_code == 200
    events = response.body.instance_system_event_set.instance_system_event_type
    assert [e.event_id for e in events] == [event.event_id]

    with pytest.raises(ClientException) as info:
        client.reboot_instance(models.RebootInstanceRequest(instance_id="i-nope"))
    assert info.value.code == "InvalidInstanceId.NotFound"
    assert ecs_sim.calls[-1].error_code == "InvalidInstanceId.NotFound"


def test_new_sdk_async(ecs_sim: EcsSimulator, ecs_server: EcsServer) -> None:
    from alibabacloud_ecs20140526 import models

    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    client = _new_client(ecs_server.endpoint)

    async def scenario() -> list[str]:
        listed = await client.describe_instance_history_events_async(
            models.DescribeInstanceHistoryEventsRequest(
                region_id="cn-hangzhou", instance_event_cycle_status=["Scheduled"]
            )
        )
        ids = [e.event_id for e in listed.body.instance_system_event_set.instance_system_event_type]
        await client.reboot_instance_async(models.RebootInstanceRequest(instance_id="i-a"))
        return ids

    assert asyncio.run(scenario()) == [event.event_id]
    assert ecs_sim.event(event.event_id).state == "Avoided"


def test_many_async_calls_at_once(ecs_sim: EcsSimulator, ecs_server: EcsServer) -> None:
    from alibabacloud_ecs20140526 import models

    client = _new_client(ecs_server.endpoint)

    async def burst() -> list[int]:
        request = models.DescribeInstancesFullStatusRequest(region_id="cn-hangzhou")
        answers = await asyncio.gather(
            *(client.describe_instances_full_status_async(request) for _ in range(8))
        )
        return [a.status_code for a in answers]

    assert asyncio.run(burst()) == [200] * 8
    assert len(ecs_sim.calls) == 8


def test_the_proxy_trap_is_real(
    sim: EcsSimulator, monkeypatch: pytest.MonkeyPatch, acs_client: Callable[..., Any]
) -> None:
    """Why the fixture removes the proxy variables: the SDK ignores NO_PROXY."""
    from aliyunsdkcore.acs_exception.exceptions import ClientException
    from aliyunsdkecs.request.v20140526.DescribeInstancesFullStatusRequest import (
        DescribeInstancesFullStatusRequest,
    )

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("HTTP_PROXY", dead)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with EcsServer(sim) as srv:
        req = DescribeInstancesFullStatusRequest()
        req.set_endpoint(srv.endpoint)
        client = acs_client(AK, SECRET, "cn-hangzhou", auto_retry=False)
        with pytest.raises(ClientException, match=r"SDK\.HttpError"):
            client.do_action_with_exception(req)
        monkeypatch.delenv("HTTP_PROXY")
        assert json.loads(client.do_action_with_exception(req))["TotalCount"] == 2


# ------------------------------------------------------------------------- plain HTTP
def test_urllib_get_with_query(sim: EcsSimulator, server: EcsServer) -> None:
    sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    status, body = get(f"{server.url}/?{HISTORY}&InstanceEventCycleStatus.1=Scheduled")
    assert status == 200
    assert body["TotalCount"] == 1
    assert sim.calls[-1].params["InstanceEventCycleStatus.1"] == "Scheduled"


def test_urllib_post_form_body_wins_over_query(sim: EcsSimulator, server: EcsServer) -> None:
    form = b"Action=RebootInstance&InstanceId=i-b"
    status, body = post(
        f"{server.url}/?InstanceId=i-a", form, "application/x-www-form-urlencoded; charset=utf-8"
    )
    assert status == 200, body
    assert sim.calls[-1].action == "RebootInstance"
    assert sim.calls[-1].params["InstanceId"] == "i-b"
    assert sim.instance("i-b").status == "Stopping"


def test_action_from_header(sim: EcsSimulator, server: EcsServer) -> None:
    req = urllib.request.Request(
        f"{server.url}/?RegionId=cn-hangzhou",
        method="POST",
        headers={"x-acs-action": "DescribeInstancesFullStatus", "x-acs-version": "2014-05-26"},
    )
    status, body = open_json(req)
    assert status == 200, body
    assert sim.calls[-1].action == "DescribeInstancesFullStatus"


def test_api_errors_keep_their_status(server: EcsServer) -> None:
    status, body = get(f"{server.url}/?Action=NoSuchAction")
    assert_api_error(status, body, 404, "InvalidAction.NotFound")
    assert body["HostId"] == server.endpoint
    status, body = get(f"{server.url}/")
    assert_api_error(status, body, 400, "MissingParameter")


def test_keep_alive_reuses_one_connection(sim: EcsSimulator, server: EcsServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        first_socket = None
        for i in range(5):
            method = "GET" if i % 2 else "POST"
            conn.request(method, f"/?{HISTORY}")
            resp = conn.getresponse()
            assert resp.status == 200
            assert json.loads(resp.read())["RequestId"]
            assert resp.getheader("Connection") != "close"
            first_socket = first_socket or conn.sock
            assert conn.sock is first_socket  # http.client did not reconnect
        # an API error keeps the connection too
        conn.request("GET", "/?Action=Nope")
        resp = conn.getresponse()
        assert resp.status == 404
        resp.read()
        conn.request("GET", f"/?{HISTORY}")
        resp = conn.getresponse()
        assert resp.status == 200
        resp.read()
        assert conn.sock is first_socket
    finally:
        conn.close()
    assert len(sim.calls) == 7


def test_http_1_0_keep_alive(server: EcsServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        request = f"GET /?{HISTORY} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".encode()
        reader = sock.makefile("rb")
        try:
            for _ in range(2):
                sock.sendall(request)
                status_line = reader.readline()
                assert status_line.split()[1] == b"200"
                headers = {}
                for _ in range(50):
                    line = reader.readline().strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    headers[name.lower()] = value.strip()
                assert headers[b"connection"] == b"keep-alive"
                assert json.loads(reader.read(int(headers[b"content-length"])))["RequestId"]
        finally:
            reader.close()


def test_tls(sim: EcsSimulator, tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    with EcsServer(sim, certfile=str(cert), keyfile=str(key)) as srv:
        assert srv.url.startswith("https://127.0.0.1:")
        with urllib.request.urlopen(f"{srv.url}/?{HISTORY}", timeout=10, context=context) as r:
            assert r.status == 200
            assert json.loads(r.read())["RequestId"]
        # a client speaking plain http to the https port is dropped, not fatal
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
            assert drain(sock) == b""  # no answer: the handshake failed, the socket closed
        with urllib.request.urlopen(f"{srv.url}/?{HISTORY}", timeout=10, context=context) as r:
            assert r.status == 200
            r.read()
    assert srv.errors == []


def test_expect_100_continue(sim: EcsSimulator, server: EcsServer) -> None:
    body = b"Action=StopInstance&InstanceId=i-b"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        interim = sock.recv(1024)  # before sending the body: the server must answer first
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(body)
        answer = drain(sock)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert sim.instance("i-b").status == "Stopping"


# ------------------------------------------------------------------ lifecycle and load
def test_stop_closes_idle_keep_alive_connections(sim: EcsSimulator) -> None:
    srv = EcsServer(sim).start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request("GET", f"/?{HISTORY}")
        conn.getresponse().read()
        started = time.monotonic()
        srv.stop()
        assert time.monotonic() - started < 3
        assert not srv.running
        conn.request("GET", f"/?{HISTORY}")  # sent into the closed connection
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            conn.getresponse()
    finally:
        conn.close()
        srv.stop()
    srv.stop()  # idempotent
    assert srv.errors == []


def test_concurrent_clients(sim: EcsSimulator, server: EcsServer) -> None:
    failures: list[BaseException] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for _ in range(20):
                conn.request("GET", f"/?{HISTORY}")
                resp = conn.getresponse()
                resp.read()
                assert resp.status == 200
        except BaseException as exc:
            failures.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failures == []
    assert len(sim.calls) == 160


def test_plain_python_usage() -> None:
    sim = EcsSimulator(now=START, instances=["i-a"])
    with EcsServer(sim) as srv:
        status, _ = get(f"{srv.url}/?{HISTORY}")
    assert status == 200
    assert "stopped" in repr(srv)
