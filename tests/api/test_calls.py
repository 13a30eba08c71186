"""The record of each answered call (api/calls.py): ``EcsSimulator.calls``."""

from __future__ import annotations

import dataclasses

import pytest

import pytest_ecs_events
from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.api.calls import ApiCall


def test_a_call_is_recorded_with_its_business_parameters_only() -> None:
    sim = EcsSimulator(now="2024-05-01T00:00:00Z", instances=["i-1"])
    sim.call("DescribeInstanceStatus", RegionId=sim.region, Version="2014-05-26")
    with pytest.raises(EcsApiError):
        sim.call("DescribeInstanceStatus", RegionId=sim.region, PageSize="0")
    ok, refused = sim.calls
    assert (ok.action, ok.params, ok.status, ok.error_code, ok.ok) == (
        "DescribeInstanceStatus", {"RegionId": sim.region}, 200, None, True,
    )  # fmt: skip
    assert (refused.status, refused.error_code, refused.ok) == (403, "InvalidParameter", False)
    assert ok.time == sim.now
    assert ok.request_id != refused.request_id
    assert ok.fault is None


def test_a_call_is_a_frozen_record() -> None:
    call = ApiCall("A", {}, 200, None, pytest_ecs_events.EcsSimulator(now="2024-05-01").now, "R")
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.status = 500  # type: ignore[misc]
    assert call.host == ""
    assert pytest_ecs_events.ApiCall is ApiCall
