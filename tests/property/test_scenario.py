"""Hypothesis: a random simulation saved, loaded and saved again gives the same document, and
the loaded one answers the API as the original does, now and after time passes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.errors import EcsApiError

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
    for op, iid, minutes in ops:
        try:
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
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS, st.integers(min_value=0, max_value=2**16))
def test_save_load_save_is_identical_and_answers_the_same(
    ops: list[tuple[str, str, int]], seed: int
) -> None:
    original = build(ops, seed)
    saved = original.state()
    loaded = EcsSimulator.from_state(json.loads(json.dumps(saved)))
    assert loaded.state() == saved
    assert answers(loaded) == answers(original)
    # the pending timers came back too: time passing does the same to both
    original.advance("3h")
    loaded.advance("3h")
    assert answers(loaded) == answers(original)
    assert [(e.event_id, e.state, e.history) for e in loaded.events()] == [
        (e.event_id, e.state, e.history) for e in original.events()
    ]
