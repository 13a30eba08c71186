"""The live guard sees the handler's own SDK calls: ``pytest --ecs-live`` end to end.

``ecs-sim serve`` (with ``--credentials``: every call is signed and verified) stands in for
the cloud, under the real host name: the inner runs' conftest resolves ``*.aliyuncs.com`` to
the loopback address, so the SDK clients of the inner tests use the real endpoint name
``ecs-cn-hangzhou.aliyuncs.com:PORT``, are intercepted, checked by the live guard and
forwarded (or refused) exactly as against the cloud. Allowlist: ``web=i-web``; the server
also has ``i-db``, outside it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator

import pytest

from tests.helpers.live import SECRET, Live, live_runner, serving, wait_for
from tests.helpers.serve import Server

pytest.importorskip("aliyunsdkcore")
pytest.importorskip("alibabacloud_ecs20140526")

HOST = "ecs-cn-hangzhou.aliyuncs.com"

# The real host name resolves to the stand-in (installed before the plugin's interception).
CONFTEST = """
import socket

_resolve = socket.getaddrinfo


def _to_loopback(host, port, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name.rstrip(".").endswith(".aliyuncs.com"):
        host = "127.0.0.1"
    return _resolve(host, port, *args, **kwargs)


socket.getaddrinfo = _to_loopback
"""

# The handler's own clients: the legacy SDK, the new SDK (sync and async), as a user writes them.
HANDLER = """
import asyncio
import json
import os

import pytest

AK = os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"]
SECRET = os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]


def legacy(ecs_sim, action, **params):
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest

    client = AcsClient(AK, SECRET, ecs_sim.region)
    request = CommonRequest(domain=ecs_sim.endpoint, version="2014-05-26", action_name=action,
                            product="Ecs")
    request.set_protocol_type(ecs_sim.protocol)
    request.set_method("POST")
    for key, value in params.items():
        request.add_query_param(key, value)
    return json.loads(client.do_action_with_exception(request))


def legacy_error(ecs_sim, action, **params):
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    with pytest.raises(ServerException) as error:
        legacy(ecs_sim, action, **params)
    return error.value


def new_client(ecs_sim):
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id=AK, access_key_secret=SECRET, region_id=ecs_sim.region,
                         endpoint=ecs_sim.endpoint, protocol=ecs_sim.protocol))


def test_legacy_sdk(ecs_sim):
    web = ecs_sim.resolve("web")
    assert legacy(ecs_sim, "RebootInstance", InstanceId=web)["RequestId"]
    refused = legacy_error(ecs_sim, "RebootInstance", InstanceId="i-db")
    assert refused.get_error_code() == "PytestEcsEvents.LiveGuard"
    assert refused.get_http_status() == 403
    assert "i-db" in refused.get_error_msg() and "allowlist" in refused.get_error_msg()
    for action, params in [
        ("RebootInstances", {"InstanceId.1": web, "InstanceId.2": "i-db"}),
        ("ModifyInstanceAttribute", {"Description": "names no instance"}),
        ("RunInstances", {"RegionId": ecs_sim.region}),
        ("StopInstances", {"InstanceId.1": web, "TriggerRealOps": "false"}),
        ("ModifyInstanceAttribute", {"InstanceIds": json.dumps(["i-db"])}),
        ("CancelSimulatedSystemEvents", {"EventId.1": "e-not-ours"}),
    ]:
        assert legacy_error(ecs_sim, action, **params).get_error_code() == (
            "PytestEcsEvents.LiveGuard"), action
    # reads pass, whatever they name
    listed = legacy(ecs_sim, "DescribeInstances", InstanceIds=json.dumps(["i-db", web]))
    assert sorted(i["InstanceId"] for i in listed["Instances"]["Instance"]) == ["i-db", "i-web"]


def test_new_sdk_sync_and_async(ecs_sim):
    from alibabacloud_ecs20140526 import models
    from Tea.exceptions import TeaException

    client = new_client(ecs_sim)
    client.modify_instance_attribute(
        models.ModifyInstanceAttributeRequest(instance_id="i-web", description="sync"))
    with pytest.raises(TeaException) as refused:
        client.reboot_instance(models.RebootInstanceRequest(instance_id="i-db"))
    assert refused.value.code == "PytestEcsEvents.LiveGuard"

    async def scenario():
        await client.modify_instance_attribute_async(
            models.ModifyInstanceAttributeRequest(instance_id="i-web", description="async"))
        with pytest.raises(TeaException) as refused:
            await client.reboot_instance_async(models.RebootInstanceRequest(instance_id="i-db"))
        return refused.value.code

    assert asyncio.run(scenario()) == "PytestEcsEvents.LiveGuard"


def test_the_handler_creates_an_event(ecs_sim):
    created = legacy(ecs_sim, "CreateSimulatedSystemEvents", RegionId=ecs_sim.region,
                     EventType="SystemMaintenance.Reboot", NotBefore="2099-01-01T00:00:00Z",
                     **{"InstanceId.1": ecs_sim.resolve("web")})
    [event_id] = created["EventIdSet"]["EventId"]
    with open("created.txt", "w") as out:
        out.write(event_id)
    # the test's handle lists it, and the handler may act on it as on the handle's events
    assert [e.event_id for e in ecs_sim.events()] == [event_id]
    assert ecs_sim.events()[0].instance_id == "web"
    legacy(ecs_sim, "ModifySystemEventAttribute", RegionId=ecs_sim.region, EventId=event_id,
           InstanceId=ecs_sim.resolve("web"), NotBefore="2099-01-02T00:00:00Z")
"""


@pytest.fixture(scope="module")
def live_server() -> Iterator[Server]:
    with serving() as server:
        yield server


@pytest.fixture
def live(
    ecs_pytester: pytest.Pytester, live_server: Server, monkeypatch: pytest.MonkeyPatch
) -> Live:
    live_server.request("/_sim/reset", {})
    ecs_pytester.makeconftest(CONFTEST)
    ecs_pytester.makepyfile(test_handler=HANDLER)
    return live_runner(ecs_pytester, live_server, monkeypatch)


def _endpoint(live: Live) -> str:
    return f"{HOST}:{live.server.port}"


def _sent(server: Server, action: str) -> list[dict[str, str]]:
    return [c["params"] for c in server.calls(action)]


def test_the_handlers_own_calls_pass_the_guard(live: Live) -> None:
    result = live.run("-v", "-k", "legacy or new_sdk", endpoint=_endpoint(live))
    result.assert_outcomes(passed=2)
    # What was allowed reached the stand-in, signed as the SDK signed it (the server
    # verifies every signature: a changed request would have been refused there).
    reboots = live.server.calls("RebootInstance")
    assert [(c["params"]["InstanceId"], c["status"]) for c in reboots] == [("i-web", 200)]
    modified = live.server.calls("ModifyInstanceAttribute")
    assert [
        (c["params"]["InstanceId"], c["params"]["Description"], c["status"]) for c in modified
    ] == [("i-web", "sync", 200), ("i-web", "async", 200)]
    # What the guard refused never reached it.
    everything = json.dumps(live.server.calls())
    assert "i-db" not in everything.replace('\\"i-db\\"', "")  # only the read named it
    for action in ("RebootInstances", "RunInstances", "StopInstances",
                   "CancelSimulatedSystemEvents"):  # fmt: skip
        assert live.server.calls(action) == [], action
    assert len(live.server.calls("DescribeInstances")) == 1


def test_an_event_the_handler_creates_is_journaled_and_cancelled(live: Live) -> None:
    result = live.run("-v", "-k", "creates", endpoint=_endpoint(live))
    result.assert_outcomes(passed=1)
    event_id = (live.pytester.path / "created.txt").read_text()
    [event] = live.server.events()
    assert event["event_id"] == event_id
    assert event["state"] == "Canceled"  # by the test's teardown
    assert [c["params"]["EventId.1"] for c in live.server.calls("CancelSimulatedSystemEvents")] == [
        event_id
    ]
    assert live.journals() == []  # settled, removed


def test_the_handle_on_the_real_host_name_journals_its_events_once(live: Live) -> None:
    live.pytester.makepyfile(
        test_marked="""
        import pytest

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web", not_before="+1h")
        def test_marked(ecs_sim):
            [event] = ecs_sim.events()
            with open(ecs_sim.journal_path) as journal:
                ops = [line for line in journal if '"op":"intent"' in line]
            assert len(ops) == 1, ops
        """
    )
    result = live.run("-v", "test_marked.py", endpoint=_endpoint(live))
    result.assert_outcomes(passed=1)
    assert [e["state"] for e in live.server.events()] == ["Canceled"]


def test_a_killed_run_leaves_the_handlers_event_to_the_clean_up(live: Live) -> None:
    live.pytester.makepyfile(
        test_killed=HANDLER.split("def test_legacy_sdk")[0]
        + """
def test_creates_then_hangs(ecs_sim):
    legacy(ecs_sim, "CreateSimulatedSystemEvents", RegionId=ecs_sim.region,
           EventType="SystemMaintenance.Reboot", NotBefore="2099-01-01T00:00:00Z",
           **{"InstanceId.1": ecs_sim.resolve("web")})
    import time
    time.sleep(60)
"""
    )
    proc, _ = live.start("test_killed.py", endpoint=_endpoint(live))
    try:
        wait_for(
            lambda: any('"op":"created"' in p.read_text() for p in live.journals()),
            "the journal to record the handler's event",
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [left] = live.server.events("Scheduled")
    [journal] = live.journals()
    assert left["event_id"] in journal.read_text()
    assert SECRET not in journal.read_text()
    cleanup = subprocess.run(
        [sys.executable, "-m", "pytest_ecs_events", "live-cleanup", "--journal", str(journal),
         "--endpoint", live.server.endpoint, "--protocol", "http"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr
    assert "cancelled 1 simulated event(s)" in cleanup.stdout
    assert [e["state"] for e in live.server.events()] == ["Canceled"]
    assert live.journals() == []


# The 2019 v2 SDK, imported by the test module (so loaded before its tests start).
V2_HANDLER = """
import os
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from alibabacloud import get_client
    from alibabacloud.client import ClientConfig
    from alibabacloud.exceptions import ServerException


def test_v2_sdk(ecs_sim):
    host, port = ecs_sim.endpoint.split(":")
    config = ClientConfig(region_id=ecs_sim.region, endpoint=host, enable_https=False,
                          http_port=int(port))
    client = get_client("ecs", access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                        access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                        config=config)
    client.modify_instance_attribute(instance_id="i-web", description="v2")
    with pytest.raises(ServerException) as refused:
        client.reboot_instance(instance_id="i-db")
    assert refused.value.error_code == "PytestEcsEvents.LiveGuard"
    assert refused.value.http_status == 403
"""


def test_the_v2_sdk_passes_the_guard_too(live: Live) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        pytest.importorskip("alibabacloud.vendored.requests")
    live.pytester.makepyfile(test_v2=V2_HANDLER)
    result = live.run("-v", "test_v2.py", endpoint=_endpoint(live))
    result.assert_outcomes(passed=1)
    modified = live.server.calls("ModifyInstanceAttribute")
    assert [(c["params"]["InstanceId"], c["status"]) for c in modified] == [("i-web", 200)]
    assert live.server.calls("RebootInstance") == []
