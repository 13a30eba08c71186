"""The loopback HTTP server: both SDKs, plain HTTP, keep-alive, malformed requests, control API.

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
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.network import is_loopback
from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.access import AccessRecord
from pytest_ecs_events.transports.server.wallclock import WallClockFollower

AK = "LTAI5tServerTestKey"
SECRET = "server-test-secret"
START = "2030-01-01T00:00:00Z"
HISTORY = "Action=DescribeInstanceHistoryEvents&RegionId=cn-hangzhou"
ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}
UTC = timezone.utc

pytestmark = pytest.mark.ecs_sim(now=START, instances=["i-a", "i-b"])


# ------------------------------------------------------------------------------ helpers
@pytest.fixture
def sim() -> EcsSimulator:
    return EcsSimulator(now=START, instances=["i-a", "i-b"])


@pytest.fixture
def server(sim: EcsSimulator) -> Iterator[EcsServer]:
    with EcsServer(sim) as srv:
        yield srv
    assert srv.errors == []


def get(url: str) -> tuple[int, dict[str, Any]]:
    """GET (or POST with ``data``) with urllib; the status and the JSON body, errors too."""
    return _open(urllib.request.Request(url))


def post(url: str, data: bytes, content_type: str = "application/json") -> tuple[int, Any]:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    return _open(req)


def _open(req: urllib.request.Request) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def raw_exchange(port: int, data: bytes, *, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    """Send raw bytes, read until the server closes or one whole answer came; parse it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # nothing more is coming: a short body ends here
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            head, sep, body = received.partition(b"\r\n\r\n")
            if sep:
                length = _content_length(head)
                if length is not None and len(body) >= length:
                    break
    head, _, body = received.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    assert status_line.startswith("HTTP/1."), received[:200]
    return int(status_line.split()[1]), json.loads(body)


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def assert_api_error(status: int, body: dict[str, Any], expected_status: int, code: str) -> None:
    assert status == expected_status, body
    assert set(body) == ERROR_KEYS, body
    assert body["Code"] == code, body
    assert body["Message"], body
    assert "Traceback" not in body["Message"]


def assert_still_serving(server: EcsServer) -> None:
    status, body = get(f"{server.url}/?{HISTORY}")
    assert status == 200, body
    assert "RequestId" in body


# ---------------------------------------------------------------------- SDKs end to end
def test_legacy_sdk_through_the_fixture(ecs_sim: EcsSimulator, ecs_server: EcsServer) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
        DescribeInstanceHistoryEventsRequest,
    )
    from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

    assert ecs_server.endpoint == f"127.0.0.1:{ecs_server.port}"
    assert ecs_server.url == f"http://127.0.0.1:{ecs_server.port}"
    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")
    client = AcsClient(AK, SECRET, "cn-hangzhou", auto_retry=False)

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
    status, body = _open(req)
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
            assert _drain(sock) == b""  # no answer: the handshake failed, the socket closed
        with urllib.request.urlopen(f"{srv.url}/?{HISTORY}", timeout=10, context=context) as r:
            assert r.status == 200
            r.read()
    assert srv.errors == []


# ---------------------------------------------------------------------- malformed HTTP
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
    pytest.param(
        b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n",
        404,
        "InvalidPath.NotFound",
        id="unknown-path",
    ),
    pytest.param(
        b"GET /_sim/nope HTTP/1.1\r\nConnection: close\r\n\r\n",
        404,
        "InvalidPath.NotFound",
        id="unknown-control-path",
    ),
    pytest.param(
        b"DELETE / HTTP/1.1\r\nConnection: close\r\n\r\n", 405, "UnsupportedHTTPMethod", id="delete"
    ),
    pytest.param(
        b"BREW / HTTP/1.1\r\nConnection: close\r\n\r\n",
        405,
        "UnsupportedHTTPMethod",
        id="unknown-method",
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


# --------------------------------------------------------------- errors in handler threads
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


def test_fixture_fails_the_test_on_server_errors(ecs_pytester: pytest.Pytester) -> None:
    pytester = ecs_pytester
    pytester.makepyfile(
        """
        import urllib.request, urllib.error

        def test_broken(ecs_sim, ecs_server, monkeypatch):
            def broken(request):
                raise RuntimeError("kaput")
            monkeypatch.setattr(ecs_sim, "handle", broken)
            try:
                urllib.request.urlopen(ecs_server.url + "/?Action=X", timeout=10).close()
            except urllib.error.HTTPError as exc:
                exc.close()
                assert exc.code == 500
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*HTTP server met 1 error*RuntimeError: kaput*"])


def test_fixture_ignores_the_proxy_variables(
    ecs_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester = ecs_pytester
    # a dead proxy: nothing listens on this port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    pytester.makepyfile(
        """
        import json, os
        import pytest
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkecs.request.v20140526.DescribeInstancesFullStatusRequest import (
            DescribeInstancesFullStatusRequest,
        )

        @pytest.mark.ecs_sim(instances=["i-a"])
        def test_legacy(ecs_server):
            assert "HTTP_PROXY" not in os.environ and "https_proxy" not in os.environ
            req = DescribeInstancesFullStatusRequest()
            req.set_endpoint(ecs_server.endpoint)
            client = AcsClient("AK", "SECRET", "cn-hangzhou", auto_retry=False)
            body = json.loads(client.do_action_with_exception(req))
            assert body["TotalCount"] == 1

        def test_new_sdk(ecs_server):
            from alibabacloud_ecs20140526.client import Client
            from alibabacloud_ecs20140526 import models
            from alibabacloud_tea_openapi.models import Config
            client = Client(Config(access_key_id="AK", access_key_secret="S",
                                   region_id="cn-hangzhou", endpoint=ecs_server.endpoint,
                                   protocol="http"))
            request = models.DescribeInstancesFullStatusRequest(region_id="cn-hangzhou")
            assert client.describe_instances_full_status(request).status_code == 200
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    import os

    assert os.environ["HTTP_PROXY"] == dead  # restored after the inner test


# ------------------------------------------------------------------------- control API
def test_control_api_round_trip(sim: EcsSimulator, server: EcsServer) -> None:
    base = f"{server.url}/_sim"
    status, body = post(f"{base}/instances", b'{"instance_id": "i-c", "tags": {"t": "v"}}')
    assert status == 200, body
    assert body["instance"] == {
        "instance_id": "i-c",
        "region": "cn-hangzhou",
        "zone": body["instance"]["zone"],
        "name": body["instance"]["name"],
        "status": "Running",
        "tags": {"t": "v"},
    }
    status, body = post(
        f"{base}/events",
        json.dumps(
            {
                "simulated": True,
                "event_type": "SystemMaintenance.Reboot",
                "instance_ids": ["i-a", "i-c"],
                "not_before": "+2h",
            }
        ).encode(),
    )
    assert status == 200, body
    assert [e["instance_id"] for e in body["events"]] == ["i-a", "i-c"]
    status, body = post(
        f"{base}/events",
        json.dumps(
            {
                "event_type": "SystemMaintenance.Stop",
                "instance_id": "i-b",
                "not_before": "2030-01-01T01:00:00Z",
                "state": "Inquiring",
            }
        ).encode(),
    )
    assert status == 200, body
    [platform] = body["events"]
    assert platform["simulated"] is False
    assert platform["state"] == "Inquiring"

    status, body = get(f"{base}/events")
    assert status == 200
    events = body["events"]
    assert len(events) == 3
    assert set(events[0]) >= {
        "event_id",
        "instance_id",
        "event_type",
        "state",
        "not_before",
        "publish_time",
        "finish_time",
        "simulated",
        "history",
    }
    assert events[0]["not_before"] == "2030-01-01T02:00:00Z"
    assert events[0]["history"] == [{"time": START, "state": "Scheduled"}]
    status, body = get(f"{base}/events?instance_id=i-a&state=Scheduled")
    assert [e["instance_id"] for e in body["events"]] == ["i-a"]

    status, body = post(f"{base}/advance", b'{"by": "3h"}')
    assert status == 200, body
    assert body["now"] == "2030-01-01T03:00:00Z"
    moved = {(t["instance_id"], t["to"]) for t in body["transitions"]}
    assert ("i-a", "Executing") in moved
    status, body = post(f"{base}/advance", b'{"to": "2030-01-01T04:00:00Z"}')
    assert body["now"] == "2030-01-01T04:00:00Z"
    assert sim.now == datetime(2030, 1, 1, 4, tzinfo=UTC)
    status, body = get(f"{base}/events?instance_id=i-a")
    assert body["events"][0]["state"] == "Executed"
    assert body["events"][0]["finish_time"] == "2030-01-01T02:00:30Z"

    status, body = get(f"{base}/clock")
    assert body == {
        "now": "2030-01-01T04:00:00Z",
        "follows_wall_clock": False,
        "offset_seconds": None,
    }
    get(f"{server.url}/?{HISTORY}")
    status, body = get(f"{base}/calls")
    assert body["calls"][-1]["action"] == "DescribeInstanceHistoryEvents"
    assert body["calls"][-1]["params"] == {"RegionId": "cn-hangzhou"}
    status, body = get(f"{base}/instances")
    assert [i["instance_id"] for i in body["instances"]] == ["i-a", "i-b", "i-c"]


def test_control_api_accepts_form_and_query(sim: EcsSimulator, server: EcsServer) -> None:
    status, body = post(f"{server.url}/_sim/advance", b"by=1h", "application/x-www-form-urlencoded")
    assert status == 200, body
    status, body = post(f"{server.url}/_sim/advance?by=30m", b"")
    assert status == 200, body
    # curl -d '{...}' sends a form content type: JSON is still understood
    status, body = post(
        f"{server.url}/_sim/advance", b'{"by": "30m"}', "application/x-www-form-urlencoded"
    )
    assert body["now"] == "2030-01-01T02:00:00Z"


@pytest.mark.parametrize(
    ("path", "data", "status", "code"),
    [
        ("advance", b"not json", 400, "InvalidParameter.Json"),
        ("advance", b"[1, 2]", 400, "InvalidParameter.Json"),
        ("advance", b"{}", 400, "MissingParameter"),
        ("advance", b'{"by": "2h", "to": "2031-01-01T00:00:00Z"}', 400, "MissingParameter"),
        ("advance", b'{"by": "soon"}', 400, "InvalidParameter"),
        ("advance", b'{"by": [1]}', 400, "InvalidParameter"),
        ("advance", b'{"by": 1e20}', 400, "InvalidParameter"),
        ("advance", b'{"by": "999999999999d"}', 400, "InvalidParameter"),
        ("advance", b'{"to": "2000-01-01T00:00:00Z"}', 400, "InvalidParameter"),
        ("advance", b'{"hours": 2}', 400, "InvalidParameter"),
        ("instances", b'{"instance_id": 5}', 400, "InvalidParameter"),
        ("instances", b'{"tags": ["a"]}', 400, "InvalidParameter"),
        ("events", b'{"instance_id": "i-a"}', 400, "MissingParameter"),
        ("events", b'{"event_type": "No.Such", "instance_id": "i-a"}', 400, "InvalidParameter"),
        (
            "events",
            b'{"event_type": "SystemMaintenance.Reboot", "instance_id": "i-zz"}',
            404,
            "InvalidInstanceId.NotFound",
        ),
        (
            "events",
            b'{"simulated": true, "event_type": "SystemMaintenance.Reboot"}',
            400,
            "MissingParameter",
        ),
        (
            "events",
            b'{"event_type": "SystemMaintenance.Reboot", "instance_id": "i-a", '
            b'"state": "Sleeping"}',
            400,
            "InvalidParameter",
        ),
        ("reset", b"", 409, "OperationConflict"),
        ("clock", b"{}", 405, "UnsupportedHTTPMethod"),
    ],
)
def test_control_api_bad_input(
    sim: EcsSimulator, server: EcsServer, path: str, data: bytes, status: int, code: str
) -> None:
    before = (sim.now, len(sim.events()), len(sim.instances))
    answer = post(f"{server.url}/_sim/{path}", data)
    assert_api_error(*answer, status, code)
    assert (sim.now, len(sim.events()), len(sim.instances)) == before


def test_reset_with_a_factory(sim: EcsSimulator) -> None:
    made: list[EcsSimulator] = []

    def factory() -> EcsSimulator:
        made.append(EcsSimulator(now=START, instances=["i-a"]))
        return made[-1]

    with EcsServer(sim, factory=factory) as srv:
        post(f"{srv.url}/_sim/instances", b'{"instance_id": "i-zz"}')
        status, body = post(f"{srv.url}/_sim/reset", b"")
        assert status == 200, body
        assert body["instances"] == ["i-a"]
        assert srv.simulator is made[0]
        status, body = get(f"{srv.url}/_sim/instances")
        assert [i["instance_id"] for i in body["instances"]] == ["i-a"]


def test_wall_clock_follower(sim: EcsSimulator) -> None:
    wall = [datetime(2030, 1, 1, tzinfo=UTC)]
    clock = WallClockFollower(sim, wall=lambda: wall[0])
    with EcsServer(sim, clock=clock) as srv:
        wall[0] += timedelta(minutes=5)
        assert get(f"{srv.url}/_sim/clock")[1]["now"] == "2030-01-01T00:05:00Z"
        sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
        body = post(f"{srv.url}/_sim/advance", b'{"by": "2h"}')[1]
        assert body["now"] == "2030-01-01T02:05:00Z"
        assert {t["to"] for t in body["transitions"]} == {"Executing", "Executed"}
        wall[0] += timedelta(minutes=1)  # the advanced clock keeps ticking
        body = get(f"{srv.url}/_sim/clock")[1]
        assert body["now"] == "2030-01-01T02:06:00Z"
        assert body["follows_wall_clock"] is True
        assert body["offset_seconds"] == 7200.0
        get(f"{srv.url}/?{HISTORY}")
        assert sim.calls[-1].time == datetime(2030, 1, 1, 2, 6, tzinfo=UTC)


# ------------------------------------------------------------------ lifecycle and safety
def test_refuses_non_loopback_hosts(sim: EcsSimulator) -> None:
    with pytest.raises(ValueError, match="not a loopback"):
        EcsServer(sim, host="0.0.0.0")
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1"):
        assert is_loopback(host)
    for host in ("10.0.0.1", "0.0.0.0", "example.com", ""):
        assert not is_loopback(host)


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


def test_plain_python_usage() -> None:
    sim = EcsSimulator(now=START, instances=["i-a"])
    with EcsServer(sim) as srv:
        status, _ = get(f"{srv.url}/?{HISTORY}")
    assert status == 200
    assert "stopped" in repr(srv)


def _drain(sock: socket.socket) -> bytes:
    """Everything the peer sends until it closes (bounded); a reset counts as closed."""
    received = b""
    for _ in range(100):
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            break
        if not chunk:
            break
        received += chunk
    return received


def test_the_proxy_trap_is_real(sim: EcsSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why the fixture removes the proxy variables: the SDK ignores NO_PROXY."""
    from aliyunsdkcore.acs_exception.exceptions import ClientException
    from aliyunsdkcore.client import AcsClient
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
        client = AcsClient(AK, SECRET, "cn-hangzhou", auto_retry=False)
        with pytest.raises(ClientException, match=r"SDK\.HttpError"):
            client.do_action_with_exception(req)
        monkeypatch.delenv("HTTP_PROXY")
        assert json.loads(client.do_action_with_exception(req))["TotalCount"] == 2


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
        answer = _drain(sock)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert sim.instance("i-b").status == "Stopping"
