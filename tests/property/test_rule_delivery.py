"""Hypothesis: for a random script of changes and rules, each MNS queue receives exactly the
payloads whose changes match its rules, in virtual-time order, once each (no faults on)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.rule_deliveries import decode_body
from pytest_ecs_events.simulator import EcsSimulator

INSTANCES = ["i-p1", "i-p2"]
QUEUES = ["q1", "q2", "missing"]
# the oracle's own table of CloudMonitor event types (not the code's)
KINDS = {
    "SystemMaintenance.Reboot": "Maintenance",
    "SystemFailure.Reboot": "Exception",
    "InstanceFailure.Alert": "Exception",
}
LEVELS = {"SystemMaintenance.Reboot": "CRITICAL", "SystemFailure.Reboot": "CRITICAL",
          "InstanceFailure.Alert": "WARN"}  # fmt: skip

steps = st.one_of(
    st.tuples(st.just("maintenance"), st.sampled_from(INSTANCES), st.integers(1, 90)),
    st.tuples(st.just("inject"), st.sampled_from(["SystemFailure.Reboot", "InstanceFailure.Alert"]),
              st.sampled_from(INSTANCES)),
    st.tuples(st.just("reboot"), st.sampled_from(INSTANCES)),
    st.tuples(st.just("advance"), st.integers(1, 120)),
)  # fmt: skip
rules = st.fixed_dictionaries(
    {
        "queue": st.sampled_from(QUEUES),
        "event_types": st.lists(st.sampled_from(["Maintenance", "Exception",
                                                 "StatusNotification"]), max_size=2),
        "levels": st.lists(st.sampled_from(["CRITICAL", "WARN", "INFO"]), max_size=2),
        "statuses": st.lists(st.sampled_from(["Scheduled", "Executing", "Executed", "Canceled",
                                              "Stopping", "Running"]), max_size=2),
        "enabled": st.booleans(),
    }
)  # fmt: skip


def _kind_level_status(payload: dict[str, Any]) -> tuple[str, str, str]:
    content = payload["content"]
    if payload["name"] == "Instance:StateChange":
        return "StatusNotification", "INFO", content["state"]
    return KINDS[content["eventType"]], LEVELS[content["eventType"]], content["eventStatus"]


def _wants(rule: dict[str, Any], payload: dict[str, Any]) -> bool:
    kind, level, status = _kind_level_status(payload)
    return (
        rule["enabled"]
        and (not rule["event_types"] or kind in rule["event_types"])
        and (not rule["levels"] or level in rule["levels"])
        and (not rule["statuses"] or status in rule["statuses"])
    )


def _key(payload: dict[str, Any]) -> tuple[str, str, str]:
    return payload["name"], payload["eventTime"], repr(sorted(payload["content"].items()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rules, max_size=4), st.lists(steps, max_size=12))
def test_each_queue_gets_exactly_its_rules_payloads_in_order_once(
    rule_specs: list[dict[str, Any]], script: list[tuple[Any, ...]]
) -> None:
    sim = EcsSimulator(now="2030-01-01T00:00:00Z", instances=INSTANCES, seed=1)
    sim.create_queue("q1")
    sim.create_queue("q2")
    for index, spec in enumerate(rule_specs):
        sim.add_event_rule(f"r{index}", **spec)
    seen: list[dict[str, Any]] = []
    sim.subscribe(seen.append, instance_changes=True)
    for step in script:
        try:
            if step[0] == "maintenance":
                sim.create_events("SystemMaintenance.Reboot", step[1], f"+{step[2]}m")
            elif step[0] == "inject":
                sim.inject_event(step[1], step[2])
            elif step[0] == "reboot":
                sim.reboot_instance(step[1])
            else:
                sim.advance(f"{step[1]}m")
        except EcsApiError:
            pass  # a refused step changes nothing, and delivers nothing
    for queue in ("q1", "q2"):
        expected = [
            _key(p) for p in seen for spec in rule_specs
            if spec["queue"] == queue and _wants(spec, p)
        ]  # fmt: skip
        messages = sim.queue(queue).messages
        assert [_key(decode_body(m.body)) for m in messages] == expected
        times = [m.enqueue_time for m in messages]
        assert times == sorted(times)
    failed = [d for d in sim.rule_deliveries if not d.ok]
    assert all(d.queue == "missing" for d in failed)
    assert len(failed) == sum(
        1 for p in seen for spec in rule_specs if spec["queue"] == "missing" and _wants(spec, p)
    )
    assert sim.simulation.observer_errors == []
