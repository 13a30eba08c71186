"""The guard in front of every live call: allowlisted instances, own events, known actions."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from pytest_ecs_events.live.errors import LiveGuardError
from pytest_ecs_events.live.guard import EVENT_ACTIONS, INSTANCE_ACTIONS, READ_ACTIONS, LiveGuard


@pytest.fixture
def guard() -> LiveGuard:
    return LiveGuard({"i-web", "i-db"})


def test_guard_allows_reads_and_allowlisted_instances(guard: LiveGuard) -> None:
    guard.check("DescribeInstanceHistoryEvents", {"RegionId": "cn-hangzhou"})
    guard.check("DescribeInstances", {"InstanceIds": '["i-web", "i-db"]'})
    guard.check("RebootInstance", {"InstanceId": "i-web"})
    guard.check("CreateSimulatedSystemEvents", {"InstanceId.1": "i-web", "InstanceId.2": "i-db"})


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("RebootInstance", {"InstanceId": "i-other"}, "i-other: not in the allowlist"),
        ("RebootInstances", {"InstanceId.1": "i-web", "InstanceId.2": "i-x"}, "i-x: not in"),
        ("DescribeInstances", {"InstanceIds": '["i-web", "i-x"]'}, "i-x: not in"),
        ("DescribeInstances", {"InstanceIds": "i-web"}, "must be a JSON list"),
        ("DescribeInstanceHistoryEvents", {"ResourceId.1": "i-x"}, "i-x: not in"),
        ("RebootInstance", {"instanceid": "i-x"}, "i-x: not in"),  # any spelling
        ("RebootInstance", {}, "without an instance id"),
        ("DeleteInstance", {"InstanceId": "i-web"}, "live mode only sends"),
        ("RunCommand", {}, "live mode only sends"),
        ("CreateSimulatedSystemEvents", {"InstanceId.1": "i-web", "TriggerRealOps": "false"},
         "never sets TriggerRealOps"),
        ("CreateSimulatedSystemEvents", {"InstanceId.1": "i-web", "triggerRealOps": "true"},
         "never sets TriggerRealOps"),
        ("CancelSimulatedSystemEvents", {"EventId.1": "e-not-ours"}, "this run created"),
        ("CancelSimulatedSystemEvents", {"RegionId": "cn-hangzhou"}, "without an event id"),
        ("ModifySystemEventAttribute", {"EventId": "e-x", "InstanceId": "i-web"}, "this run"),
    ],
)  # fmt: skip
def test_guard_refuses(
    guard: LiveGuard, action: str, params: Mapping[str, str], message: str
) -> None:
    with pytest.raises(LiveGuardError, match=message):
        guard.check(action, params)


def test_guard_owned_events(guard: LiveGuard) -> None:
    guard.own(["e-1"], "i-web")
    guard.check("CancelSimulatedSystemEvents", {"EventId.1": "e-1"})
    with pytest.raises(LiveGuardError, match="e-2"):
        guard.check("CancelSimulatedSystemEvents", {"EventId.1": "e-1", "EventId.2": "e-2"})
    with pytest.raises(LiveGuardError, match="not in the allowlist"):
        guard.own(["e-3"], "i-elsewhere")
    assert not guard.owns("e-3")


def test_the_action_sets_do_not_overlap_and_repr_names_the_allowlist(guard: LiveGuard) -> None:
    assert not READ_ACTIONS & INSTANCE_ACTIONS
    assert not READ_ACTIONS & EVENT_ACTIONS
    assert not INSTANCE_ACTIONS & EVENT_ACTIONS
    guard.own(["e-1"])
    assert repr(guard) == "<LiveGuard allowlist=['i-db', 'i-web'] owned=1>"


# ----------------------------------------------------------- the handler's calls (intercepted)
def test_intercepted_reads_pass_whatever_they_name() -> None:
    guard = LiveGuard(["i-web"])
    guard.check_intercepted("DescribeInstances", {"InstanceIds": '["i-db"]'})
    guard.check_intercepted("DescribeDisks", {"InstanceId": "i-db"})
    guard.check_intercepted("ListTagResources", {"ResourceId.1": "i-db"})


def test_intercepted_writes_follow_the_handles_rules() -> None:
    guard = LiveGuard(["i-web"])
    guard.own(["e-1"], "i-web")
    guard.check_intercepted("RebootInstance", {"InstanceId": "i-web"})
    guard.check_intercepted("ModifyInstanceAttribute", {"InstanceId": "i-web"})  # any write
    guard.check_intercepted("CancelSimulatedSystemEvents", {"EventId.1": "e-1"})
    refused = {
        "RebootInstance": {"InstanceId": "i-db"},
        "RebootInstances": {"InstanceId.1": "i-web", "InstanceId.2": "i-db"},
        "StartInstances": {"instanceids": '["i-db"]'},
        "TagResources": {"ResourceId.1": "i-db"},
        "StopInstance": {"InstanceId": "i-web", "TriggerRealOps": "false"},
        "CancelSimulatedSystemEvents": {"EventId.1": "e-2"},
        "RunInstances": {"RegionId": "cn-hangzhou"},
        "DeleteDisk": {"DiskId": "d-1"},
    }
    for action, params in refused.items():
        with pytest.raises(LiveGuardError):
            guard.check_intercepted(action, params)


def test_the_handles_reads_still_name_any_event() -> None:
    LiveGuard(["i-web"]).check("DescribeInstanceHistoryEvents", {"EventId.1": "e-someone"})
