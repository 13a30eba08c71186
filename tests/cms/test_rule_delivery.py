"""CloudMonitor event rules as the bridge to MNS queues (cms/rule_delivery.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pytest_ecs_events.cms.system_events import system_events
from pytest_ecs_events.core.clock import parse_datetime
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.queues import millis
from pytest_ecs_events.core.rule_deliveries import decode_body
from pytest_ecs_events.simulator import EcsSimulator
from tests.helpers.simulators import START as START_TEXT

START = parse_datetime(START_TEXT)


def mns_target(queue: str, target_id: str) -> dict[str, str]:
    return {
        "MnsParameters.1.Id": target_id,
        "MnsParameters.1.Region": "cn-hangzhou",
        "MnsParameters.1.Queue": queue,
    }


A, B = "i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb"


@pytest.fixture
def sim() -> EcsSimulator:
    simulator = EcsSimulator(now=START, instances=[A, B], seed=7)
    simulator.create_queue("events")
    return simulator


def names(sim: EcsSimulator, queue: str = "events") -> list[str]:
    return [decode_body(body)["name"] for body in sim.queue(queue).bodies]


def reboot_then_failure(sim: EcsSimulator) -> None:
    sim.inject_event("SystemMaintenance.Reboot", A, not_before="+1h")
    sim.inject_event("SystemFailure.Reboot", B)
    sim.advance("2h")


def test_without_rules_nothing_is_delivered(sim: EcsSimulator) -> None:
    reboot_then_failure(sim)
    assert sim.queue("events").messages == ()
    assert sim.rule_deliveries == []


def test_each_matching_change_arrives_as_the_cloudmonitor_payload_at_its_virtual_time(
    sim: EcsSimulator,
) -> None:
    sim.add_event_rule("maintenance", queue="events", event_types="Maintenance")
    (event,) = sim.create_events("SystemMaintenance.Reboot", A, "+1h")
    sim.advance("2h")
    messages = sim.queue("events").messages
    payloads = [decode_body(m.body) for m in messages]
    assert [p["name"] for p in payloads] == [
        "Instance:SystemMaintenance.Reboot:Scheduled",
        "Instance:SystemMaintenance.Reboot:Executing",
        "Instance:SystemMaintenance.Reboot:Executed",
    ]
    # enqueue time = the change's virtual time; the payload is the notification's
    expected = [START, START + timedelta(hours=1), START + timedelta(hours=1, seconds=30)]
    assert [m.enqueue_time for m in messages] == expected
    assert [d.time for d in sim.rule_deliveries] == expected
    first = payloads[0]
    assert set(first) == {
        "ver", "id", "product", "resourceId", "level", "name", "userId", "eventTime",
        "regionId", "content",
    }  # fmt: skip
    assert first["content"]["eventId"] == event.event_id
    assert first["content"]["eventStatus"] == "Scheduled"
    assert first["eventTime"] == "20300101T080000.000+0800"
    # the payload's id is the CloudMonitor query's Id of the same event state
    with sim.simulation.lock:
        ids = {e.name: e.id for e in system_events(sim.simulation)}
    assert [p["id"] for p in payloads] == [ids[p["name"]] for p in payloads]
    assert all(d.ok and d.message_id for d in sim.rule_deliveries)
    assert [d.message_id for d in sim.rule_deliveries] == [m.message_id for m in messages]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"event_types": "Exception"}, ["Instance:SystemFailure.Reboot:Executing",
                                        "Instance:SystemFailure.Reboot:Executed"]),
        ({"names": ["Instance:SystemMaintenance.Reboot:Scheduled"]},
         ["Instance:SystemMaintenance.Reboot:Scheduled"]),
        ({"statuses": "Executed", "event_types": ["Maintenance", "Exception"]},
         ["Instance:SystemFailure.Reboot:Executed",
          "Instance:SystemMaintenance.Reboot:Executed"]),
        ({"levels": "WARN"}, []),
        ({"keywords": B, "event_types": "Exception", "statuses": "Executing"},
         ["Instance:SystemFailure.Reboot:Executing"]),
        ({"keywords": "SystemFailure", "keyword_relation": "NOT", "event_types": "Maintenance",
          "statuses": "Scheduled"}, ["Instance:SystemMaintenance.Reboot:Scheduled"]),
        ({"product": "rds"}, []),
    ],
)  # fmt: skip
def test_the_rules_pattern_filters(
    sim: EcsSimulator, pattern: dict[str, object], expected: list[str]
) -> None:
    sim.add_event_rule("r", queue="events", **pattern)  # type: ignore[arg-type]
    reboot_then_failure(sim)
    assert names(sim) == expected


def test_state_changes_arrive_when_the_pattern_asks_for_them(sim: EcsSimulator) -> None:
    sim.add_event_rule("states", queue="events", names="Instance:StateChange")
    sim.reboot_instance(A)
    sim.advance("1m")
    payloads = [decode_body(b) for b in sim.queue("events").bodies]
    assert [p["content"]["state"] for p in payloads] == ["Stopping", "Starting", "Running"]
    assert {p["level"] for p in payloads} == {"INFO"}
    assert len({p["id"] for p in payloads}) == 3
    sim.add_event_rule("states", queue="events", event_types="StatusNotification", names=())
    sim.stop_instance(A)
    sim.advance("1m")
    assert len(sim.queue("events").messages) == 5


def test_a_product_only_rule_gets_every_ecs_change_state_changes_included(
    sim: EcsSimulator,
) -> None:
    sim.add_event_rule("all", queue="events")
    sim.inject_event("SystemFailure.Reboot", B)
    sim.advance("1m")
    got = names(sim)
    assert got[0] == "Instance:SystemFailure.Reboot:Executing"
    assert "Instance:SystemFailure.Reboot:Executed" in got
    assert got.count("Instance:StateChange") >= 2  # the reboot's Stopping, Starting...


def test_a_disabled_rule_delivers_nothing_until_enabled(sim: EcsSimulator) -> None:
    sim.add_event_rule("r", queue="events", event_types="Maintenance", enabled=False)
    sim.create_events("SystemMaintenance.Reboot", A, "+1h")
    assert names(sim) == []
    sim.call("EnableEventRules", **{"RuleNames.1": "r"})
    sim.advance("2h")
    assert names(sim) == [
        "Instance:SystemMaintenance.Reboot:Executing",
        "Instance:SystemMaintenance.Reboot:Executed",
    ]
    sim.call("DisableEventRules", **{"RuleNames.1": "r"})
    sim.create_events("SystemMaintenance.Reboot", B, "+1h")
    assert len(names(sim)) == 2


def test_rules_made_through_the_cloudmonitor_api_deliver_too(sim: EcsSimulator) -> None:
    sim.call("PutEventRule", RuleName="api", **{"EventPattern.1.Product": "ecs",
             "EventPattern.1.EventTypeList.1": "Maintenance"})  # fmt: skip
    sim.create_events("SystemMaintenance.Reboot", A, "+1h")
    assert names(sim) == []  # no target yet
    sim.call("PutEventRuleTargets", RuleName="api", **mns_target("events", "1"))
    sim.advance("2h")
    assert len(names(sim)) == 2
    sim.call("DeleteEventRules", **{"RuleNames.1": "api"})
    sim.create_events("SystemMaintenance.Reboot", B, "+1h")
    assert len(names(sim)) == 2


def test_two_rules_on_one_queue_each_deliver_and_one_rule_may_feed_two_queues(
    sim: EcsSimulator,
) -> None:
    sim.create_queue("other")
    sim.add_event_rule("one", queue="events", statuses="Scheduled")
    sim.add_event_rule("two", queue="events", statuses="Scheduled")
    sim.call("PutEventRuleTargets", RuleName="two", **mns_target("other", "x"))
    sim.create_events("SystemMaintenance.Reboot", A, "+1h")
    assert names(sim) == ["Instance:SystemMaintenance.Reboot:Scheduled"] * 2
    assert names(sim, "other") == ["Instance:SystemMaintenance.Reboot:Scheduled"]
    assert [(d.rule, d.queue) for d in sim.rule_deliveries] == [
        ("one", "events"), ("two", "events"), ("two", "other"),
    ]  # fmt: skip


def test_a_missing_queue_or_a_topic_is_a_failed_delivery_not_an_error(
    sim: EcsSimulator,
) -> None:
    sim.add_event_rule("lost", queue="nowhere", statuses="Scheduled")
    sim.call("PutEventRuleTargets", RuleName="lost", **{"MnsParameters.1.Id": "t",
             "MnsParameters.1.Region": "cn-hangzhou", "MnsParameters.1.Topic": "tp"})  # fmt: skip
    sim.create_events("SystemMaintenance.Reboot", A, "+1h")
    failed = sim.rule_deliveries
    assert [(d.queue, d.ok, d.message_id) for d in failed] == [
        ("nowhere", False, None), ("", False, None),
    ]  # fmt: skip
    assert failed[0].error is not None
    assert failed[0].error.startswith("QueueNotExist")
    assert failed[1].error == "MNS topics are not simulated (topic 'tp')"
    assert sim.simulation.observer_errors == []
    # the queue created later gets the later changes only: nothing is retried
    sim.create_queue("nowhere")
    sim.advance("2h")
    assert names(sim, "nowhere") == []  # the rule wants Scheduled only
    sim.create_events("SystemMaintenance.Reboot", B, "+1h")
    assert names(sim, "nowhere") == ["Instance:SystemMaintenance.Reboot:Scheduled"]


def test_duplicates_deliver_a_second_identical_copy(sim: EcsSimulator) -> None:
    sim.add_event_rule("r", queue="events", event_types="Maintenance", duplicates=1.0)
    sim.create_events("SystemMaintenance.Reboot", A, "+1h")
    bodies = sim.queue("events").bodies
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert [d.duplicate for d in sim.rule_deliveries] == [False, True]
    assert len({m.message_id for m in sim.queue("events").messages}) == 2


def _faulty_run(seed: int | None, duplicates: float, reorder: bool) -> tuple[list[str], list[str]]:
    sim = EcsSimulator(now=START, instances=[A, B], seed=seed)
    sim.create_queue("events")
    sim.mns_delivery(duplicates=duplicates, reorder=reorder)
    sim.add_event_rule("r", queue="events", event_types=["Maintenance", "Exception"])
    for _ in range(4):
        sim.create_events("SystemMaintenance.Reboot", [A, B], "+1h")
        sim.advance("2h")
    received = []
    with sim.simulation.lock:
        while True:
            try:
                (message,) = sim.simulation.queues.receive("events", 1, sim.now)
            except EcsApiError:
                break
            received.append(decode_body(message.body)["id"])
    sent = [d.payload["id"] for d in sim.rule_deliveries]
    return sent, received


def test_duplicates_and_reorder_are_deterministic_for_a_seed() -> None:
    first = _faulty_run(3, 0.5, True)
    assert first == _faulty_run(3, 0.5, True)
    sent, received = first
    assert sorted(sent) == sorted(received)
    assert len(sent) > len(set(sent))  # some were duplicated
    assert received != sent  # and received out of order
    assert _faulty_run(4, 0.5, True) != first


def test_without_faults_the_queue_receives_in_order_once_each() -> None:
    sent, received = _faulty_run(3, 0.0, False)
    assert received == sent
    assert len(set(sent)) == len(sent) == 24


def test_mns_delivery_seed_and_rule_policies() -> None:
    sim = EcsSimulator(now=START, instances=[A])
    sim.create_queue("events")
    sim.mns_delivery(duplicates=1.0, seed="fixed")
    sim.add_event_rule("r", queue="events", statuses="Scheduled", duplicates=0.0)
    sim.create_events("SystemMaintenance.Reboot", A, "+1h")
    assert len(sim.queue("events").messages) == 1  # the rule's own policy wins
    sim.add_event_rule("r", queue="events", statuses="Scheduled", reorder=True)
    sim.create_events("SystemMaintenance.Reboot", A, "+3h")
    (_, second) = sim.rule_deliveries
    assert second.priority is not None
    assert 1 <= second.priority <= 16
    with pytest.raises(ValueError, match="duplicates"):
        sim.mns_delivery(duplicates=2)
    with pytest.raises(ValueError, match="duplicates"):
        sim.add_event_rule("bad", queue="events", duplicates=-1)
    assert sim.simulation.event_rules.get("bad") is None  # refused before anything changed


def test_add_event_rule_arguments(sim: EcsSimulator) -> None:
    rule = sim.add_event_rule("r", queue="events", levels=["CRITICAL"], keywords=["x", "y"],
                              keyword_relation="NOT")  # fmt: skip
    (pattern,) = rule.patterns
    assert (pattern.product, pattern.level_list) == ("ECS", ("CRITICAL",))
    assert pattern.keyword_filter is not None
    assert pattern.keyword_filter.keywords == ("x", "y")
    (target,) = rule.targets
    assert (target.kind, target.id) == ("MnsParameters", "mns-events")
    assert target.fields == {"Queue": "events", "Region": "cn-hangzhou"}
    listed = sim.call("DescribeEventRuleTargetList", RuleName="r")
    assert listed["MnsParameters"]["MnsParameter"][0]["Queue"] == "events"
    with pytest.raises(TypeError, match="levels"):
        sim.add_event_rule("r", levels=[1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="queue"):
        sim.add_event_rule("r", queue="")
    with pytest.raises(TypeError, match="enabled"):
        sim.add_event_rule("r", enabled="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="region"):
        sim.add_event_rule("r", queue="events", region="mars-1")
    with pytest.raises(EcsApiError) as bad:
        sim.add_event_rule("r", levels="LOUD")
    assert bad.value.code == "InvalidParameterValue"
    assert sim.simulation.event_rules.require("r").patterns == rule.patterns


def test_enqueue_time_is_shown_in_unix_ms_to_a_receiver(sim: EcsSimulator) -> None:
    sim.add_event_rule("r", queue="events", statuses="Executed")
    sim.create_events("SystemMaintenance.Reboot", A, "+1h")
    sim.advance("3h")
    (message,) = sim.queue("events").messages
    assert millis(message.enqueue_time) == millis(START + timedelta(hours=1, seconds=30))


def test_a_state_change_status_is_the_instances_new_state(sim: EcsSimulator) -> None:
    sim.add_event_rule("stopping", queue="events", statuses="Stopping")
    sim.reboot_instance(A)
    sim.advance("1m")
    (payload,) = [decode_body(b) for b in sim.queue("events").bodies]
    assert (payload["name"], payload["content"]["state"]) == ("Instance:StateChange", "Stopping")


def test_the_bridge_observes_changes_only_once_a_rule_has_an_mns_target(
    sim: EcsSimulator,
) -> None:
    timeline_only = [sim.recorder.record]  # ecs_sim.timeline's recorder observes from the start
    assert sim.simulation.observers == timeline_only
    sim.call("PutEventRule", RuleName="r", **{"EventPattern.1.Product": "ecs"})
    sim.call("PutEventRuleTargets", RuleName="r", **{"WebhookParameters.1.Id": "w",
             "WebhookParameters.1.Url": "http://127.0.0.1:9/x"})  # fmt: skip
    assert sim.simulation.observers == timeline_only
    sim.call("PutEventRuleTargets", RuleName="r", **mns_target("events", "m"))
    sim.add_event_rule("r2", queue="events")
    assert len(sim.simulation.observers) == 2


def test_the_bridge_is_made_on_first_need_seeded_as_when_the_account_was_made() -> None:
    """An account that never meets a rule never makes the bridge; made later, it draws from
    the seed the account was made with, even if the configuration changed since."""
    quiet = EcsSimulator(now=START, instances=[A], seed=7)
    quiet.create_events("SystemMaintenance.Reboot", A, "+1h")
    quiet.advance("2h")
    assert quiet._bridge is None

    def run(change_seed: bool) -> list[tuple[object, ...]]:
        sim = EcsSimulator(now=START, instances=[A, B], seed=7)
        if change_seed:
            sim.simulation.config.seed = 8  # after the account was made: not the bridge's
        sim.create_queue("events")
        sim.mns_delivery(duplicates=0.5, reorder=True)
        sim.add_event_rule("r", queue="events", event_types="Maintenance")
        for when in ("+1h", "+2h", "+3h"):
            sim.create_events("SystemMaintenance.Reboot", [A, B], when)
        sim.advance("4h")
        assert sim._rule_bridge.seed == 7
        return [(d.payload["id"], d.priority) for d in sim.rule_deliveries]

    assert run(change_seed=True) == run(change_seed=False)
