"""``ecs-sim serve`` / ``python -m pytest_ecs_events serve``, started as a real subprocess."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_ecs_events.cli import build_parser, main
from tests.helpers.http import get, post
from tests.helpers.serve import Server, start_serve

AK = "LTAI5tCliTestKey"
SECRET = "cli-test-secret"


@pytest.fixture
def start() -> Iterator[Any]:
    procs: list[subprocess.Popen[str]] = []

    def launch(*args: str) -> Server:
        proc, _scheme, port = start_serve(*args)
        procs.append(proc)
        return Server(proc, port)

    try:
        yield launch
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=10)


def test_serve_subprocess_with_the_sdks_and_control_api(
    start: Any, acs_client: Callable[..., Any]
) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
        DescribeInstanceHistoryEventsRequest,
    )
    from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

    served = start(
        "--region",
        "cn-beijing",
        "--instances",
        "i-a,i-b",
        "--credentials",
        f"{AK}:{SECRET}",
        "--execution-duration",
        "1m",
    )
    # the control API: a simulated event, then time passes
    status, body = post(
        f"{served.url}/_sim/events",
        json.dumps(
            {
                "simulated": True,
                "event_type": "SystemMaintenance.Reboot",
                "instance_id": "i-a",
                "not_before": "+2h",
            }
        ).encode(),
    )
    assert status == 200, body
    event_id = body["events"][0]["event_id"]
    status, clock = get(f"{served.url}/_sim/clock")
    assert clock["follows_wall_clock"] is True

    client = acs_client(AK, SECRET, "cn-beijing", auto_retry=False)
    req = DescribeInstanceHistoryEventsRequest()
    req.set_endpoint(served.endpoint)
    req.set_InstanceEventCycleStatuss(["Scheduled"])
    listed = json.loads(client.do_action_with_exception(req))
    assert [e["EventId"] for e in listed["InstanceSystemEventSet"]["InstanceSystemEventType"]] == [
        event_id
    ]

    wrong = acs_client("LTAI5tSomeOtherKey", SECRET, "cn-beijing", auto_retry=False)
    with pytest.raises(ServerException) as info:
        wrong.do_action_with_exception(req)
    assert info.value.get_error_code() == "InvalidAccessKeyId.NotFound"

    status, body = post(f"{served.url}/_sim/advance", b'{"by": "2h1m"}')
    assert status == 200, body
    status, body = get(f"{served.url}/_sim/events?instance_id=i-a")
    [event] = body["events"]
    assert event["state"] == "Executed"  # 1 minute of execution, as configured
    assert [h["state"] for h in event["history"]] == ["Scheduled", "Executing", "Executed"]

    reboot = RebootInstanceRequest()
    reboot.set_endpoint(served.endpoint)
    reboot.set_InstanceId("i-b")
    client.do_action_with_exception(reboot)

    status, body = post(f"{served.url}/_sim/reset", b"")
    assert status == 200
    assert body["instances"] == ["i-a", "i-b"]
    assert get(f"{served.url}/_sim/events")[1] == {"events": []}

    code, out, err = served.stop()
    assert code == 0, err
    assert "Traceback" not in err
    log = out.splitlines()
    assert any(
        re.search(r"Z 127\.0\.0\.1 POST DescribeInstanceHistoryEvents 200 - ", x) for x in log
    ), out
    assert any(" InvalidAccessKeyId.NotFound " in x for x in log), out
    assert any(" POST RebootInstance 200 - " in x for x in log), out


def test_new_sdk_async_against_the_subprocess(start: Any) -> None:
    import asyncio

    from alibabacloud_ecs20140526 import models
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    served = start("--instances", "i-a", "--quiet")
    client = Client(
        Config(
            access_key_id=AK,
            access_key_secret=SECRET,
            region_id="cn-hangzhou",
            endpoint=served.endpoint,
            protocol="http",
        )
    )
    request = models.DescribeInstancesFullStatusRequest(region_id="cn-hangzhou")
    response = asyncio.run(client.describe_instances_full_status_async(request))
    assert response.body.total_count == 1
    code, out, _ = served.stop(signal.SIGINT)
    assert code == 0
    assert out == ""  # --quiet: the banner was read already, no access log


def test_malformed_http_does_not_kill_the_command(start: Any) -> None:
    served = start("--quiet")
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01garbage\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        for _ in range(100):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith((b"HTTP/1.0 400 ", b"HTTP/1.1 400 "))
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["Code"] == "BadRequest"
    status, _ = get(f"{served.url}/?Action=DescribeInstancesFullStatus&RegionId=cn-hangzhou")
    assert status == 200
    code, _, err = served.stop()
    assert code == 0, err


def test_hostile_requests_never_wedge_or_stop_the_command(start: Any) -> None:
    """Issue 17's findings against the real command: each is a 4xx, later requests (and reset)
    still answer, and the command stops with status 0 (no internal error)."""
    from tests.helpers.http import raw_exchange

    served = start("--quiet", "--instances", "i-a")
    status, body = post(f"{served.url}/_sim/advance", b'{"to": "8999-12-31T23:59:59Z"}')
    assert (status, body["now"]) == (200, "8999-12-31T23:59:59Z")
    time.sleep(2.2)  # the wall clock ticks past the last time the simulation reaches
    assert get(f"{served.url}/_sim/clock") == (
        200,
        {"now": "9000-01-01T00:00:00Z", "follows_wall_clock": True,
         "offset_seconds": get(f"{served.url}/_sim/clock")[1]["offset_seconds"]},
    )  # fmt: skip
    status, _ = get(f"{served.url}/?Action=DescribeInstancesFullStatus&RegionId=cn-hangzhou")
    assert status == 200
    huge = b"POST /_sim/advance HTTP/1.1\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n"
    assert raw_exchange(served.port, huge)[0] == 413
    nested = b"[" * 100_000 + b"]" * 100_000
    assert post(f"{served.url}/_sim/events", nested)[0] == 400
    status, body = post(f"{served.url}/_sim/reset", b"")
    assert status == 200
    assert body["instances"] == ["i-a"]
    assert not body["now"].startswith("9000")
    code, _, err = served.stop()
    assert code == 0, err


def test_the_connection_cap_and_deadlines_are_options(start: Any) -> None:
    served = start("--quiet", "--max-connections", "2", "--header-timeout", "0.5s")
    request = b"GET /_sim/clock HTTP/1.1\r\nHost: x\r\n\r\n"
    held = [socket.create_connection(("127.0.0.1", served.port), timeout=5) for _ in range(2)]
    try:
        for sock in held:
            sock.sendall(request)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        with socket.create_connection(("127.0.0.1", served.port), timeout=5) as extra:
            extra.sendall(request)
            answer = extra.recv(65536)
        assert answer.startswith(b"HTTP/1.1 503 "), answer[:100]
        assert json.loads(answer.partition(b"\r\n\r\n")[2])["Code"] == "ServiceUnavailable"
    finally:
        for sock in held:
            sock.close()
    for _ in range(50):  # a slot frees as soon as a held connection's worker sees EOF
        # Each try closes its own socket (a `with` would close only the first one).
        with socket.create_connection(("127.0.0.1", served.port), timeout=5) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\n")  # and never the rest of the headers
            answer = slow.recv(65536)
        if not answer.startswith(b"HTTP/1.1 503 "):
            break
        time.sleep(0.05)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    code, _, err = served.stop()
    assert code == 0, err


def test_port_in_use_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port), "--quiet"]) == 1
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err


def test_non_loopback_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 1
    assert "not a loopback address" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--credentials", "no-colon"], "expected ACCESS_KEY_ID:SECRET"),
        (["serve", "--port", "70000"], "expected a port number"),
        (["serve", "--execution-duration", "soon"], "expected a duration"),
        (["serve", "--keyfile", "k.pem"], "--keyfile needs --certfile"),
        (["serve", "--max-connections", "0"], "expected a positive number of connections"),
        (["serve", "--max-connections", "many"], "expected a positive number of connections"),
        (["serve", "--header-timeout", "0s"], "expected a positive duration"),
        (["serve", "--body-timeout", "soon"], "expected a duration"),
        (["serve", "--idle-timeout", "0"], "expected a positive duration"),
    ],
)
def test_bad_arguments(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_simulator_that_cannot_be_built_is_reported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> Any:
        raise ValueError("an instance id must be a non-empty string")

    monkeypatch.setattr("pytest_ecs_events.cli.EcsSimulator", refuse)
    assert main(["serve", "--port", "0", "--instances", "i-a"]) == 2
    assert "ecs-sim: error: an instance id must be" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "serve" in capsys.readouterr().out


def test_parser_defaults() -> None:
    args = build_parser().parse_args(["serve", "--instances", "i-a, i-b,"])
    # region None: cn-hangzhou, or the --state-file's region
    assert (args.host, args.port, args.region) == ("127.0.0.1", 8080, None)
    assert (args.now, args.seed, args.event, args.state_file) == (None, None, [], None)
    assert args.instances == ["i-a", "i-b"]
    assert args.credentials == []
    assert (args.max_connections, args.header_timeout, args.body_timeout, args.idle_timeout) == (
        256, 10.0, 30.0, 60.0,
    )  # fmt: skip


def test_serve_scenario_options_and_state_file_round_trip(
    start: Any, acs_client: Callable[..., Any], tmp_path: Any
) -> None:
    from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
        DescribeInstanceHistoryEventsRequest,
    )

    state = tmp_path / "state.json"
    served = start(
        "--quiet", "--now", "2030-01-01T00:00:00Z", "--seed", "42",
        # an ISO NotBefore holds colons: TYPE and INSTANCE are taken from the left
        "--event", "SystemMaintenance.Reboot:i-a:2030-01-01T02:00:00Z",
        "--event", "SystemMaintenance.Stop:i-b:+3h",
        "--platform-event", "SystemMaintenance.Stop:i-c:Inquiring",
        "--state-file", str(state),
    )  # fmt: skip
    client = acs_client(AK, SECRET, "cn-hangzhou", auto_retry=False)
    req = DescribeInstanceHistoryEventsRequest()
    req.set_endpoint(served.endpoint)
    req.set_InstanceEventCycleStatuss(["Scheduled", "Inquiring"])
    listed = json.loads(client.do_action_with_exception(req))
    events = {
        e["InstanceId"]: (e["EventType"]["Name"], e["EventCycleStatus"]["Name"], e.get("NotBefore"))
        for e in listed["InstanceSystemEventSet"]["InstanceSystemEventType"]
    }
    assert events["i-a"] == ("SystemMaintenance.Reboot", "Scheduled", "2030-01-01T02:00:00Z")
    assert events["i-b"][2] == "2030-01-01T03:00:00Z"  # +3h from --now
    assert events["i-c"][1] == "Inquiring"
    assert served.request("/_sim/advance", {"by": "2h1m"})["now"].startswith("2030-01-01T02:01")

    code, _out, err = served.stop(signal.SIGINT)
    assert code == 0, err
    assert f"saved the state to {state}" in err
    saved = json.loads(state.read_text())
    assert saved["seed"] == 42
    assert saved["now"].startswith("2030-01-01T02:01")
    by_instance = {e["instance_id"]: e for e in saved["events"]}
    assert by_instance["i-a"]["state"] == "Executed"
    assert [h["state"] for h in by_instance["i-a"]["history"]] == [
        "Scheduled", "Executing", "Executed",
    ]  # fmt: skip
    assert by_instance["i-b"]["due"] == "2030-01-01T03:00:00Z"

    # the next run goes on from there: i-b's event still falls due at its NotBefore
    again = start("--quiet", "--state-file", str(state))
    assert again.request("/_sim/clock")["now"] >= saved["now"]
    [b] = [e for e in again.events() if e["instance_id"] == "i-b"]
    assert (b["state"], b["not_before"]) == ("Scheduled", "2030-01-01T03:00:00Z")
    again.request("/_sim/advance", {"to": "2030-01-01T03:01:00Z"})
    assert [e["state"] for e in again.events() if e["instance_id"] == "i-b"] == ["Executed"]
    code, _out, err = again.stop(signal.SIGTERM)
    assert code == 0, err
    assert json.loads(state.read_text())["now"] >= "2030-01-01T03:01:00Z"


def test_serve_refuses_a_bad_state_file_with_exit_status_2(tmp_path: Any) -> None:
    from tests.helpers.serve import clean_env

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"instances": [{"instance_id": "i-a", "status": "Runing"}]}))
    done = subprocess.run(
        [sys.executable, "-m", "pytest_ecs_events", "serve", "--port", "0",
         "--state-file", str(bad)],
        capture_output=True, text=True, env=clean_env(), timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "instances[0].status: expected one of" in done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(bad.read_text())["instances"][0]["status"] == "Runing"  # left as it was


def test_serve_a_scenario_with_a_load_balancer_to_both_slb_sdks(
    start: Any, acs_client: Callable[..., Any], tmp_path: Any
) -> None:
    """The example scenario (examples/scenarios/drain.json): its load balancer's health and
    vServer group are served to both SLB SDKs, its pending verdict lands when the clock moves,
    and the state saved at exit holds the load balancer and the commands."""
    import shutil
    from pathlib import Path

    from alibabacloud_slb20140515 import models as slb_models
    from alibabacloud_slb20140515.client import Client as SlbClient
    from alibabacloud_tea_openapi.models import Config
    from aliyunsdkslb.request.v20140515.DescribeHealthStatusRequest import (
        DescribeHealthStatusRequest,
    )
    from aliyunsdkslb.request.v20140515.DescribeVServerGroupAttributeRequest import (
        DescribeVServerGroupAttributeRequest,
    )

    state = tmp_path / "drain.json"
    shutil.copy(Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "drain.json",
                state)  # fmt: skip
    served = start("--quiet", "--state-file", str(state))
    legacy = acs_client(AK, SECRET, "cn-hangzhou", auto_retry=False)

    def legacy_call(request: Any, **params: Any) -> dict[str, Any]:
        request.set_endpoint(served.endpoint)
        request.set_protocol_type("http")
        for key, value in params.items():
            getattr(request, f"set_{key}")(value)
        body: dict[str, Any] = json.loads(legacy.do_action_with_exception(request))
        return body

    config = Config(access_key_id=AK, access_key_secret=SECRET, region_id="cn-hangzhou")
    config.endpoint, config.protocol = served.endpoint, "http"
    new = SlbClient(config)

    health = legacy_call(DescribeHealthStatusRequest(), LoadBalancerId="lb-web", ListenerPort=80)
    assert {b["ServerId"]: b["ServerHealthStatus"]
            for b in health["BackendServers"]["BackendServer"]} == {
        "i-web1": "normal", "i-web2": "normal", "i-web3": "abnormal",
    }  # fmt: skip
    group = legacy_call(DescribeVServerGroupAttributeRequest(), VServerGroupId="rsp-web")
    assert (group["VServerGroupName"], group["LoadBalancerId"]) == ("web", "lb-web")
    assert [(b["ServerId"], b["Port"], b["Weight"])
            for b in group["BackendServers"]["BackendServer"]] == [
        ("i-web1", 8080, 100), ("i-web2", 8080, 0), ("i-web3", 8080, 100),
    ]  # fmt: skip

    served.request("/_sim/advance", {"by": "10s"})  # i-web3's verdict was due at +10 s
    answer = new.describe_health_status(slb_models.DescribeHealthStatusRequest(
        region_id="cn-hangzhou", load_balancer_id="lb-web", listener_port=80,
    ))  # fmt: skip
    assert {(b.server_id, b.server_health_status)
            for b in answer.body.backend_servers.backend_server} == {
        ("i-web1", "normal"), ("i-web2", "normal"), ("i-web3", "normal"),
    }  # fmt: skip
    attribute = new.describe_vserver_group_attribute(
        slb_models.DescribeVServerGroupAttributeRequest(
            region_id="cn-hangzhou", vserver_group_id="rsp-web"
        )
    )
    assert attribute.body.vserver_group_name == "web"
    assert [(b.server_id, b.weight) for b in attribute.body.backend_servers.backend_server] == [
        ("i-web1", 100), ("i-web2", 0), ("i-web3", 100),
    ]  # fmt: skip

    code, _out, err = served.stop(signal.SIGTERM)
    assert code == 0, err
    saved = json.loads(state.read_text())
    assert saved["version"] == 2
    [lb] = saved["load_balancers"]
    assert {(h["server_id"], h["status"], h["next"]) for h in lb["health"]
            if h["listener_port"] == 80} == {
        ("i-web1", "normal", None), ("i-web2", "normal", None), ("i-web3", "normal", None),
    }  # fmt: skip
    assert [c["command_id"] for c in saved["commands"]] == ["c-drain"]
    assert [r["status"] for r in saved["invocations"][0]["runs"]] == ["Success", "Running"]
