"""Injected faults (api/faults.py) through both SDKs in process: the legacy SDK's own retry,
transport errors (timeout, connection reset) as each copy of ``requests`` raises them, and
latency against the client's read timeout. Over the loopback server:
``tests/e2e/test_server_faults.py``; the fault queue itself: ``tests/api/test_faults.py``.

The legacy SDK retries Describe* calls on Throttling and on connection errors; its back-off
is recorded instead of slept (the ``backoff`` fixture, ``tests/e2e/conftest.py``).
"""

from __future__ import annotations

import json

import pytest
import requests
from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.vendored import requests as vendored_requests
from aliyunsdkecs.request.v20140526.DescribeInstancesFullStatusRequest import (
    DescribeInstancesFullStatusRequest,
)
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

from pytest_ecs_events import EcsSimulator
from tests.helpers.simulators import ONE_INSTANCE_INTERCEPTING

ECS = "https://ecs-cn-hangzhou.aliyuncs.com/?Action=DescribeRegions&RegionId=cn-hangzhou"

pytestmark = ONE_INSTANCE_INTERCEPTING


def legacy(sim: EcsSimulator, **kwargs: object) -> AcsClient:
    return AcsClient("AK", "SECRET", sim.region, **kwargs)


def full_status(client: AcsClient) -> dict[str, object]:
    body: dict[str, object] = json.loads(
        client.do_action_with_exception(DescribeInstancesFullStatusRequest())
    )
    return body


def tries(sim: EcsSimulator) -> list[tuple[str, int, str | None]]:
    return [(c.action, c.status, c.error_code) for c in sim.calls]


# ------------------------------------------------------------------- the legacy SDK's retry
def test_legacy_retry_gets_through_timeout_reset_and_throttling(
    sim: EcsSimulator, backoff: list[float]
) -> None:
    sim.fail_next("DescribeInstancesFullStatus", fault="timeout")
    sim.fail_next("DescribeInstancesFullStatus", fault="reset")
    sim.fail_next("DescribeInstancesFullStatus", code="Throttling")

    body = full_status(legacy(sim))

    assert body["TotalCount"] == 1
    assert tries(sim) == [
        ("DescribeInstancesFullStatus", 0, "Transport.Timeout"),
        ("DescribeInstancesFullStatus", 0, "Transport.ConnectionReset"),
        ("DescribeInstancesFullStatus", 400, "Throttling"),
        ("DescribeInstancesFullStatus", 200, None),
    ]
    assert [c.fault for c in sim.calls] == ["timeout", "reset", None, None]
    assert not any(c.ok for c in sim.calls[:3])
    assert len(backoff) == 3  # one back-off before each retry


def test_legacy_retry_gives_up_and_every_try_is_recorded(
    sim: EcsSimulator, backoff: list[float]
) -> None:
    sim.fail_next("DescribeInstancesFullStatus", fault="timeout", times=10)

    with pytest.raises(ClientException) as raised:
        full_status(legacy(sim))

    assert raised.value.get_error_code() == "SDK.HttpError"
    assert "Read timed out" in raised.value.get_error_msg()
    # the default policy: the first try and three retries
    assert tries(sim) == [("DescribeInstancesFullStatus", 0, "Transport.Timeout")] * 4
    assert len(backoff) == 3


def test_throttling_times_n_is_retried_through(sim: EcsSimulator, backoff: list[float]) -> None:
    sim.fail_next("DescribeInstancesFullStatus", times=2)
    assert full_status(legacy(sim))["TotalCount"] == 1
    assert [c.error_code for c in sim.calls] == ["Throttling", "Throttling", None]


def test_no_retry_without_auto_retry(sim: EcsSimulator, backoff: list[float]) -> None:
    sim.fail_next("DescribeInstancesFullStatus", fault="reset")
    with pytest.raises(ClientException, match="Connection aborted"):
        full_status(legacy(sim, auto_retry=False))
    assert len(sim.calls) == 1
    assert backoff == []


def test_a_timed_out_reboot_was_done_a_reset_one_was_not(
    sim: EcsSimulator, backoff: list[float]
) -> None:
    """A read timeout leaves the client unsure: the server did serve it (the worst case)."""
    client = legacy(sim)
    request = RebootInstanceRequest()
    request.set_InstanceId("i-a")

    sim.fail_next("RebootInstance", fault="reset")
    with pytest.raises(ClientException, match="Connection aborted"):
        client.do_action_with_exception(request)
    assert sim.instance("i-a").status == "Running"

    sim.fail_next("RebootInstance", fault="timeout")
    with pytest.raises(ClientException, match="Read timed out"):
        client.do_action_with_exception(request)
    assert sim.instance("i-a").status == "Stopping"  # rebooting: it was served
    # RebootInstance is not a retryable API for the SDK: one try each
    assert tries(sim) == [
        ("RebootInstance", 0, "Transport.ConnectionReset"),
        ("RebootInstance", 0, "Transport.Timeout"),
    ]
    # a handler that retries blindly now meets the API's answer to a second reboot
    with pytest.raises(ServerException) as raised:
        client.do_action_with_exception(request)
    assert raised.value.get_error_code() == "IncorrectInstanceStatus"


# ------------------------------------------------------------- the exceptions of each copy
def test_each_requests_copy_gets_its_own_exception_classes(sim: EcsSimulator) -> None:
    sim.fail_next("DescribeRegions", fault="timeout")
    with pytest.raises(vendored_requests.exceptions.ReadTimeout, match=r"read timeout=3\)"):
        vendored_requests.get(ECS, timeout=3)

    sim.fail_next("DescribeRegions", fault="timeout")
    with pytest.raises(requests.exceptions.ReadTimeout, match="HTTPSConnectionPool"):
        requests.get(ECS, timeout=(1, 4))

    sim.fail_next("DescribeRegions", fault="reset")
    with pytest.raises(vendored_requests.exceptions.ConnectionError) as vendored_reset:
        vendored_requests.get(ECS)
    assert not isinstance(vendored_reset.value, vendored_requests.exceptions.Timeout)

    sim.fail_next("DescribeRegions", fault="reset")
    with pytest.raises(requests.exceptions.ConnectionError, match="Connection reset"):
        requests.get(ECS)

    assert [c.error_code for c in sim.calls] == [
        "Transport.Timeout",
        "Transport.Timeout",
        "Transport.ConnectionReset",
        "Transport.ConnectionReset",
    ]


def test_new_sdk_sees_a_transport_error(sim: EcsSimulator) -> None:
    from alibabacloud_ecs20140526 import models
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    client = Client(Config(access_key_id="AK", access_key_secret="S", region_id=sim.region))
    request = models.DescribeInstancesFullStatusRequest(region_id=sim.region)
    sim.fail_next("DescribeInstancesFullStatus", fault="timeout")
    with pytest.raises(Exception, match="Read timed out"):
        client.describe_instances_full_status(request)
    sim.fail_next("DescribeInstancesFullStatus", fault="reset")
    with pytest.raises(Exception, match="Connection aborted"):
        client.describe_instances_full_status(request)
    assert client.describe_instances_full_status(request).body.total_count == 1
    assert [c.error_code for c in sim.calls] == [
        "Transport.Timeout",
        "Transport.ConnectionReset",
        None,
    ]


# ----------------------------------------------------------------------------------- latency
def test_latency_longer_than_the_read_timeout_is_a_timeout(sim: EcsSimulator) -> None:
    sim.latency = "300ms"
    client = legacy(sim, timeout=0.1, auto_retry=False)
    with pytest.raises(ClientException, match=r"latency 0\.3s >= read timeout 0\.1s"):
        full_status(client)
    assert tries(sim) == [("DescribeInstancesFullStatus", 0, "Transport.Timeout")]
