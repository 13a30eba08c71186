"""The same consumer against ``ecs-sim serve``, another process: MNS, ECS and CloudMonitor
all on its one loopback port, reached over HTTP as a deployed consumer would reach Alibaba
Cloud (only the endpoints differ)."""

from __future__ import annotations

import json
import urllib.request

import pytest
from aliyunsdkcms.request.v20190101.PutEventRuleRequest import PutEventRuleRequest
from aliyunsdkcms.request.v20190101.PutEventRuleTargetsRequest import PutEventRuleTargetsRequest
from aliyunsdkcore.client import AcsClient
from mns.account import Account
from mns.queue import Message, QueueMeta
from queue_consumer import QUEUE, QueueConsumer

pytestmark = pytest.mark.usefixtures("no_proxy")
AK, SECRET = "my-access-key", "my-secret"


def control(served, path: str, body: dict | None = None) -> dict:
    """The server's control API (/_sim/), standing in for the platform's own doings."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{served.url}/_sim/{path}", data=data)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as answer:
        return json.loads(answer.read())


def drill(instance_id: str, not_before: str) -> dict:
    """A simulated SystemMaintenance.Reboot (what CreateSimulatedSystemEvents makes)."""
    return {"simulated": True, "instance_id": instance_id,
            "event_type": "SystemMaintenance.Reboot", "not_before": not_before}  # fmt: skip


def put_rule(served) -> None:
    """The CloudMonitor rule, made through the legacy CloudMonitor SDK."""
    cms = AcsClient(AK, SECRET, "cn-hangzhou", auto_retry=False)
    rule = PutEventRuleRequest()
    rule.set_RuleName("ecs-maintenance")
    rule.set_EventPatterns([{"Product": "ecs", "EventTypeList": ["Maintenance"]}])
    targets = PutEventRuleTargetsRequest()
    targets.set_RuleName("ecs-maintenance")
    targets.set_MnsParameterss([{"Id": "1", "Region": "cn-hangzhou", "Queue": QUEUE}])
    for request in (rule, targets):
        request.set_endpoint(served.endpoint)
        request.set_protocol_type("http")
        assert json.loads(cms.do_action_with_exception(request))["Success"] is True


@pytest.fixture
def account(served):
    account = Account(served.url, AK, SECRET)
    meta = QueueMeta()
    meta.set_visibilitytimeout(60)
    account.get_queue(QUEUE).create(meta)
    yield account
    account.mns_client.close_connection()


def test_reboots_once_over_http_even_with_a_redelivered_message(served, account, ecs_kind):
    put_rule(served)
    (event,) = control(served, "events", drill("i-web1", "+2h"))["events"]
    # a redelivery: the Scheduled notification is in the queue twice
    queue = account.get_queue(QUEUE)
    scheduled = queue.peek_message()
    assert json.loads(scheduled.message_body)["content"]["eventId"] == event["event_id"]
    queue.send_message(Message(scheduled.message_body.decode("utf-8")))

    ecs = ecs_kind(AK, SECRET, "cn-hangzhou", endpoint=served.endpoint)
    consumer = QueueConsumer(served.url, AK, SECRET, QUEUE, ecs)
    try:
        outcomes = consumer.drain(wait_seconds=1)
    finally:
        consumer.close()

    assert [o.action for o in outcomes] == ["rebooted", "duplicate", "ignored"]  # ..., Avoided
    (after,) = control(served, "events?instance_id=i-web1")["events"]
    assert after["state"] == "Avoided"


def test_a_message_sent_while_the_consumer_waits_wakes_it(served, account, ecs_kind):
    put_rule(served)
    ecs = ecs_kind(AK, SECRET, "cn-hangzhou", endpoint=served.endpoint)
    consumer = QueueConsumer(served.url, AK, SECRET, QUEUE, ecs)
    try:
        assert consumer.poll_once(wait_seconds=1) is None  # nothing yet: waited, then empty
        control(served, "events", drill("i-web2", "+1h"))
        outcome = consumer.poll_once(wait_seconds=5)
    finally:
        consumer.close()
    assert outcome is not None
    assert outcome.action == "rebooted"
