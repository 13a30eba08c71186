"""CloudMonitor event rule -> MNS queue end to end: the rule made through a CloudMonitor SDK,
the events through an ECS SDK, the messages read with the real MNS SDK; in process and
over the loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("mns")

from alibabacloud_cms20190101 import models as cms_models
from alibabacloud_cms20190101.client import Client as CmsClient
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcms.request.v20190101.PutEventRuleRequest import PutEventRuleRequest
from aliyunsdkcms.request.v20190101.PutEventRuleTargetsRequest import PutEventRuleTargetsRequest
from aliyunsdkecs.request.v20140526.CreateSimulatedSystemEventsRequest import (
    CreateSimulatedSystemEventsRequest,
)
from mns.account import Account
from mns.mns_exception import MNSServerException

from pytest_ecs_events.simulator import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.sdk import AK, SECRET, legacy_call, legacy_client, new_client

A = "i-bp1aaaaaaaaaaaaaaaaa"


@pytest.fixture(params=["in-process", "server"])
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[EcsSimulator, str | None, str]]:
    """The simulator, the endpoint for the RPC SDKs (None: their own hosts, intercepted),
    and the MNS endpoint."""
    sim = EcsSimulator(now="2030-01-01T00:00:00Z", instances=[A], seed=5)
    if request.param == "in-process":
        with sim:
            yield sim, None, sim.mns_endpoint
    else:
        with EcsServer(sim) as server:
            yield sim, server.endpoint, server.url
        assert server.errors == []


def _legacy(request: Any, endpoint: str | None) -> Any:
    if endpoint is not None:
        request.set_endpoint(endpoint)
        request.set_protocol_type("http")
    return request


def _receive_all(account: Account, queue_name: str) -> list[dict[str, Any]]:
    queue = account.get_queue(queue_name)  # the SDK's default (Base64) encoding
    got = []
    while True:
        try:
            message = queue.receive_message(0)
        except MNSServerException as exc:
            if exc.type != "MessageNotExist":
                raise
            return got
        got.append(json.loads(message.message_body))
        queue.delete_message(message.receipt_handle)


def test_legacy_sdks_rule_and_event_reach_the_queue(
    setup: tuple[EcsSimulator, str | None, str],
) -> None:
    sim, endpoint, mns_endpoint = setup
    sim.create_queue("ecs-events")
    client = legacy_client(sim, auto_retry=False)
    rule = PutEventRuleRequest()
    rule.set_RuleName("maintenance")
    rule.set_EventPatterns([{"Product": "ecs", "EventTypeList": ["Maintenance"],
                             "StatusList": ["Scheduled", "Executed"]}])  # fmt: skip
    legacy_call(client, _legacy(rule, endpoint))
    targets = PutEventRuleTargetsRequest()
    targets.set_RuleName("maintenance")
    targets.set_MnsParameterss([{"Id": "1", "Region": sim.region, "Queue": "ecs-events"}])
    legacy_call(client, _legacy(targets, endpoint))
    create = CreateSimulatedSystemEventsRequest()
    create.set_EventType("SystemMaintenance.Reboot")
    create.set_InstanceIds([A])
    create.set_NotBefore("2030-01-01T01:00:00Z")
    (event_id,) = legacy_call(client, _legacy(create, endpoint))["EventIdSet"]["EventId"]
    sim.advance("2h")

    account = Account(mns_endpoint, AK, SECRET)
    try:
        payloads = _receive_all(account, "ecs-events")
    finally:
        account.mns_client.close_connection()
    assert [p["name"] for p in payloads] == [
        "Instance:SystemMaintenance.Reboot:Scheduled",
        "Instance:SystemMaintenance.Reboot:Executed",
    ]
    assert {p["content"]["eventId"] for p in payloads} == {event_id}
    assert payloads[1]["content"]["executeFinishTime"] == "2030-01-01T01:00:30Z"


def test_new_sdks_rule_a_reboot_and_state_changes(
    setup: tuple[EcsSimulator, str | None, str],
) -> None:
    sim, endpoint, mns_endpoint = setup
    sim.create_queue("states")
    config = Config(access_key_id=AK, access_key_secret=SECRET, region_id=sim.region)
    if endpoint is not None:
        config.endpoint, config.protocol = endpoint, "http"
    cms = CmsClient(config)
    pattern = cms_models.PutEventRuleRequestEventPattern(
        product="ECS", name_list=["Instance:StateChange"]
    )
    cms.put_event_rule(cms_models.PutEventRuleRequest(rule_name="states", event_pattern=[pattern]))
    cms.put_event_rule_targets(cms_models.PutEventRuleTargetsRequest(rule_name="states",
        mns_parameters=[cms_models.PutEventRuleTargetsRequestMnsParameters(
            id="q", region=sim.region, queue="states")]))  # fmt: skip
    ecs = new_client(sim, endpoint=endpoint, protocol="http" if endpoint else None)
    ecs.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=A))
    sim.advance("1m")

    account = Account(mns_endpoint, AK, SECRET)
    try:
        payloads = _receive_all(account, "states")
    finally:
        account.mns_client.close_connection()
    assert [p["content"]["state"] for p in payloads] == ["Stopping", "Starting", "Running"]
    assert {p["name"] for p in payloads} == {"Instance:StateChange"}


def test_a_consumer_waiting_over_http_is_woken_by_a_delivery() -> None:
    import threading

    sim = EcsSimulator(now="2030-01-01T00:00:00Z", instances=[A])
    sim.create_queue("ecs-events")
    sim.add_event_rule("r", queue="ecs-events", statuses="Scheduled")
    with EcsServer(sim) as server:
        account = Account(server.url, AK, SECRET)
        got: list[Any] = []
        waiting = threading.Thread(
            target=lambda: got.append(account.get_queue("ecs-events").receive_message(10))
        )
        waiting.start()
        timer = threading.Timer(0.3, sim.create_events, ("SystemMaintenance.Reboot", A, "+1h"))
        timer.start()
        waiting.join(15)
        timer.join()
        account.mns_client.close_connection()
    (message,) = got
    assert json.loads(message.message_body)["content"]["eventStatus"] == "Scheduled"
