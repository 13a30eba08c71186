"""Hypothesis: a random simulation saved, loaded and saved again gives the same document (as
JSON and as YAML), and the loaded one answers the API (ECS, SLB, Cloud Assistant) as the
original does, now and after time passes: pending health verdicts and command steps land."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.errors import EcsApiError

try:  # PyYAML is optional (docs/scenarios.md): without it only JSON is checked
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

INSTANCES = ["i-a", "i-b", "i-c"]
OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "inject",
                "inquire",
                "reboot",
                "stop",
                "start",
                "advance",
                "cancel",
                "disk",
                "queue",
                "message",
                "rule",
                "tag",
                "lb_add",
                "lb_remove",
                "lb_weight",
                "group_add",
                "group_remove",
                "group_weight",
                "run",
                "invoke",
                "stop_invocation",
                "no_agent",
                "agent",
            ]
        ),
        st.sampled_from(INSTANCES),
        st.integers(min_value=1, max_value=240),
    ),
    max_size=25,
)


def build(ops: list[tuple[str, str, int]], seed: int) -> EcsSimulator:
    sim = EcsSimulator(now="2030-01-01T00:00:00Z", seed=seed, instances=INSTANCES)
    sim.add_instance("i-d", public_ip=True, eip=True, tags={"team": "sre"})
    sim.add_load_balancer(
        "web",
        listeners=[80, {"port": 8080, "vserver_group": "api", "interval": 3,
                        "healthy_threshold": 2, "unhealthy_threshold": 4}],
        backends=["i-a", ("i-b", 50)],
        vserver_groups={"api": [("i-a", 100, 8080), ("i-c", 10, 8081)], "idle": []},
    )  # fmt: skip
    sim.add_load_balancer("batch", listeners=[9000], backends=["i-c"])
    sim.on_command("sleep", output="slept\n", duration="90s")
    sim.on_command("fail", exit_code=3, duration="20s")
    for op, iid, minutes in ops:
        try:
            if op.startswith(("lb_", "group_", "run", "invoke", "stop_inv", "no_agent", "agent")):
                _slb_or_command(sim, op, iid, minutes)
                continue
            if op == "create":
                sim.create_events("SystemMaintenance.Reboot", iid, f"+{minutes}m")
            elif op == "inject":
                sim.inject_event("SystemFailure.Reboot", iid, not_before=f"+{minutes}m")
            elif op == "inquire":
                sim.inject_event("SystemMaintenance.Stop", iid, state="Inquiring")
            elif op == "reboot":
                sim.reboot_instance(iid)
            elif op == "stop":
                sim.stop_instance(iid)
            elif op == "start":
                sim.start_instance(iid)
            elif op == "advance":
                sim.advance(f"{minutes}s")
            elif op == "cancel":
                active = [e for e in sim.events(instance_id=iid) if e.simulated]
                if active:
                    sim.cancel_events(active[-1].event_id)
            elif op == "disk":
                sim.add_disk(iid)
            elif op == "queue":
                sim.create_queue(f"q-{iid}")
            elif op == "message":
                sim.create_queue("q-m")
                sim.send_message("q-m", f"body {minutes}")
            elif op == "rule":
                sim.create_queue("q-rule")
                sim.add_event_rule(f"rule-{iid}", queue="q-rule", levels=["CRITICAL"])
            elif op == "tag":
                sim.call("TagResources", RegionId="cn-hangzhou", ResourceType="instance",
                         ResourceId=[iid], Tag=[{"Key": "k", "Value": str(minutes)}])  # fmt: skip
        except EcsApiError:
            pass  # a refused step (wrong status, passed NotBefore...) changes nothing
    return sim


def _slb_or_command(sim: EcsSimulator, op: str, iid: str, n: int) -> None:
    web = sim.load_balancers[0]
    group = web.vserver_group_ids["api"]
    one = json.dumps([{"ServerId": iid, "Weight": n % 101}])
    at = json.dumps([{"ServerId": iid, "Port": 8080, "Weight": n % 101}])
    region = {"RegionId": "cn-hangzhou"}
    if op == "lb_add":
        sim.call("AddBackendServers", **region, LoadBalancerId=web.load_balancer_id,
                 BackendServers=one)  # fmt: skip
    elif op == "lb_remove":
        sim.call("RemoveBackendServers", **region, LoadBalancerId=web.load_balancer_id,
                 BackendServers=json.dumps([{"ServerId": iid}]))  # fmt: skip
    elif op == "lb_weight":
        sim.call("SetBackendServers", **region, LoadBalancerId=web.load_balancer_id,
                 BackendServers=one)  # fmt: skip
    elif op == "group_add":
        sim.call("AddVServerGroupBackendServers", **region, VServerGroupId=group,
                 BackendServers=at)  # fmt: skip
    elif op == "group_remove":
        sim.call("RemoveVServerGroupBackendServers", **region, VServerGroupId=group,
                 BackendServers=at)  # fmt: skip
    elif op == "group_weight":
        sim.call("ModifyVServerGroupBackendServers", **region, VServerGroupId=group,
                 OldBackendServers=json.dumps([{"ServerId": iid, "Port": 8080}]),
                 NewBackendServers=at)  # fmt: skip
    elif op == "run":  # some finish, some time out (Timeout 60 s), some fail
        content = ("sleep 1", "fail now", "true")[n % 3]
        sim.call("RunCommand", **region, Type="RunShellScript", CommandContent=content,
                 Timeout=60 + n % 2 * 60, KeepCommand=n % 2 == 0,
                 **{"InstanceId.1": iid})  # fmt: skip
    elif op == "invoke":
        made = sim.call("CreateCommand", **region, Name=f"drain-{n}", Type="RunShellScript",
                        CommandContent="sleep {{what}}", EnableParameter=True)  # fmt: skip
        sim.call("InvokeCommand", **region, CommandId=made["CommandId"],
                 **{"InstanceId.1": iid, "InstanceId.2": "i-d"},
                 Parameters=json.dumps({"what": str(n)}), ClientToken=f"token-{n}")  # fmt: skip
    elif op == "stop_invocation" and sim.invocations:
        sim.call("StopInvocation", **region, InvokeId=sim.invocations[-1].invoke_id)
    elif op in ("no_agent", "agent"):
        sim.set_cloud_assistant(iid, installed=op == "agent")


def answers(sim: EcsSimulator) -> list[Any]:
    def body(action: str, **params: Any) -> dict[str, Any]:
        got = sim.call(action, RegionId="cn-hangzhou", **params)
        got.pop("RequestId", None)
        return got

    return [
        body("DescribeInstances", PageSize=100),
        body("DescribeInstanceHistoryEvents", PageSize=100),
        body(
            "DescribeInstanceHistoryEvents",
            PageSize=100,
            InstanceEventCycleStatus=["Scheduled", "Executing", "Inquiring"],
        ),
        body("DescribeDisks", PageSize=100),
        body("DescribeLoadBalancers"),
        *(body("DescribeLoadBalancerAttribute", LoadBalancerId=lb.load_balancer_id)
          for lb in sim.load_balancers),
        *(body("DescribeHealthStatus", LoadBalancerId=lb.load_balancer_id)
          for lb in sim.load_balancers),
        body("DescribeVServerGroups", LoadBalancerId=sim.load_balancers[0].load_balancer_id),
        *(body("DescribeVServerGroupAttribute", VServerGroupId=group_id)
          for group_id in sim.load_balancers[0].vserver_group_ids.values()),
        body("DescribeCommands", PageSize=50),
        body("DescribeInvocations", PageSize=50, IncludeOutput=True),
        *(body("DescribeInvocationResults", InstanceId=iid, PageSize=50)
          for iid in [*INSTANCES, "i-d"]),
        body("DescribeCloudAssistantStatus",
             **{f"InstanceId.{n}": i for n, i in enumerate([*INSTANCES, "i-d"], 1)}),
    ]  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS, st.integers(min_value=0, max_value=2**16))
def test_save_load_save_is_identical_and_answers_the_same(
    ops: list[tuple[str, str, int]], seed: int
) -> None:
    original = build(ops, seed)
    saved = original.state()
    loaded = EcsSimulator.from_state(json.loads(json.dumps(saved)))
    assert loaded.state() == saved
    if yaml is not None:
        text = yaml.safe_dump(saved, sort_keys=False)
        assert EcsSimulator.from_state(yaml.safe_load(text)).state() == saved
    assert answers(loaded) == answers(original)
    # the pending timers came back too: time passing does the same to both (health verdicts
    # land a few seconds after a status change, command steps within minutes)
    seen = len(original.backend_changes)
    for step in ("5s", "7s", "1m", "3h"):
        original.advance(step)
        loaded.advance(step)
        assert answers(loaded) == answers(original)
    assert [str(c) for c in loaded.backend_changes] == [
        str(c) for c in original.backend_changes[seen:]
    ]
    assert loaded.state() == original.state()
    assert [(e.event_id, e.state, e.history) for e in loaded.events()] == [
        (e.event_id, e.state, e.history) for e in original.events()
    ]
