"""MaxResults is clamped into 10..100 as the SDK's request models document, never refused for
its size (api/paging.py)."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.api.paging import page_request
from pytest_ecs_events.api.params import Params
from pytest_ecs_events.core.errors import EcsApiError

numbers = st.integers(-(10**17), 10**17)


def _clamped(value: int) -> int:
    return min(max(value, 10), 100)


@given(numbers)
def test_describe_instances_max_results_is_clamped(value: int) -> None:
    page = page_request(Params({"MaxResults": str(value)}), tokens=True)
    assert page.size == _clamped(value)
    assert page.token_mode


@given(numbers)
def test_history_max_results_is_clamped_when_positive_and_refused_otherwise(value: int) -> None:
    params = Params({"MaxResults": str(value)}, {"InvalidParameter": 403})
    if value > 0:
        assert page_request(params, tokens=True, positive_results=True).size == _clamped(value)
        return
    with pytest.raises(EcsApiError) as info:
        page_request(params, tokens=True, positive_results=True)
    assert (info.value.code, info.value.status) == ("InvalidParameter", 403)


@functools.cache
def _account() -> EcsSimulator:
    """120 instances, each with one finished event: more than the largest page."""
    sim = EcsSimulator(now="2024-05-01T00:00:00Z", seed=1)
    ids = [sim.add_instance(f"i-{n:03d}").instance_id for n in range(120)]
    for batch in (ids[:60], ids[60:]):
        sim.create_events("SystemFailure.Reboot", batch, "+1m")
    sim.advance("2m")
    return sim


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 400))
def test_a_history_page_holds_the_clamped_number_of_events(value: int) -> None:
    sim = _account()
    body = sim.call("DescribeInstanceHistoryEvents", RegionId=sim.region, MaxResults=value)
    events = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
    assert len(events) == _clamped(value)
    assert body["NextToken"] == format(_clamped(value), "032x")


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(-50, 400))
def test_a_describe_instances_page_holds_the_clamped_number_of_instances(value: int) -> None:
    sim = _account()
    body = sim.call("DescribeInstances", RegionId=sim.region, MaxResults=value)
    assert len(body["Instances"]["Instance"]) == _clamped(value)
