"""Hostile input: every action, arbitrary parameters, through ``EcsSimulator.handle``.

Whatever comes in, the answer is a 200 success or a 4xx in the API's error format, never a
5xx, and a refused call leaves every event and instance exactly as it was.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.api.dispatch import ACTIONS
from pytest_ecs_events.api.messages import ApiRequest

REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}
FUZZ = settings(
    max_examples=120, deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip


def build() -> EcsSimulator:
    """A fixed account: instances in every status, events in every state (seeded ids)."""
    sim = EcsSimulator(now="2024-01-01T00:00:00Z", seed=7, instances=["i-a", "i-b"])
    sim.add_instance("i-c", status="Stopped", tags={"env": "test"})
    sim.add_instance("i-d", region="cn-beijing")
    sim.create_events("SystemMaintenance.Reboot", ["i-a"], "+1m")
    sim.advance("5m")  # -> Executed
    sim.create_events("SystemMaintenance.Reboot", ["i-a", "i-b"], "+2h")  # Scheduled
    sim.create_events("SystemFailure.Reboot", ["i-b"], "+10m")  # Executing
    canceled = sim.create_events("SystemMaintenance.Stop", ["i-c"], "+3h")
    sim.cancel_events([canceled[0].event_id])
    sim.inject_event("SystemMaintenance.Reboot", "i-c", state="Inquiring")
    sim.create_events("SystemMaintenance.Redeploy", ["i-d"], "+1h", region="cn-beijing")
    sim.call("RunCommand", RegionId="cn-hangzhou", Type="RunShellScript",
             CommandContent="sleep 1", KeepCommand=True, **{"InstanceId.1": "i-b"})  # fmt: skip
    return sim


_TEMPLATE = build()
INSTANCE_IDS = [i.instance_id for i in _TEMPLATE.instances]
EVENT_IDS = [e.event_id for e in _TEMPLATE.events()]
_TEMPLATE_INVOKE = _TEMPLATE.invocations[0].invoke_id
_TEMPLATE_COMMAND = _TEMPLATE.invocations[0].command_id


def snapshot(sim: EcsSimulator) -> Any:
    return (
        [
            (e.event_id, e.state, e.not_before, tuple(e.history), e.finish_time,
             repr(e.extended))
            for e in sim.events()
        ],
        [(i.instance_id, i.status, i.released, repr(i.maintenance)) for i in sim.instances],
        sim.now,
    )  # fmt: skip


# ------------------------------------------------------------------------- strategies
BASE_NAMES = [
    "RegionId", "InstanceId", "EventId", "EventType", "NotBefore", "NotBefore.Start",
    "NotBefore.End", "EventPublishTime.Start", "EventPublishTime.End", "EventCycleStatus",
    "PageNumber", "PageSize", "MaxResults", "NextToken", "Status", "HealthStatus", "ZoneId",
    "InstanceIds", "InstanceName", "DryRun", "ForceStop", "ForceReboot", "BatchOptimization",
    "ResourceType", "ImpactLevel", "ResourceGroupId", "MaintenanceWindow.1.StartTime",
    "MaintenanceWindow.1.EndTime", "MaintenanceWindow.2.StartTime", "ActionOnMaintenance",
    "NotifyOnMaintenance", "TriggerRealOps", "Choice", "StoppedMode", "InitLocalDisk",
    "ConfirmStop", "Hibernate", "Version", "Format",
]  # fmt: skip
LIST_NAMES = ["InstanceId", "EventId", "InstanceEventType", "InstanceEventCycleStatus",
              "ResourceId"]  # fmt: skip
INDEXES = ["1", "2", "3", "5", "0", "01", "-1", "100", "101", "999999999", "1000000000",
           "", "x", " 1", "\u0661"]  # fmt: skip

_indexed = st.builds(lambda n, i: f"{n}.{i}", st.sampled_from(LIST_NAMES), st.sampled_from(INDEXES))
_tags = st.builds(lambda i, kv: f"Tag.{i}.{kv}", st.sampled_from(INDEXES),
                  st.sampled_from(["Key", "Value"]))  # fmt: skip
names = st.one_of(st.sampled_from(BASE_NAMES), _indexed, _indexed, _tags, st.text(max_size=12))

GOOD_VALUES = [
    *INSTANCE_IDS, *EVENT_IDS, "cn-hangzhou", "cn-beijing", "us-west-1", "cn-hangzhou-b",
    "SystemMaintenance.Reboot", "SystemFailure.Reboot", "SystemMaintenance.Stop",
    "InstanceFailure.Reboot", "SystemFailure.Delete", "Scheduled", "Executed", "Canceled",
    "Inquiring", "Executing", "Avoided", "Failed", "Running", "Stopped", "Starting", "Warning",
    "Ok", "instance", "ddh", "true", "false", "True", "FALSE", "AllTogether", "SuccessFirst",
    "Stop", "AutoRecover", "02:00:00", "18:00:00", "24:00:00", "02:30:00", "2014-05-26",
    "2024-01-01T00:00:00Z", "2024-01-01T03:00:00Z", "2023-12-31T23:59:59Z",
    "2024-01-01T00:06Z", "2024-02-30T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z", "2024-01-01 00:00:00", "2024-01-01T00:00:00+08:00",
    "1", "10", "50", "100", "101", "0", "-1", "2147483648", "99999999999999999999", "1e3",
    "NaN", "\u0663", " 5 ", "*", "web-*", "i-*",
]  # fmt: skip
BROKEN_JSON = [
    '["i-a"', '["i-a",]', "[", "]", "{}", '{"a":1}', "[1,2]", "null", '"i-a"', "[null]",
    '[["i-a"]]', '["i-a","i-b"]', "[]", "[" * 5000 + "]" * 5000, "[" * 100000,
    '["' + '","'.join(["i-a"] * 101) + '"]', "\ufeff[]", "NaN", "1e999999",
]  # fmt: skip
values = st.one_of(
    st.sampled_from(GOOD_VALUES),
    st.sampled_from(GOOD_VALUES),
    st.sampled_from(BROKEN_JSON),
    st.just(""),
    st.text(max_size=30),
    st.text(st.characters(max_codepoint=0x1F), max_size=10),  # control characters
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["x", "\u00e9", "\U0001f600", "9"]),
        st.sampled_from([1025, 10_000, 200_000]),
    ),
)
params_strategy = st.dictionaries(names, values, max_size=10)


def check(sim: EcsSimulator, request: ApiRequest) -> None:
    before = snapshot(sim)
    response = sim.handle(request)
    assert not sim.internal_errors, sim.internal_errors
    assert response.status == 200 or 400 <= response.status < 500, (response.status, response.body)
    body = dict(response.body)
    assert REQUEST_ID.fullmatch(body["RequestId"])
    response.content()  # serialisable
    if response.status == 200:
        assert "Code" not in body
    else:
        assert set(body) == ERROR_KEYS
        assert isinstance(body["Code"], str)
        assert body["Code"]
        assert isinstance(body["Message"], str)
        assert body["Message"]
        assert snapshot(sim) == before, (body["Code"], request.params)


class Account:
    """One :func:`build` account reused across examples, rebuilt after any change."""

    def __init__(self) -> None:
        self.sim = build()
        self.state = snapshot(self.sim)

    def get(self) -> EcsSimulator:
        if snapshot(self.sim) != self.state or len(self.sim.api.calls) > 1000:
            self.sim = build()
            self.state = snapshot(self.sim)
        return self.sim


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_any_parameters(action: str) -> None:
    account = Account()

    @FUZZ
    @given(params=params_strategy, region=st.sampled_from(["cn-hangzhou", "cn-beijing", None]))
    def run(params: dict[str, str], region: str | None) -> None:
        sim = account.get()
        full = {**params, "Action": action}
        if region is not None:
            full.setdefault("RegionId", region)
        check(sim, ApiRequest(params=full, host=sim.endpoint))

    run()


def _event(state: str, instance: str = "i-a") -> str:
    return next(
        e.event_id for e in _TEMPLATE.events() if e.state == state and e.instance_id in instance
    )


#: A valid call of each action, which the near-valid fuzz bends one or two parameters of.
BASELINES: dict[str, dict[str, str]] = {
    "CreateSimulatedSystemEvents": {"EventType": "SystemMaintenance.Reboot",
                                    "NotBefore": "2024-01-01T02:00:00Z", "InstanceId.1": "i-a"},
    "CancelSimulatedSystemEvents": {"EventId.1": _event("Scheduled")},
    "AcceptInquiredSystemEvent": {"EventId": _event("Inquiring", "i-c")},
    "ModifySystemEventAttribute": {"EventId": _event("Scheduled"), "InstanceId": "i-a",
                                   "NotBefore": "2024-01-01T05:00:00Z"},
    "DescribeInstances": {"InstanceIds": '["i-a","i-c"]'},
    "RebootInstance": {"InstanceId": "i-a"},
    "RebootInstances": {"InstanceId.1": "i-a", "InstanceId.2": "i-b"},
    "StopInstance": {"InstanceId": "i-a"},
    "StartInstance": {"InstanceId": "i-c"},
    "RedeployInstance": {"InstanceId": "i-a"},
    "DeleteInstance": {"InstanceId": "i-c"},
    "ModifyInstanceMaintenanceAttributes": {"InstanceId.1": "i-a",
                                            "MaintenanceWindow.1.StartTime": "02:00:00",
                                            "MaintenanceWindow.1.EndTime": "18:00:00",
                                            "ActionOnMaintenance": "Stop"},
    "DescribeInstanceMaintenanceAttributes": {"InstanceId.1": "i-a"},
    "TagResources": {"ResourceType": "instance", "ResourceId.1": "i-a", "Tag.1.Key": "env",
                     "Tag.1.Value": "prod"},
    "UntagResources": {"ResourceType": "instance", "ResourceId.1": "i-a", "TagKey.1": "env"},
    "ListTagResources": {"ResourceType": "instance", "ResourceId.1": "i-a"},
    "DescribeInstanceAttribute": {"InstanceId": "i-a"},
    "ModifyInstanceAttribute": {"InstanceId": "i-a", "InstanceName": "web-a",
                                "HostName": "web-a.prod", "SecurityGroupIds.1": "sg-a"},
    "StartInstances": {"InstanceId.1": "i-c"},
    "StopInstances": {"InstanceId.1": "i-a", "InstanceId.2": "i-b",
                      "StoppedMode": "StopCharging"},
    "RunCommand": {"Type": "RunShellScript", "CommandContent": "echo {{x}}",
                   "EnableParameter": "true", "Parameters": '{"x":"1"}', "InstanceId.1": "i-a",
                   "KeepCommand": "true", "Timeout": "120"},
    "CreateCommand": {"Name": "c", "Type": "RunShellScript", "CommandContent": "ZWNobw==",
                      "ContentEncoding": "Base64"},
    "InvokeCommand": {"CommandId": _TEMPLATE_COMMAND, "InstanceId.1": "i-a"},
    "DeleteCommand": {"CommandId": _TEMPLATE_COMMAND},
    "StopInvocation": {"InvokeId": _TEMPLATE_INVOKE},
}  # fmt: skip


def test_baselines_are_valid() -> None:
    for action in sorted(ACTIONS):
        sim = build()
        params = {"Action": action, "RegionId": "cn-hangzhou", **BASELINES.get(action, {})}
        response = sim.handle(ApiRequest(params=params))
        assert response.status == 200, (action, response.body)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_near_valid_parameters(action: str) -> None:
    """A valid call with one or two parameters bent, dropped or added: deeper code paths."""
    account = Account()
    baseline = {"RegionId": "cn-hangzhou", **BASELINES.get(action, {})}

    @FUZZ
    @given(
        changes=st.dictionaries(st.one_of(st.sampled_from(sorted(baseline)), names),
                                st.one_of(values, st.none()), max_size=3),
    )  # fmt: skip
    def run(changes: dict[str, str | None]) -> None:
        sim = account.get()
        params = {**baseline, "Action": action}
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        check(sim, ApiRequest(params=params, host=sim.endpoint))

    run()


@FUZZ
@given(params=st.dictionaries(st.text(max_size=20), st.text(max_size=20), max_size=6))
@example(params={"Action": ""})
@example(params={"Action": "x" * 100_000})
@example(params={"Action": "DescribeRegions", "Version": "2016-01-01"})
def test_any_action_name(params: dict[str, str]) -> None:
    check(build(), ApiRequest(params=params))


# ------------------------------------------------------------ pinned hostile examples
HOSTILE = [
    ("DescribeInstances", {"InstanceIds": "[" * 5000 + "]" * 5000}),
    ("DescribeInstances", {"InstanceIds": "[" * 100000}),
    ("DescribeInstances", {"InstanceIds": '["i-a",]'}),
    ("DescribeInstances", {"InstanceIds": "[1,2]"}),
    ("DescribeInstanceStatus", {"InstanceId.1": "i-a", "InstanceId.5": "i-b"}),
    ("DescribeInstanceStatus", {"InstanceId.1": "i-a", "InstanceId.01": "i-a"}),
    ("DescribeInstanceStatus", {"InstanceId.0": "i-a"}),
    ("DescribeInstanceStatus", {"PageSize": "99999999999999999999"}),
    ("CreateSimulatedSystemEvents", {"EventType": "SystemMaintenance.Reboot",
                                     "NotBefore": "9999-12-31T23:59:59Z", "InstanceId.1": "i-a"}),
    ("CreateSimulatedSystemEvents", {"EventType": "SystemMaintenance.Reboot",
                                     "NotBefore": "2024-01-02T00:00:00Z", "InstanceId.1": "i-a",
                                     "InstanceId.2": "i-nope"}),
    ("CancelSimulatedSystemEvents", {"EventId.1": EVENT_IDS[1], "EventId.2": "e-nope"}),
    ("DescribeInstanceHistoryEvents", {"NotBefore.Start": "2024-01-02T00:00:00Z",
                                       "NotBefore.End": "2024-01-01T00:00:00Z"}),
    ("DescribeInstanceHistoryEvents", {"MaxResults": "9", "NextToken": "\x00"}),
    ("ModifySystemEventAttribute", {"EventId": EVENT_IDS[1], "InstanceId": "i-a",
                                    "NotBefore": "9999-12-31T23:59:59Z"}),
    ("ModifyInstanceMaintenanceAttributes", {"InstanceId.1": "i-a",
                                             "MaintenanceWindow.1.StartTime": "\u0661\u0662:00:00",
                                             "MaintenanceWindow.1.EndTime": "18:00:00"}),
    ("RebootInstances", {"InstanceId.1": "i-a", "InstanceId.2": "i-c",
                         "BatchOptimization": "AllTogether"}),
]  # fmt: skip


@pytest.mark.parametrize(("action", "params"), HOSTILE)
def test_hostile_examples(action: str, params: dict[str, str]) -> None:
    sim = build()
    check(sim, ApiRequest(params={"Action": action, "RegionId": "cn-hangzhou", **params}))
