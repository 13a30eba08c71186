"""Scenarios (core/scenario.py): hand-written documents, validation naming the field, files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.scenario import ScenarioError, read_file

HAND_WRITTEN: dict[str, Any] = {
    "now": "2030-01-01T00:00:00Z",
    "seed": 7,
    "instances": [
        {"instance_id": "i-a", "instance_type": "ecs.c7.large", "tags": {"team": "sre"}},
        {"instance_id": "i-b", "status": "Stopped"},
    ],
    "disks": [{"instance_id": "i-a", "size": 200}],
    "events": [
        {
            "event_type": "SystemMaintenance.Reboot",
            "instance_id": "i-a",
            "simulated": True,
            "not_before": "+2h",
        },
        {"event_type": "SystemMaintenance.Stop", "instance_id": "i-b", "state": "Inquiring"},
    ],
    "queues": [{"name": "events", "messages": [{"body": "hello"}]}],
    "event_rules": [
        {
            "name": "maint",
            "patterns": [{"product": "ECS"}],
            "targets": [
                {"kind": "MnsParameters", "id": "mns-events", "fields": {"Queue": "events"}}
            ],
        },
    ],
}


def test_a_hand_written_scenario_fills_in_the_rest_and_runs() -> None:
    sim = EcsSimulator.from_state(HAND_WRITTEN)
    assert sim.now.isoformat() == "2030-01-01T00:00:00+00:00"
    a = sim.instance("i-a")
    assert (a.instance_type, dict(a.tags), str(sim.instance("i-b").status)) == (
        "ecs.c7.large", {"team": "sre"}, "Stopped",
    )  # fmt: skip
    assert sorted(d.size_gib for d in sim.disks if d.instance_id == "i-a") == [40, 200]
    reboot, stop = sim.events()
    assert (reboot.simulated, str(reboot.state), str(stop.state)) == (
        True,
        "Scheduled",
        "Inquiring",
    )
    assert sim.queue("events").bodies == ["hello"]
    sim.advance("2h1m")  # the Scheduled event's timer came from its NotBefore
    assert str(sim.event(reboot.event_id).state) == "Executed"
    assert sim.state() == EcsSimulator.from_state(sim.state()).state()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"instances": [{"instance_id": "i-a", "status": "Runing"}]},
            "instances[0].status: expected one of",
        ),
        (
            {"instances": [{"instance_id": "i-a", "colour": "red"}]},
            "instances[0].colour: unknown field",
        ),
        ({"instances": [{"instance_id": "i-a", "charge_type": "Free"}]}, "instances[0]: add_inst"),
        (
            {
                "events": [
                    {
                        "event_type": "SystemMaintenance.Reboot",
                        "instance_id": "i-zz",
                        "not_before": "+1h",
                    }
                ]
            },
            "events[0].instance_id: 'i-zz' is not in",
        ),
        ({"events": [{"event_type": "Nope", "instance_id": "i-a"}]}, "events[0].event_type"),
        (
            {
                "events": [
                    {
                        "event_type": "SystemMaintenance.Reboot",
                        "instance_id": "i-a",
                        "state": "Scheduled",
                    }
                ]
            },
            "events[0].not_before: a Scheduled event",
        ),
        (
            {
                "events": [
                    {
                        "event_type": "SystemMaintenance.Reboot",
                        "instance_id": "i-a",
                        "not_before": "soon",
                    }
                ]
            },
            "events[0].not_before: expected a time",
        ),
        ({"queues": [{"name": "q", "attributes": {"DelaySeconds": -1}}]}, "queues[0].attributes"),
        ({"now": "yesterday-ish"}, "now: "),
        ({"seed": "x"}, "seed: expected an integer"),
        ({"load_balancers": [{"id": "lb-1"}]}, "load_balancers[0].id: unknown field"),
        ({"whatever": 1}, "whatever: unknown field"),
        ({"version": 99}, "version: "),
    ],
)
def test_a_bad_field_is_named(change: dict[str, Any], message: str) -> None:
    data = {"now": "2030-01-01T00:00:00Z", "instances": [{"instance_id": "i-a"}], **change}
    with pytest.raises(ScenarioError) as info:
        EcsSimulator.from_state(data)
    assert message in str(info.value)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_save_state_and_from_state_through_a_file(tmp_path: Path, suffix: str) -> None:
    if suffix == ".yaml":
        pytest.importorskip("yaml", reason="PyYAML is optional")
    sim = EcsSimulator.from_state(HAND_WRITTEN)
    path = tmp_path / f"scenario{suffix}"
    sim.save_state(path)
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left behind
    assert EcsSimulator.from_state(path).state() == sim.state()
    if suffix == ".json":
        assert json.loads(path.read_text())["format"] == "pytest-ecs-events/scenario"


def test_unreadable_files_are_scenario_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ScenarioError, match="is not valid JSON"):
        read_file(bad)
    with pytest.raises(ScenarioError, match="cannot read"):
        read_file(tmp_path / "missing.json")


# -- load balancers and Cloud Assistant (version 2) -------------------------------------------
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "drain.json"


def _health(sim: EcsSimulator, port: int) -> dict[str, str]:
    body = sim.call("DescribeHealthStatus", RegionId=sim.region, LoadBalancerId="lb-web",
                    ListenerPort=port)  # fmt: skip
    return {b["ServerId"]: b["ServerHealthStatus"] for b in body["BackendServers"]["BackendServer"]}


def test_the_example_scenario_loads_its_load_balancer_and_commands() -> None:
    sim = EcsSimulator.from_state(EXAMPLE)
    [lb] = sim.load_balancers
    assert (lb.load_balancer_id, lb.name, lb.vserver_group_ids) == (
        "lb-web",
        "web",
        {"web": "rsp-web"},
    )
    web = lb.vserver_groups["web"].backends
    assert [(b.server_id, b.weight, b.port) for b in web] == [
        ("i-web1", 100, 8080), ("i-web2", 0, 8080), ("i-web3", 100, 8080),
    ]  # fmt: skip
    assert [(b.server_id, b.weight) for b in lb.backends] == [("i-web1", 100), ("i-web2", 50)]
    listener = next(x for x in lb.listeners if x.port == 80)
    assert (listener.vserver_group_id, listener.health_check.interval) == ("rsp-web", 5)
    # health not listed is the steady state of the instance; i-web3's verdict is on its way
    assert _health(sim, 80) == {"i-web1": "normal", "i-web2": "normal", "i-web3": "abnormal"}
    assert _health(sim, 22) == {"i-web1": "normal", "i-web2": "normal"}
    assert sim.call("DescribeCloudAssistantStatus", RegionId=sim.region,
                    **{"InstanceId.1": "i-web3"})["InstanceCloudAssistantStatusSet"][
        "InstanceCloudAssistantStatus"][0]["CloudAssistantStatus"] == "false"  # fmt: skip
    assert [(r.instance_id, r.status) for r in sim.invocations] == [
        ("i-web2", "Success"), ("i-web1", "Running"),
    ]  # fmt: skip
    sim.advance("10s")  # the verdict lands at its due time, +10 s
    assert _health(sim, 80)["i-web3"] == "normal"
    assert [(c.instance_id, c.new, c.time.second) for c in sim.backend_changes] == [
        ("i-web3", "normal", 10)
    ]
    sim.advance("30s")  # the running command ends as its outcome says (30 s from +1 s)
    run = sim.invocations[1]
    assert (run.status, run.output, run.finish_time and run.finish_time.second) == (
        "Success", "drained\n", 31,
    )  # fmt: skip
    again = EcsSimulator.from_state(sim.state())
    assert again.state() == sim.state()


def test_a_pending_health_verdict_and_command_step_land_after_a_load() -> None:
    sim = EcsSimulator(now="2030-01-01T00:00:00Z", instances=["i-a", "i-b"])
    sim.add_load_balancer("web", listeners=[(80, "web")],
                          vserver_groups={"web": [("i-a", 100, 80), ("i-b", 100, 80)]})  # fmt: skip
    sim.on_command("drain", output="ok", duration="30s")
    sim.call("RunCommand", RegionId=sim.region, Type="RunShellScript", CommandContent="drain",
             **{"InstanceId.1": "i-b"})  # fmt: skip
    sim.reboot_instance("i-a")
    sim.advance("3s")  # abnormal is due at +6 s; the command runs from +1 s to +31 s
    saved = sim.state()
    [due] = [h for h in saved["load_balancers"][0]["health"] if h["next"]]
    assert (due["server_id"], due["next"], due["due"]) == (
        "i-a",
        "abnormal",
        "2030-01-01T00:00:06Z",
    )
    assert saved["invocations"][0]["runs"][0]["due"] == "2030-01-01T00:00:31Z"
    loaded = EcsSimulator.from_state(json.loads(json.dumps(saved)))
    loaded.advance("1m")
    assert [(c.new, c.time.second) for c in loaded.backend_changes] == [
        ("abnormal", 6), ("normal", 16),
    ]  # fmt: skip
    assert [(r.status, r.output) for r in loaded.invocations] == [("Success", "ok")]


def test_a_verdict_and_a_status_change_at_the_same_instant_keep_their_order() -> None:
    """A verdict due at the very second its instance turns back still lands (docs/slb.md):
    after a load too, the timers due at one instant run in their saved ``order``."""
    sim = EcsSimulator(now="2030-01-01T00:00:00Z", instances=["i-a"])
    sim.add_load_balancer("web", listeners=[{"port": 80, "interval": 5, "unhealthy_threshold": 2}],
                          backends=["i-a"])  # fmt: skip
    sim.reboot_instance("i-a")  # Running again at +10 s; abnormal due at +10 s too
    sim.advance("6s")
    saved = sim.state()
    assert saved["instances"][0]["pending_statuses"][0]["order"] == 1
    assert [h["order"] for h in saved["load_balancers"][0]["health"]] == [0]
    for run in (sim, EcsSimulator.from_state(saved)):
        run.advance("20s")
        assert [c.new for c in run.backend_changes if c.change == "health"][-2:] == [
            "abnormal", "normal",
        ]  # fmt: skip


def test_a_version_1_document_still_loads() -> None:
    sim = EcsSimulator.from_state({**HAND_WRITTEN, "version": 1, "load_balancers": []})
    assert sim.load_balancers == []
    assert sim.invocations == []
    assert sim.state()["version"] == 2


def test_a_yaml_file_keeps_the_load_balancer_and_commands(tmp_path: Path) -> None:
    pytest.importorskip("yaml", reason="PyYAML is optional")
    sim = EcsSimulator.from_state(EXAMPLE)
    sim.advance("4s")
    path = tmp_path / "drain.yaml"
    sim.save_state(path)
    loaded = EcsSimulator.from_state(path)
    assert loaded.state() == sim.state()
    assert loaded.state()["load_balancers"][0]["health"][0]["due"] == "2030-01-01T00:00:10Z"


def _lb(**change: Any) -> dict[str, Any]:
    return {"load_balancers": [{"listeners": [{"port": 80}], "backends": [{"server_id": "i-a"}],
                                **change}]}  # fmt: skip


def _run(**change: Any) -> dict[str, Any]:
    return {
        "commands": [{"command_id": "c-1", "type": "RunShellScript", "content": "true"}],
        "invocations": [{"command_id": "c-1", "runs": [{"instance_id": "i-a", **change}]}],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_lb(colour="red"), "load_balancers[0].colour: unknown field"),
        (_lb(listeners=[{"port": 0}]), "load_balancers[0].listeners[0].port: expected 1-65535"),
        (_lb(listeners=[{"port": 80}, {"port": 80}]), "load_balancers[0].listeners[1].port: 80 is"),
        (_lb(listeners=[{"port": 80, "protocol": "ftp"}]), "listeners[0].protocol: expected one"),
        (_lb(listeners=[{"port": 80, "interval": 99}]), "listeners[0]: health check interval"),
        (
            _lb(listeners=[{"port": 80, "vserver_group_id": "nope"}]),
            "listeners[0].vserver_group_id: 'nope' is not a vServer group",
        ),
        (_lb(backends=[{"server_id": "i-zz"}]), "backends[0].server_id: 'i-zz' is not in"),
        (_lb(backends=[{"server_id": "i-a", "weight": 101}]), "backends[0].weight: expected 0-100"),
        (_lb(backends=[{"server_id": "i-a", "type": "eni"}]), "backends[0].type: expected ecs"),
        (_lb(backends=[{"server_id": "i-a"}, {"server_id": "i-a"}]), "backends[1].server_id:"),
        (_lb(region="mars-1"), "load_balancers[0].region: 'mars-1'"),
        (_lb(status="gone"), "load_balancers[0].status: expected one of active"),
        (
            _lb(vserver_groups=[{"name": "g", "backends": [{"server_id": "i-a"}]}]),
            "vserver_groups[0].backends[0].port: missing",
        ),
        (_lb(vserver_groups=[{"backends": []}]), "vserver_groups[0].name: missing"),
        (
            _lb(health=[{"listener_port": 81, "server_id": "i-a", "status": "normal"}]),
            "health[0].listener_port: 81 is not",
        ),
        (
            _lb(health=[{"listener_port": 80, "server_id": "i-b", "status": "normal"}]),
            "health[0]: listener 80 checks no backend 'i-b'",
        ),
        (
            _lb(health=[{"listener_port": 80, "server_id": "i-a", "status": "sick"}]),
            "health[0].status: expected one of normal",
        ),
        (
            _lb(
                health=[
                    {
                        "listener_port": 80,
                        "server_id": "i-a",
                        "status": "normal",
                        "next": "abnormal",
                    }
                ]
            ),
            "health[0].due: next (the verdict",
        ),
        ({"load_balancers": [{"listeners": "80"}]}, "load_balancers[0].listeners: expected a list"),
        ({"commands": [{"type": "RunPython", "content": "x"}]}, "commands[0].type: expected one"),
        ({"commands": [{"type": "RunShellScript"}]}, "commands[0].content: missing"),
        (
            {"commands": [{"type": "RunShellScript", "content": "x", "timeout": 5}]},
            "commands[0].timeout: ",
        ),
        (
            {"invocations": [{"command_id": "c-zz", "runs": [{"instance_id": "i-a"}]}]},
            "invocations[0].command_id: 'c-zz' is not in commands",
        ),
        (_run(instance_id="i-zz"), "invocations[0].runs[0].instance_id: 'i-zz' is not in"),
        (_run(status="Sleeping"), "invocations[0].runs[0].status: expected one of Pending"),
        (_run(outcome={"duration": "soon"}), "invocations[0].runs[0].outcome.duration: "),
        (_run(outcome={"exit": 1}), "invocations[0].runs[0].outcome.exit: unknown field"),
        (_run(status="Success", due="+1m"), "invocations[0].runs[0].due: a Success run has no"),
        (
            {**_run(), "invocations": [{"command_id": "c-1", "runs": []}]},
            "invocations[0].runs: an invocation runs on one instance at least",
        ),
        (
            {
                "instances": [{"instance_id": "i-a", "status": "Stopped"}, {"instance_id": "i-b"}],
                **_run(status="Running"),
            },
            "invocations[0].runs[0].status: i-a is not Running",
        ),
        (
            {"instances": [{"instance_id": "i-a", "cloud_assistant": "no"}]},
            "instances[0].cloud_assistant: expected true or false",
        ),
    ],
)
def test_a_bad_load_balancer_or_command_field_is_named(
    change: dict[str, Any], message: str
) -> None:
    instances = [{"instance_id": "i-a"}, {"instance_id": "i-b"}]
    data = {"now": "2030-01-01T00:00:00Z", "instances": instances, **change}
    with pytest.raises(ScenarioError) as info:
        EcsSimulator.from_state(data)
    assert message in str(info.value)
