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
