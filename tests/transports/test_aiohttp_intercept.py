"""aiohttp answered in-process: the new SDK's async methods, raw aiohttp, faults, and every
other URL passing through (loopback, a test's own ``aioresponses``)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from alibabacloud_ecs20140526 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.exceptions import UnretryableException

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.aiohttp_intercept import _response_class, request_from_aiohttp
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.sdk import new_client

A = "i-bp1aaaaaaaaaaaaaaaaa"


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def get(url: str, **kwargs: Any) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, **kwargs) as answer:
        return answer.status, await answer.read()


def test_new_sdk_async_methods_in_process() -> None:
    with EcsSimulator(instances=[A], now="2024-05-01T00:00:00Z") as sim:
        event = sim.inject_event("SystemMaintenance.Reboot", A, not_before="+2h")
        client = new_client(sim)
        request = m.DescribeInstanceHistoryEventsRequest(
            region_id=sim.region, instance_event_cycle_status=["Scheduled"]
        )
        listed = run(client.describe_instance_history_events_async(request))
        assert listed.status_code == 200
        assert listed.body.total_count == 1
        assert listed.body.instance_system_event_set.instance_system_event_type[0].event_id == (
            event.event_id
        )
        rebooted = run(client.reboot_instance_async(m.RebootInstanceRequest(instance_id=A)))
        assert rebooted.status_code == 200
        assert [call.action for call in sim.calls] == [
            "DescribeInstanceHistoryEvents",
            "RebootInstance",
        ]


def test_async_errors_are_the_sdks_exception_with_code_and_status() -> None:
    with EcsSimulator(instances=[A]) as sim:
        client = new_client(sim)
        with pytest.raises(ClientException) as caught:
            run(client.reboot_instance_async(m.RebootInstanceRequest(instance_id="i-missing")))
        assert caught.value.code == "InvalidInstanceId.NotFound"
        assert caught.value.status_code == 404
        sim.fail_next("RebootInstance", code="Throttling.User", status=400)
        with pytest.raises(ClientException) as throttled:
            run(client.reboot_instance_async(m.RebootInstanceRequest(instance_id=A)))
        assert (throttled.value.code, throttled.value.status_code) == ("Throttling.User", 400)


@pytest.mark.parametrize(
    ("fault", "text"),
    [("timeout", "Timeout on reading data from socket"), ("reset", "Connection reset by peer")],
)
def test_transport_faults_are_aiohttps_own(fault: str, text: str) -> None:
    with EcsSimulator(instances=[A]) as sim:
        sim.fail_next("RebootInstance", fault=fault)
        with pytest.raises(aiohttp.ClientError, match=text):
            run(get(f"https://{sim.endpoint}/?Action=RebootInstance&InstanceId={A}"))
        sim.fail_next("RebootInstance", fault=fault, times=10)
        client = new_client(sim)
        with pytest.raises(UnretryableException, match=text):
            run(client.reboot_instance_async(m.RebootInstanceRequest(instance_id=A)))
        assert sim.calls[-1].fault == fault


def test_raw_aiohttp_to_any_ecs_endpoint() -> None:
    with EcsSimulator(region="cn-beijing") as sim:
        for host in ("ecs.cn-beijing.aliyuncs.com", "ecs-vpc.cn-beijing.aliyuncs.com"):
            status, body = run(get(f"http://{host}/?Action=DescribeRegions&Format=JSON"))
            assert status == 200
            assert "Regions" in json.loads(body)
        assert {call.host for call in sim.calls} == {
            "ecs.cn-beijing.aliyuncs.com",
            "ecs-vpc.cn-beijing.aliyuncs.com",
        }


def test_loopback_passes_through_to_the_server(sim: EcsSimulator) -> None:
    with sim, EcsServer(sim) as server:
        status, body = run(get(f"{server.url}/?Action=DescribeRegions"))
        assert status == 200
        assert "Regions" in json.loads(body)
        assert sim.calls[-1].host.startswith("127.0.0.1")


def test_a_tests_own_aioresponses_keeps_working() -> None:
    # aioresponses 0.7.9 cannot build a response for aiohttp 3.14 alone: ours fits both.
    fits = {"response_class": _response_class()}
    with aioresponses() as mocked:  # started before the simulator: ours passes other URLs on
        mocked.get("http://example.com/x", body="mine", repeat=True, **fits)
        with EcsSimulator():
            assert run(get("http://example.com/x")) == (200, b"mine")
            assert run(get("https://ecs.aliyuncs.com/?Action=DescribeRegions"))[0] == 200
    with EcsSimulator(), aioresponses(passthrough_unmatched=True) as inner:  # on top of ours
        inner.get("http://example.com/y", body="inner", **fits)
        assert run(get("http://example.com/y")) == (200, b"inner")
        assert run(get("https://ecs.aliyuncs.com/?Action=DescribeRegions"))[0] == 200


def test_each_start_wraps_what_is_there_at_that_start() -> None:
    # The patch made for a given ``_request`` is kept for later starts: a later start over
    # a test's own aioresponses still wraps that, not the function the kept one wraps.
    fits = {"response_class": _response_class()}
    before = aiohttp.ClientSession._request
    with EcsSimulator():
        first = aiohttp.ClientSession._request
    with aioresponses() as mocked:
        mocked.get("http://example.com/z", body="mine", repeat=True, **fits)
        with EcsSimulator() as sim:
            assert aiohttp.ClientSession._request is not first
            assert run(get("http://example.com/z")) == (200, b"mine")
            assert run(get("https://ecs.aliyuncs.com/?Action=DescribeRegions"))[0] == 200
            assert [call.action for call in sim.calls] == ["DescribeRegions"]
        assert run(get("http://example.com/z")) == (200, b"mine")
    assert aiohttp.ClientSession._request is before
    with EcsSimulator() as sim:
        assert run(get("https://ecs.aliyuncs.com/?Action=DescribeRegions"))[0] == 200
        assert [call.action for call in sim.calls] == ["DescribeRegions"]
    assert aiohttp.ClientSession._request is before


def test_aiohttp_is_back_to_normal_after_stop() -> None:
    before = aiohttp.ClientSession._request
    with EcsSimulator():
        assert aiohttp.ClientSession._request is not before
    assert aiohttp.ClientSession._request is before


def test_request_from_aiohttp_reads_every_body_form() -> None:
    url = "https://ecs.aliyuncs.com/?Action=RebootInstance"
    form = request_from_aiohttp("POST", url, {"data": {"InstanceId": A}})
    assert form.params == {"Action": "RebootInstance", "InstanceId": A}
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    raw = request_from_aiohttp("POST", url, {"data": b"InstanceId=i-x", "headers": form_type})
    assert raw.params["InstanceId"] == "i-x"
    as_json = request_from_aiohttp("POST", url, {"json": {"a": 1}})
    assert (as_json.body, as_json.headers["content-type"]) == (b'{"a": 1}', "application/json")
    assert request_from_aiohttp("GET", url, {}).body == b""


def test_aiohttp_imported_after_the_simulator_started_is_answered(tmp_path: Any) -> None:
    """Where no SDK imported aiohttp at start, the patch goes in when it is imported."""
    script = textwrap.dedent(
        """
        import asyncio, sys
        sys.modules["darabonba"] = None  # no new SDK: nothing imports aiohttp at start
        sys.modules["Tea"] = None
        from pytest_ecs_events import EcsSimulator
        with EcsSimulator() as sim:
            assert "aiohttp" not in sys.modules
            import aiohttp

            async def main():
                async with aiohttp.ClientSession() as session:
                    url = "https://ecs.aliyuncs.com/?Action=DescribeRegions"
                    async with session.get(url) as answer:
                        return answer.status

            print(asyncio.run(main()), len(sim.calls))
        print(sys.meta_path[0].__class__.__name__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    first, finder = done.stdout.split("\n")[:2]
    assert first == "200 1"
    assert finder != "_WhenImported"
