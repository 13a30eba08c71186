"""Interception: which hosts reach the simulator, coexistence with ``responses``, isolation,
call records and injected faults, all through the real SDKs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import requests.adapters
import responses
from alibabacloud_ecs20140526 import models as m
from alibabacloud_tea_util.models import RuntimeOptions
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.CreateSimulatedSystemEventsRequest import (
    CreateSimulatedSystemEventsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceStatusRequest import (
    DescribeInstanceStatusRequest,
)
from aliyunsdkecs.request.v20140526.StopInstanceRequest import StopInstanceRequest

from tests.helpers.sdk import (
    AK,
    legacy_call,
    legacy_client,
    legacy_error,
    new_client,
    new_error,
)

A, B = "i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb"
NOW = "2024-05-01T00:00:00Z"
OTHER = "https://api.example.test/hello"

pytestmark = pytest.mark.ecs_sim(now=NOW, instances=[A, B])

HOSTS = [
    "ecs.aliyuncs.com",
    "ecs-cn-hangzhou.aliyuncs.com",
    "ecs.cn-beijing.aliyuncs.com",
    "ecs-vpc.cn-beijing.aliyuncs.com",
]


def legacy_status(ecs_sim: Any, **kwargs: Any) -> dict[str, str]:
    request = DescribeInstanceStatusRequest()
    if "endpoint" in kwargs:
        request.set_endpoint(kwargs["endpoint"])
    if "protocol" in kwargs:
        request.set_protocol_type(kwargs["protocol"])
    body = legacy_call(legacy_client(ecs_sim), request)
    return {s["InstanceId"]: s["Status"] for s in body["InstanceStatuses"]["InstanceStatus"]}


def new_status(ecs_sim: Any, **kwargs: Any) -> dict[str, str]:
    client = new_client(ecs_sim, **kwargs)
    body = client.describe_instance_status(
        m.DescribeInstanceStatusRequest(region_id=ecs_sim.region)
    ).body
    return {s.instance_id: s.status for s in body.instance_statuses.instance_status}


# ------------------------------------------------------------------------------ hosts
@pytest.mark.parametrize("protocol", ["http", "https"])
@pytest.mark.parametrize("host", HOSTS)
def test_legacy_sdk_every_ecs_host_form(ecs_sim: Any, host: str, protocol: str) -> None:
    assert legacy_status(ecs_sim, endpoint=host, protocol=protocol) == {A: "Running", B: "Running"}
    (call,) = ecs_sim.calls
    assert (call.action, call.host, call.status) == ("DescribeInstanceStatus", host, 200)


@pytest.mark.parametrize("protocol", ["http", "https"])
@pytest.mark.parametrize("host", HOSTS)
def test_new_sdk_every_ecs_host_form(ecs_sim: Any, host: str, protocol: str) -> None:
    assert new_status(ecs_sim, endpoint=host, protocol=protocol) == {A: "Running", B: "Running"}
    (call,) = ecs_sim.calls
    assert (call.action, call.host, call.status) == ("DescribeInstanceStatus", host, 200)


@pytest.mark.ecs_sim(region="cn-beijing", instances=["i-2zeaaaaaaaaaaaaaaaaa"])
def test_default_endpoints_are_intercepted(ecs_sim: Any) -> None:
    assert ecs_sim.endpoint == "ecs.cn-beijing.aliyuncs.com"
    assert legacy_status(ecs_sim) == {"i-2zeaaaaaaaaaaaaaaaaa": "Running"}
    assert new_status(ecs_sim) == {"i-2zeaaaaaaaaaaaaaaaaa": "Running"}
    assert [c.host for c in ecs_sim.calls] == [ecs_sim.endpoint, ecs_sim.endpoint]


def _status_without_certificate_checks(ecs_sim: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    """``ignore_ssl`` makes the new SDK mount a plain requests HTTPAdapter (not _TLSAdapter).

    darabonba caches one session per host without the verify flag in the key, so start from
    an empty cache to be sure this call builds (and uses) the insecure session.
    """
    from darabonba.core import DaraCore, _TLSAdapter

    monkeypatch.setattr(DaraCore, "_sessions", {})
    client = new_client(ecs_sim)
    resp = client.describe_instance_status_with_options(
        m.DescribeInstanceStatusRequest(region_id=ecs_sim.region), RuntimeOptions(ignore_ssl=True)
    )
    (session,) = DaraCore._sessions.values()
    adapter = session.get_adapter("https://ecs-cn-hangzhou.aliyuncs.com/")
    assert isinstance(adapter, requests.adapters.HTTPAdapter)  # the insecure path
    assert not isinstance(adapter, _TLSAdapter)
    total: int = resp.body.total_count
    return total


def test_new_sdk_without_certificate_checks_is_intercepted(
    ecs_sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _status_without_certificate_checks(ecs_sim, monkeypatch) == 2
    assert ecs_sim.calls[-1].status == 200


def test_other_hosts_are_not_intercepted(ecs_sim: Any) -> None:
    # Nothing listens on port 9 of the loopback: the call must really be attempted and fail.
    with pytest.raises(requests.ConnectionError) as info:
        requests.get("http://127.0.0.1:9/", timeout=2)
    assert "Responses" not in str(info.value)
    assert ecs_sim.calls == []


# --------------------------------------------------------------- coexisting with responses
def _ecs_calls_still_reach_the_simulator(ecs_sim: Any) -> None:
    assert legacy_status(ecs_sim) == {A: "Running", B: "Running"}
    assert new_status(ecs_sim) == {A: "Running", B: "Running"}
    assert new_status(ecs_sim, protocol="http") == {A: "Running", B: "Running"}
    assert [c.status for c in ecs_sim.calls] == [200, 200, 200]


@responses.activate
def test_own_responses_activate_inside_the_fixture(ecs_sim: Any) -> None:
    responses.add(responses.GET, OTHER, json={"hello": "world"})
    assert requests.get(OTHER, timeout=2).json() == {"hello": "world"}
    _ecs_calls_still_reach_the_simulator(ecs_sim)
    assert len(responses.calls) == 1
    assert responses.calls[0].request.url == OTHER


@responses.activate
def test_own_responses_activate_and_new_sdk_without_certificate_checks(
    ecs_sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    responses.add(responses.GET, OTHER, json={"hello": "world"})
    assert _status_without_certificate_checks(ecs_sim, monkeypatch) == 2
    assert requests.get(OTHER, timeout=2).json() == {"hello": "world"}
    assert len(responses.calls) == 1


def test_own_requests_mock_inside_the_test(ecs_sim: Any) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, OTHER, json={"ok": True}, status=201)
        response = requests.post(OTHER, json={"x": 1}, timeout=2)
        assert (response.status_code, response.json()) == (201, {"ok": True})
        _ecs_calls_still_reach_the_simulator(ecs_sim)
        assert len(rsps.calls) == 1  # ECS calls never reached the test's own mock


@pytest.fixture
def outer_mock() -> Iterator[responses.RequestsMock]:
    """A responses mock started *before* ecs_sim (fixtures are set up in argument order)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, OTHER, body="from the outer mock")
        yield rsps


def test_responses_started_before_the_fixture(
    outer_mock: responses.RequestsMock, ecs_sim: Any
) -> None:
    assert requests.get(OTHER, timeout=2).text == "from the outer mock"
    _ecs_calls_still_reach_the_simulator(ecs_sim)
    assert len(outer_mock.calls) == 1


def test_ecs_host_mocked_by_the_test_itself_is_not_reached_by_the_sdks(ecs_sim: Any) -> None:
    """While ecs_sim is active, the SDKs' ECS calls go to the simulator, not to a test mock."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, "https://ecs-cn-hangzhou.aliyuncs.com/", json={"fake": 1})
        assert new_status(ecs_sim) == {A: "Running", B: "Running"}
    assert len(ecs_sim.calls) == 1


# --------------------------------------------------------------------------- isolation
@pytest.mark.parametrize("round_", [1, 2])
def test_no_state_leaks_between_tests(ecs_sim: Any, round_: int) -> None:
    assert ecs_sim.events() == []
    assert ecs_sim.calls == []
    assert ecs_sim.now.isoformat() == "2024-05-01T00:00:00+00:00"
    assert {i.instance_id: str(i.status) for i in ecs_sim.instances} == {
        A: "Running",
        B: "Running",
    }
    assert legacy_status(ecs_sim) == {A: "Running", B: "Running"}  # no fault left over

    client = legacy_client(ecs_sim)
    request = CreateSimulatedSystemEventsRequest()
    request.set_InstanceIds([A, B])
    request.set_EventType("SystemMaintenance.Reboot")
    request.set_NotBefore("2024-05-01T01:00:00Z")
    legacy_call(client, request)
    request = StopInstanceRequest()
    request.set_InstanceId(A)
    legacy_call(client, request)
    ecs_sim.add_instance(f"i-round-{round_}")
    ecs_sim.advance("2h")
    # Left pending on purpose (required=False: strict mode would fail the test).
    ecs_sim.fail_next("DescribeInstanceStatus", times=5, required=False)
    assert len(ecs_sim.events(state="Executed")) == 2


# ------------------------------------------------------------------------ call records
def test_the_interception_keeps_no_sdk_response_alive(ecs_sim: Any) -> None:
    """responses keeps every answered request and response for its mock's lifetime; ours
    live as long as the process, so they must keep none (a session of SDK calls would
    otherwise stay in memory, and in every full GC collection, until the process ends)."""
    import gc

    from aliyunsdkcore.vendored.requests.models import Response as VendoredResponse

    def alive() -> int:
        gc.collect()
        kinds = (requests.Response, VendoredResponse)
        return sum(1 for o in gc.get_objects() if isinstance(o, kinds))

    legacy, new = legacy_client(ecs_sim), new_client(ecs_sim)
    before = alive()
    for _ in range(10):
        legacy_call(legacy, DescribeInstanceHistoryEventsRequest())
        new.describe_instance_history_events(
            m.DescribeInstanceHistoryEventsRequest(region_id=ecs_sim.region)
        )
    assert len(ecs_sim.calls) == 20
    assert alive() == before


def test_calls_are_recorded(ecs_sim: Any) -> None:
    ecs_sim.advance("1h")
    client = legacy_client(ecs_sim)
    request = DescribeInstanceHistoryEventsRequest()
    request.set_InstanceEventCycleStatuss(["Scheduled", "Executing"])
    request.set_PageSize(5)
    legacy_call(client, request)
    error = legacy_error(client, _create([A], "2024-04-01T00:00:00Z"))
    new_client(ecs_sim).describe_instances(
        m.DescribeInstancesRequest(region_id=ecs_sim.region, instance_ids=json.dumps([A]))
    )

    first, second, third = ecs_sim.calls
    assert first.action == "DescribeInstanceHistoryEvents"
    assert first.params["InstanceEventCycleStatus.1"] == "Scheduled"
    assert first.params["InstanceEventCycleStatus.2"] == "Executing"
    assert first.params["PageSize"] == "5"
    assert first.params["RegionId"] == "cn-hangzhou"
    for protocol in ("Signature", "AccessKeyId", "SignatureNonce", "Timestamp", "Action"):
        assert protocol not in first.params
    assert AK not in first.params.values()
    assert (first.status, first.error_code) == (200, None)
    assert first.time.isoformat() == "2024-05-01T01:00:00+00:00"

    assert second.action == "CreateSimulatedSystemEvents"
    assert (second.status, second.error_code) == (403, "InvalidNotBefore.Passed")
    assert error.get_request_id() == second.request_id

    assert third.action == "DescribeInstances"  # from the x-acs-action header
    assert third.params["InstanceIds"] == json.dumps([A])
    assert (third.status, third.error_code) == (200, None)


def _create(ids: list[str], not_before: str) -> CreateSimulatedSystemEventsRequest:
    request = CreateSimulatedSystemEventsRequest()
    request.set_InstanceIds(ids)
    request.set_EventType("SystemMaintenance.Reboot")
    request.set_NotBefore(not_before)
    return request


# ------------------------------------------------------------------------------ faults
class _FastTime:
    """``time`` for aliyunsdkcore.client: records the retry back-off instead of sleeping."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def fast_retry(monkeypatch: pytest.MonkeyPatch) -> _FastTime:
    import aliyunsdkcore.client

    fake = _FastTime()
    monkeypatch.setattr(aliyunsdkcore.client, "time", fake)
    return fake


def test_legacy_sdk_retries_throttling_on_describe(ecs_sim: Any, fast_retry: _FastTime) -> None:
    ecs_sim.fail_next("DescribeInstanceStatus", code="Throttling", times=3)
    assert legacy_status(ecs_sim) == {A: "Running", B: "Running"}
    assert [(c.action, c.status, c.error_code) for c in ecs_sim.calls] == [
        ("DescribeInstanceStatus", 400, "Throttling"),
        ("DescribeInstanceStatus", 400, "Throttling"),
        ("DescribeInstanceStatus", 400, "Throttling"),
        ("DescribeInstanceStatus", 200, None),
    ]
    assert len(fast_retry.sleeps) == 3  # the SDK's own back-off between tries


def test_legacy_sdk_gives_up_after_three_retries(ecs_sim: Any, fast_retry: _FastTime) -> None:
    ecs_sim.fail_next("DescribeInstanceHistoryEvents", code="Throttling", times=4)
    exc = legacy_error(legacy_client(ecs_sim), DescribeInstanceHistoryEventsRequest())
    assert (exc.get_error_code(), exc.get_http_status()) == ("Throttling", 400)
    assert len(ecs_sim.calls) == 4
    # The fault is used up: the next call is served.
    legacy_call(legacy_client(ecs_sim), DescribeInstanceHistoryEventsRequest())
    assert ecs_sim.calls[-1].status == 200


def test_legacy_sdk_does_not_retry_write_calls(ecs_sim: Any, fast_retry: _FastTime) -> None:
    ecs_sim.fail_next("CreateSimulatedSystemEvents", code="ServiceUnavailable", status=503)
    exc = legacy_error(legacy_client(ecs_sim), _create([A], "2024-05-02T00:00:00Z"))
    assert (exc.get_error_code(), exc.get_http_status()) == ("ServiceUnavailable", 503)
    assert len(ecs_sim.calls) == 1
    assert fast_retry.sleeps == []
    assert ecs_sim.events() == []


def test_new_sdk_raises_on_the_first_throttling(ecs_sim: Any) -> None:
    ecs_sim.fail_next("DescribeInstanceStatus", code="Throttling", times=2)
    client = new_client(ecs_sim)
    request = m.DescribeInstanceStatusRequest(region_id=ecs_sim.region)
    exc = new_error(client.describe_instance_status, request)
    assert (exc.code, exc.status_code) == ("Throttling", 400)
    assert len(ecs_sim.calls) == 1
    new_error(client.describe_instance_status, request)
    assert client.describe_instance_status(request).body.total_count == 2
    assert [c.error_code for c in ecs_sim.calls] == ["Throttling", "Throttling", None]


def test_fail_next_only_hits_the_named_action(ecs_sim: Any) -> None:
    ecs_sim.fail_next("StopInstance", code="InternalError", status=500)
    assert legacy_status(ecs_sim) == {A: "Running", B: "Running"}
    request = StopInstanceRequest()
    request.set_InstanceId(A)
    with pytest.raises(ServerException) as info:
        legacy_client(ecs_sim).do_action_with_exception(request)
    assert (info.value.get_error_code(), info.value.get_http_status()) == ("InternalError", 500)
    assert ecs_sim.instance(A).status == "Running"  # the faulted call changed nothing
    assert [c.error_code for c in ecs_sim.calls] == [None, "InternalError"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_every_http_method_reaches_the_simulator(ecs_sim: Any, method: str) -> None:
    response = requests.request(
        method,
        "https://ecs-cn-hangzhou.aliyuncs.com/",
        params={"Action": "DescribeInstanceStatus", "RegionId": "cn-hangzhou"},
        timeout=2,
    )
    assert response.status_code == 200
    assert response.json()["TotalCount"] == 2
    assert [(c.action, c.status) for c in ecs_sim.calls] == [("DescribeInstanceStatus", 200)]


STATUS_URL = "https://ecs.aliyuncs.com/?Action=DescribeInstanceStatus&RegionId=cn-hangzhou"


def _session(package: str = "requests", **retries: Any) -> Any:
    """A session of that copy of requests whose https adapter retries as told (its
    urllib3's ``Retry``)."""
    import importlib

    lib = importlib.import_module(package)
    retry_module = (
        "urllib3.util.retry" if package == "requests" else f"{package}.packages.urllib3.util.retry"
    )
    retry = importlib.import_module(retry_module).Retry(total=retries.pop("total", 0), **retries)
    session = lib.Session()
    session.mount("https://", lib.adapters.HTTPAdapter(max_retries=retry))
    return session


def _shape(response: Any) -> dict[str, Any]:
    """What a client can read of a response, less what differs between two calls."""
    return {
        "type": type(response),
        "status": response.status_code,
        "reason": response.reason,
        "encoding": response.encoding,
        "headers": sorted(k for k in response.headers if k != "x-acs-request-id"),
        "url": response.url,
        "cookies": dict(response.cookies),
        "body": {k: v for k, v in response.json().items() if k not in ("RequestId", "Recommend")},
        "raw": (response.raw.status, response.raw.reason, response.raw.read()),
        "raw headers": sorted(k for k in response.raw.headers if k != "x-acs-request-id"),
        "history": response.history,
    }


@pytest.mark.parametrize("package", ["requests", "aliyunsdkcore.vendored.requests"])
@pytest.mark.parametrize("path", ["/", "/?Bad=1"])
def test_answers_made_directly_read_like_responses_own(
    ecs_sim: Any, path: str, package: str
) -> None:
    """Our hosts' answers are built without ``responses``' generic path, except for an
    adapter that retries on a status (which responses acts out): the two must read alike,
    for an answer and for an error, in each copy of requests."""
    url = STATUS_URL if path == "/" else STATUS_URL.replace("Action=", "Action=Nope")
    direct = _session(package).get(url, timeout=5)
    through_responses = _session(package, status_forcelist=[599]).get(url, timeout=5)
    assert direct.status_code == (200 if path == "/" else 404)
    assert _shape(direct) == _shape(through_responses)
    assert direct.request.url == url
    assert direct.elapsed.total_seconds() >= 0
    assert len(ecs_sim.calls) == 2


def test_an_adapter_retrying_on_a_status_is_retried(ecs_sim: Any) -> None:
    """A client that retries on 503 (urllib3 ``Retry``) sees its retry answered."""
    ecs_sim.fail_next("DescribeInstanceStatus", code="ServiceUnavailable", status=503)
    response = _session(total=2, status_forcelist=[503], backoff_factor=0).get(STATUS_URL)
    assert response.status_code == 200
    assert [c.status for c in ecs_sim.calls] == [503, 200]


def test_a_read_timeout_reaches_the_simulator_without_responses(ecs_sim: Any) -> None:
    """The read timeout given to ``send`` (a tuple, a number) is the simulator's to act on."""
    ecs_sim.latency = 0.5
    for timeout in (0.05, (3, 0.05)):
        with pytest.raises(requests.ReadTimeout, match=r"read timeout=0\.05"):
            requests.get(STATUS_URL, timeout=timeout)


def test_a_vendored_sdk_is_not_imported_until_the_process_loads_it() -> None:
    """Starting a simulator must not import the 2019 v2 SDK (its vendored six's import hook
    warns on every later import); once the process loads it, the next start intercepts it."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pytest_ecs_events import EcsSimulator\n"
        "from pytest_ecs_events.transports.intercept import vendored_packages\n"
        "with EcsSimulator():\n"
        "    pass\n"
        "print('alibabacloud' in sys.modules, vendored_packages())\n"
        "sys.modules['alibabacloud'] = type(sys)('alibabacloud')  # as if the handler loaded it\n"
        "print(vendored_packages())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    assert out == [
        "False ('aliyunsdkcore.vendored.requests',)",
        "('aliyunsdkcore.vendored.requests', 'alibabacloud.vendored.requests')",
    ]


def test_responses_is_imported_only_when_another_host_is_called() -> None:
    """The mocks that pass other hosts through are made on first need: calls that all go to
    simulated endpoints never import ``responses``; the first call to another host still
    reaches it (here a local server), through the mock made then."""
    import subprocess
    import sys

    script = (
        "import http.server, sys, threading\n"
        "import requests\n"
        "from pytest_ecs_events import EcsSimulator\n"
        "class Hello(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(200); self.send_header('Content-Length', '5')\n"
        "        self.end_headers(); self.wfile.write(b'hello')\n"
        "    def log_message(self, *args): pass\n"
        "server = http.server.HTTPServer(('127.0.0.1', 0), Hello)\n"
        "threading.Thread(target=server.serve_forever, daemon=True).start()\n"
        "with EcsSimulator(instances=['i-1']) as sim:\n"
        "    answer = requests.get('https://ecs.aliyuncs.com/?Action=DescribeRegions', timeout=5)\n"
        "    print(answer.status_code, len(sim.calls), 'responses' in sys.modules)\n"
        "    other = requests.get(f'http://127.0.0.1:{server.server_port}/', timeout=5)\n"
        "    print(other.status_code, other.text, 'responses' in sys.modules)\n"
        "    again = requests.get('https://ecs.aliyuncs.com/?Action=DescribeRegions', timeout=5)\n"
        "    print(again.status_code, len(sim.calls))\n"
        "server.shutdown()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    status = out[0].split()[0]
    assert out == [f"{status} 1 False", "200 hello True", f"{status} 2"]


def test_the_mocks_made_on_first_need_are_one_per_adapter_class_across_threads() -> None:
    """Threads meeting a lazily made mock at once all get the same one."""
    import threading

    from pytest_ecs_events.transports import intercept

    lazy = intercept._LazyMock(
        intercept._SWITCHBOARD, "requests.adapters.HTTPAdapter.send", lambda *a, **k: None
    )
    seen: list[object] = []
    start = threading.Barrier(8)

    def get() -> None:
        start.wait()
        seen.append(lazy.get())

    threads = [threading.Thread(target=get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(mock is seen[0] for mock in seen)
    assert isinstance(seen[0], responses.RequestsMock)
