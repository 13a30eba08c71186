"""Injected faults (api/faults.py) in process: API errors and transport faults (timeout,
connection reset) queue in order and raise the built-in errors; latency is real time. Through
both SDKs: ``tests/e2e/test_sdk_faults.py``; over the server: ``tests/e2e/test_server_faults.py``.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.api.faults import TransportFault, describe_fault
from pytest_ecs_events.core.clock import TimeFormatError
from tests.helpers.simulators import ONE_INSTANCE_INTERCEPTING

pytestmark = ONE_INSTANCE_INTERCEPTING


# --------------------------------------------------------------------- the built-in errors
def test_call_raises_the_builtin_errors(sim: EcsSimulator) -> None:
    sim.fail_next("*", fault="timeout")
    sim.fail_next("*", fault="reset")
    with pytest.raises(TimeoutError, match="DescribeRegions: read timed out"):
        sim.call("DescribeRegions")
    with pytest.raises(ConnectionResetError, match="connection reset"):
        sim.call("DescribeRegions")
    assert sim.call("DescribeRegions")["Regions"]


def test_handle_raises_transport_fault_with_the_recorded_try(sim: EcsSimulator) -> None:
    from pytest_ecs_events.api.messages import ApiRequest

    sim.fail_next("DescribeRegions", fault="reset")
    with pytest.raises(TransportFault) as raised:
        sim.handle(ApiRequest(params={"Action": "DescribeRegions"}))
    assert raised.value.kind == "reset"
    assert raised.value.call is sim.calls[-1]


# ------------------------------------------------------------------------- queue and checks
def test_api_errors_and_transport_faults_queue_in_order(sim: EcsSimulator) -> None:
    sim.fail_next("DescribeRegions", code="ServiceUnavailable", status=503)
    sim.fail_next("DescribeRegions", fault="timeout")
    sim.fail_next("DescribeRegions", code="Throttling")
    outcomes = []
    for _ in range(4):
        try:
            sim.call("DescribeRegions")
            outcomes.append("ok")
        except TimeoutError:
            outcomes.append("timeout")
        except Exception as exc:
            outcomes.append(getattr(exc, "code", repr(exc)))
    assert outcomes == ["ServiceUnavailable", "timeout", "Throttling", "ok"]


def test_a_fault_for_another_action_waits(sim: EcsSimulator) -> None:
    sim.fail_next("DescribeInstancesFullStatus", fault="reset")
    assert sim.call("DescribeRegions")
    with pytest.raises(ConnectionResetError):
        sim.call("DescribeInstancesFullStatus")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fault": "slow"}, "must be one of 'timeout', 'reset'"),
        ({"fault": "timeout", "code": "Throttling.User"}, "takes no code, status or message"),
        ({"fault": "reset", "status": 503}, "takes no code, status or message"),
        ({"fault": "reset", "times": 0}, "positive integer"),
        ({"required": "no"}, "required=...\\) must be True or False"),
    ],
)
def test_bad_fault_arguments(sim: EcsSimulator, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sim.fail_next("DescribeRegions", **kwargs)  # type: ignore[arg-type]
    assert sim.api.faults == []


# ------------------------------------------------------------------ strict faults (issue 17)
@pytest.mark.parametrize("action", ["RebootInstanse", "DescribeInstanceHistoryEvent", "Nope"])
def test_an_action_the_simulator_lacks_is_refused(sim: EcsSimulator, action: str) -> None:
    with pytest.raises(ValueError, match=f"does not implement the action '{action}'"):
        sim.fail_next(action)
    with pytest.raises(ValueError, match="does not implement"):  # the API level checks too
        sim.api.fail_next(action)
    assert sim.api.faults == []


def test_unused_faults_are_the_required_ones_left(sim: EcsSimulator) -> None:
    sim.fail_next("DescribeRegions", times=2)
    sim.fail_next("RebootInstance", code="IncorrectInstanceStatus", status=403)
    sim.fail_next("*", fault="reset", required=False)
    sim.fail_next("DescribeInstances", required=False)
    with pytest.raises(EcsApiError):
        sim.call("DescribeRegions")
    unused = sim.api.unused_faults()
    assert [describe_fault(f) for f in unused] == [
        "fail_next('DescribeRegions', code='Throttling', status=400): 1 time(s) left",
        "fail_next('RebootInstance', code='IncorrectInstanceStatus', status=403): 1 time(s) left",
    ]
    unused[0].times = 99  # copies: the queue is not changed through them
    with pytest.raises(EcsApiError):
        sim.call("DescribeRegions")
    assert [f.action for f in sim.api.unused_faults()] == ["RebootInstance"]
    assert describe_fault(sim.api.faults[-2]) == "fail_next('*', fault='reset'): 1 time(s) left"


# ----------------------------------------------------------------------------------- latency
def test_latency_setting_forms(sim: EcsSimulator) -> None:
    assert sim.latency == timedelta(0)
    sim.latency = "200ms"
    assert sim.latency == timedelta(milliseconds=200)
    sim.latency = 0.5
    assert sim.latency == timedelta(seconds=0.5)
    sim.latency = timedelta(0)
    assert sim.latency == timedelta(0)
    with pytest.raises(TimeFormatError):
        sim.latency = "soon"
    with pytest.raises(TimeFormatError):
        sim.latency = -1


def test_latency_is_real_time_not_virtual(sim: EcsSimulator) -> None:
    sim.latency = "50ms"
    before = sim.now
    started = time.perf_counter()
    assert sim.call("DescribeRegions")
    assert time.perf_counter() - started >= 0.05
    assert sim.now == before
    assert sim.calls[-1].ok
