"""Nothing escapes: every SDK path, in a pytest run where no socket may leave loopback.

The inner run (a separate process, as on a machine without network) blocks and records
every connect to a non-loopback address and every name resolution of an ``aliyuncs.com``
host that reaches the real resolver. It drives the legacy SDK, the new SDK sync and async,
the 2019 ``alibaba-cloud-python-sdk-v2`` (through its vendored requests), urllib and
http.client under ``ecs_sim``, and the new SDK's async methods against ``ecs_server``.

``alibaba-cloud-python-sdk-v2`` cannot be installed by a plain ``pip install`` (its
``setup.py`` imports the package, which needs ``jmespath`` in the build environment), so
it is not a dev dependency. Its transport is laid out faithfully instead: the same
vendored requests 2.18.3 (the legacy SDK carries the same copy) under
``alibabacloud/vendored/requests``, sent the way ``alibabacloud/handlers/http_handler.py``
sends. Where the real package is importable, ``tests/e2e/test_sdk_v2.py`` drives it too.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest

import pytest_ecs_events

CONFTEST = """
import ipaddress
import json
import socket

ATTEMPTS = []
RESOLVED = []


def _loopback(host):
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        ATTEMPTS.append(repr(address))
        raise OSError(101, "Network is unreachable (no network in this run)")


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    _check(self, address)
    return _real_connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _real_connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name.rstrip(".").lower().endswith("aliyuncs.com"):
        RESOLVED.append(name)
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo


def pytest_sessionfinish(session):
    with open("escapes.json", "w") as out:
        json.dump({"connect": ATTEMPTS, "resolve": RESOLVED}, out)
"""

# What alibabacloud/handlers/http_handler.py (alibaba-cloud-python-sdk-v2 1.0.6) does to send.
V2_HANDLER = """
from alibabacloud.vendored.requests import Request, Session


def send(method, url, body=None, headers=None, timeout=10, verify=True, proxy=None):
    with Session() as s:
        req = Request(method=method, url=url, data=body, headers=headers or {})
        prepped = s.prepare_request(req)
        return s.send(prepped, proxies=proxy, timeout=timeout,
                      allow_redirects=False, verify=verify, cert=None)
"""

TESTS = """
import asyncio
import http.client
import json
import urllib.error
import urllib.request

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

from alibabacloud.handlers.http_handler import send as v2_send

A = "i-bp1aaaaaaaaaaaaaaaaa"
pytestmark = [
    pytest.mark.ecs_sim(instances=[A]),
    pytest.mark.ecs_event("SystemMaintenance.Reboot", instance=A, not_before="+2h"),
]


def new_client(**config):
    return Client(Config(access_key_id="AK", access_key_secret="SECRET",
                         region_id="cn-hangzhou", **config))


def scheduled():
    return models.DescribeInstanceHistoryEventsRequest(
        region_id="cn-hangzhou", instance_event_cycle_status=["Scheduled"]
    )


def test_legacy_sdk(ecs_sim):
    client = AcsClient("AK", "SECRET", "cn-hangzhou")
    request = DescribeInstanceHistoryEventsRequest()
    request.set_InstanceEventCycleStatuss(["Scheduled"])
    body = json.loads(client.do_action_with_exception(request))
    assert body["InstanceSystemEventSet"]["InstanceSystemEventType"][0]["InstanceId"] == A
    reboot = RebootInstanceRequest()
    reboot.set_InstanceId(A)
    client.do_action_with_exception(reboot)
    assert [c.action for c in ecs_sim.calls] == ["DescribeInstanceHistoryEvents", "RebootInstance"]


def test_new_sdk_sync(ecs_sim):
    listed = new_client().describe_instance_history_events(scheduled())
    assert listed.body.total_count == 1


def test_new_sdk_async(ecs_sim):
    client = new_client()

    async def scenario():
        listed = await client.describe_instance_history_events_async(scheduled())
        await client.reboot_instance_async(models.RebootInstanceRequest(instance_id=A))
        with pytest.raises(ClientException) as missing:
            await client.reboot_instance_async(models.RebootInstanceRequest(instance_id="i-no"))
        return listed.body.total_count, missing.value

    total, missing = asyncio.run(scenario())
    assert total == 1
    assert (missing.code, missing.status_code) == ("InvalidInstanceId.NotFound", 404)
    assert [c.host for c in ecs_sim.calls] == ["ecs-cn-hangzhou.aliyuncs.com"] * 3


def test_v2_sdk_vendored_requests(ecs_sim):
    answer = v2_send(
        "GET",
        "http://ecs-cn-hangzhou.aliyuncs.com:80/?Action=DescribeInstanceHistoryEvents"
        "&RegionId=cn-hangzhou&InstanceEventCycleStatus.1=Scheduled&Version=2014-05-26"
        "&Format=JSON",
    )
    assert answer.status_code == 200
    assert answer.json()["TotalCount"] == 1
    assert ecs_sim.calls[-1].action == "DescribeInstanceHistoryEvents"


def test_urllib_and_http_client_are_refused(ecs_sim):
    with pytest.raises(urllib.error.URLError, match="ecs_server"):
        urllib.request.urlopen("https://ecs.cn-beijing.aliyuncs.com/?Action=DescribeRegions")
    connection = http.client.HTTPSConnection("ecs-cn-hangzhou.aliyuncs.com", timeout=2)
    with pytest.raises(ConnectionRefusedError, match="ecs-sim serve"):
        connection.request("GET", "/?Action=DescribeRegions")
    assert ecs_sim.calls == []


def test_async_against_the_loopback_server(ecs_sim, ecs_server):
    client = new_client(endpoint=ecs_server.endpoint, protocol="http")
    listed = asyncio.run(client.describe_instance_history_events_async(scheduled()))
    assert listed.body.total_count == 1
    assert ecs_sim.calls[-1].host.startswith("127.0.0.1")
"""


def _fake_v2(root: Path) -> None:
    """The v2 SDK's package layout for sending: its vendored requests and its handler."""
    import aliyunsdkcore.vendored.requests as vendored

    package = root / "alibabacloud"
    (package / "vendored").mkdir(parents=True)
    (package / "handlers").mkdir()
    (package / "__init__.py").write_text('__version__ = "1.0.6"\n')
    (package / "vendored" / "__init__.py").write_text("")
    (package / "handlers" / "__init__.py").write_text("")
    (package / "handlers" / "http_handler.py").write_text(V2_HANDLER)
    shutil.copytree(
        Path(vendored.__file__).parent,
        package / "vendored" / "requests",
        ignore=shutil.ignore_patterns("__pycache__"),
    )


def test_no_socket_leaves_loopback_on_any_sdk_path(
    ecs_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_v2(ecs_pytester.path)
    ecs_pytester.makeconftest(CONFTEST)
    ecs_pytester.makepyfile(test_paths=textwrap.dedent(TESTS))
    here = str(Path(pytest_ecs_events.__file__).parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ecs_pytester.path), here]))
    result = ecs_pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=6)
    escapes = json.loads((ecs_pytester.path / "escapes.json").read_text())
    assert escapes == {"connect": [], "resolve": []}
