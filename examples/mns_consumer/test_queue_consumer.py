"""The MNS consumer in process: CloudMonitor event rule -> MNS queue -> consumer -> ECS."""

from __future__ import annotations

import pytest
from alibabacloud_cms20190101 import models as cms_models
from alibabacloud_cms20190101.client import Client as CmsClient
from alibabacloud_tea_openapi.models import Config
from queue_consumer import QUEUE

START = "2024-05-01T00:00:00Z"
pytestmark = pytest.mark.ecs_sim(now=START, instances=["i-web1", "i-web2", "i-web3"])


def reboots(ecs_sim) -> list[str]:
    return [c.params["InstanceId"] for c in ecs_sim.calls if c.action == "RebootInstance"]


def test_reboots_early_and_deletes_each_message(ecs_sim, consumer):
    # the rule a CloudMonitor console would hold: ECS maintenance events -> the queue
    ecs_sim.add_event_rule("ecs-maintenance", queue=QUEUE, event_types="Maintenance")
    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+2h")

    outcomes = consumer.drain()

    assert [(o.name, o.action) for o in outcomes] == [
        ("Instance:SystemMaintenance.Reboot:Scheduled", "rebooted"),
        ("Instance:SystemMaintenance.Reboot:Avoided", "ignored"),  # caused by our reboot
    ]
    assert ecs_sim.event(event.event_id).state == "Avoided"
    assert reboots(ecs_sim) == ["i-web1"]
    assert ecs_sim.queue(QUEUE).messages == ()  # every message was deleted


def test_a_duplicated_delivery_reboots_once(ecs_sim, consumer):
    # CloudMonitor delivers at least once: here every message arrives twice
    ecs_sim.add_event_rule("ecs-maintenance", queue=QUEUE, event_types="Maintenance",
                           duplicates=1.0)  # fmt: skip
    ecs_sim.create_events("SystemMaintenance.Reboot", ["i-web1", "i-web2"], "+2h")

    outcomes = consumer.drain()

    assert sorted(reboots(ecs_sim)) == ["i-web1", "i-web2"]
    assert [o.action for o in outcomes].count("duplicate") == 2
    assert {d.duplicate for d in ecs_sim.rule_deliveries} == {False, True}
    assert {e.state for e in ecs_sim.events()} == {"Avoided"}


@pytest.mark.ecs_sim(seed=11)
def test_duplicated_and_reordered_deliveries_over_a_fleet(ecs_sim, consumer):
    fleet = [ecs_sim.add_instance().instance_id for _ in range(8)]
    ecs_sim.mns_delivery(duplicates=0.5, reorder=True)  # seeded: the same on every run
    ecs_sim.add_event_rule("ecs-maintenance", queue=QUEUE, event_types="Maintenance")
    ecs_sim.create_events("SystemMaintenance.Reboot", fleet[:4], "+2h")
    ecs_sim.create_events("SystemMaintenance.Reboot", fleet[4:], "+10m")
    ecs_sim.advance("1h")  # the last four were executed before the consumer ran

    consumer.drain()

    assert sorted(reboots(ecs_sim)) == sorted(fleet[:4])
    assert any(d.duplicate for d in ecs_sim.rule_deliveries)
    states = {e.instance_id: e.state for e in ecs_sim.events()}
    assert {states[i] for i in fleet[:4]} == {"Avoided"}
    assert {states[i] for i in fleet[4:]} == {"Executed"}  # late Scheduled: "moved-on"
    assert ecs_sim.queue(QUEUE).messages == ()


def test_a_failed_reboot_leaves_the_message_for_a_retry(ecs_sim, consumer):
    ecs_sim.add_event_rule("ecs-maintenance", queue=QUEUE, statuses="Scheduled")
    ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+2h")
    ecs_sim.fail_next("RebootInstance", code="ServiceUnavailable", status=503)

    assert [o.action for o in consumer.drain()] == ["failed"]
    (message,) = ecs_sim.queue(QUEUE).in_flight  # not deleted: invisible for 60 s
    assert message.dequeue_count == 1

    ecs_sim.advance("61s")  # the visibility timeout passes: MNS delivers it again
    assert [o.action for o in consumer.drain()] == ["rebooted"]
    assert ecs_sim.events()[0].state == "Avoided"


def test_mns_faults_reach_the_consumer(ecs_sim, consumer):
    from mns.mns_exception import MNSServerException

    ecs_sim.add_event_rule("ecs-maintenance", queue=QUEUE, statuses="Scheduled")
    ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+2h")
    ecs_sim.fail_next("ReceiveMessage", code="InternalError", status=500)

    with pytest.raises(MNSServerException):
        consumer.poll_once()
    assert [o.action for o in consumer.drain()] == ["rebooted"]


def test_the_rule_made_through_cloudmonitors_api(ecs_sim, consumer):
    # the same rule, made the way a deployment script would: PutEventRule + targets
    cms = CmsClient(Config(access_key_id="my-access-key", access_key_secret="my-secret",
                           region_id=ecs_sim.region))  # fmt: skip
    cms.put_event_rule(cms_models.PutEventRuleRequest(
        rule_name="ecs-maintenance",
        event_pattern=[cms_models.PutEventRuleRequestEventPattern(
            product="ecs", event_type_list=["Maintenance"], status_list=["Scheduled"])],
    ))  # fmt: skip
    cms.put_event_rule_targets(cms_models.PutEventRuleTargetsRequest(
        rule_name="ecs-maintenance",
        mns_parameters=[cms_models.PutEventRuleTargetsRequestMnsParameters(
            id="1", region=ecs_sim.region, queue=QUEUE)],
    ))  # fmt: skip
    ecs_sim.create_events("SystemMaintenance.Reboot", "i-web2", "+2h")

    assert [o.action for o in consumer.drain()] == ["rebooted"]
    assert ecs_sim.events()[0].state == "Avoided"


def test_a_rule_whose_queue_does_not_exist_delivers_nothing(ecs_sim, consumer):
    ecs_sim.add_event_rule("typo", queue="ecs-event", statuses="Scheduled")
    ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+2h")

    assert consumer.drain() == []
    (delivery,) = ecs_sim.rule_deliveries
    assert not delivery.ok
    assert delivery.error.startswith("QueueNotExist")
