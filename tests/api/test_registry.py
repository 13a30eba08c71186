"""The action registry (api/registry.py): what each action is registered with."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

import pytest_ecs_events.cms  # noqa: F401  (registers CloudMonitor: check_action_name knows both)
from pytest_ecs_events.api import ACTIONS as PACKAGE_ACTIONS
from pytest_ecs_events.api.dispatch import ACTIONS
from pytest_ecs_events.api.messages import ApiRequest
from pytest_ecs_events.api.params import Params
from pytest_ecs_events.api.registry import (
    REGISTRIES,
    ActionContext,
    ActionSpec,
    action,
    check_action_name,
    closest_action,
    query_action,
)
from pytest_ecs_events.core import Simulation
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.simulation import SimulationConfig


def test_every_action_is_registered_once_the_dispatcher_is_loaded() -> None:
    assert PACKAGE_ACTIONS is ACTIONS
    assert {"DescribeInstanceHistoryEvents", "CreateSimulatedSystemEvents", "DescribeRegions"} <= (
        set(ACTIONS)
    )
    assert ACTIONS["CreateSimulatedSystemEvents"].statuses["MissingParameter"] == 404
    assert ACTIONS["DescribeInstanceStatus"].statuses == {"InvalidParameter": 403}


def test_decorators_register_handlers_and_preparers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRIES, "ecs", registered := {})

    @action("Poke", Invalid_Thing=409)
    def poke(ctx: ActionContext) -> dict[str, Any]:
        return {"Poked": ctx.region()}

    @query_action("Peek")
    def peek(ctx: ActionContext) -> Any:
        region = ctx.region()
        return lambda sim: {"Region": region, "Now": str(sim.now)}

    spec: ActionSpec = registered["Poke"]
    assert (spec.read_only, spec.statuses) == (False, {"Invalid.Thing": 409})
    assert registered["Peek"].read_only
    sim = Simulation(now=datetime(2024, 5, 1, tzinfo=timezone.utc))
    ctx = ActionContext(Params({"RegionId": "cn-beijing"}), sim, ApiRequest({}))
    assert spec.handler(ctx) == {"Poked": "cn-beijing"}
    assert registered["Peek"].handler(ctx) == {"Region": "cn-beijing", "Now": str(sim.now)}
    default = ActionContext(Params({}), sim, ApiRequest({}))
    assert default.region(required=False) == sim.config.region


@pytest.mark.parametrize(
    ("name", "meant"),
    [("RebootInstanse", "RebootInstance"), ("rebootinstance", "RebootInstance"),
     ("DescribeInstanceHistoryEvent", "DescribeInstanceHistoryEvents"),
     ("CreateSimulatedSystemEvent", "CreateSimulatedSystemEvents"),
     ("DescribeInstancesFullStatuses", "DescribeInstancesFullStatus")],
)  # fmt: skip
def test_closest_action_finds_the_action_a_typo_meant(name: str, meant: str) -> None:
    assert closest_action(name) == meant


@pytest.mark.parametrize("name", ["LaunchRockets", "", "DescribeStuff", "StartTerminalSession"])
def test_closest_action_suggests_nothing_for_an_unrelated_name(name: str) -> None:
    assert closest_action(name) is None


# ---------------------------------------------------------------------- the region check
@pytest.mark.parametrize("region", ["cn-nowhere", "cn-hangzou", "CN-BEIJING"])
def test_an_unknown_region_id_is_not_found(region: str) -> None:
    sim = Simulation(now=datetime(2024, 5, 1, tzinfo=timezone.utc))
    ctx = ActionContext(Params({"RegionId": region}), sim, ApiRequest({}))
    with pytest.raises(EcsApiError) as raised:
        ctx.region()
    assert (raised.value.code, raised.value.status) == ("InvalidRegionId.NotFound", 404)


def test_the_accounts_own_and_extra_regions_are_known() -> None:
    config = SimulationConfig(region="cn-beijing", extra_regions=("cn-lab-1",))
    sim = Simulation(now=datetime(2024, 5, 1, tzinfo=timezone.utc), config=config)
    for region in ("cn-beijing", "cn-lab-1", "eu-west-1"):
        ctx = ActionContext(Params({"RegionId": region}), sim, ApiRequest({}))
        assert ctx.region() == region


# ------------------------------------------------------------------ the action-name check
@pytest.mark.parametrize(
    "name", ["*", "RebootInstance", "DescribeInstanceHistoryEvents", "DescribeSystemEventAttribute"]
)
def test_implemented_actions_and_the_wildcard_pass(name: str) -> None:
    assert check_action_name(name, "fail_next") == name


@pytest.mark.parametrize(
    ("name", "expected"),
    [("RebootInstanse", "^fail_next\\('RebootInstanse'\\): .* Did you mean 'RebootInstance'"),
     ("DescribeSystemEventMetaList", "an action of CloudMonitor"),
     ("LaunchRockets", "It implements: AcceptInquiredSystemEvent, .*RebootInstance"),
     ("", "needs an action name"), (None, "needs an action name")],
)  # fmt: skip
def test_other_names_are_a_value_error_saying_what_was_meant(name: Any, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        check_action_name(name, "fail_next")
