"""CloudMonitor (2019-01-01) through both of its SDKs: in process (the endpoint hosts are
intercepted) and over the loopback server (routed by Version)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cms20190101 import models as cms_models
from alibabacloud_cms20190101.client import Client as CmsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcms.request.v20190101.DeleteEventRulesRequest import DeleteEventRulesRequest
from aliyunsdkcms.request.v20190101.DescribeEventRuleListRequest import (
    DescribeEventRuleListRequest,
)
from aliyunsdkcms.request.v20190101.DescribeEventRuleTargetListRequest import (
    DescribeEventRuleTargetListRequest,
)
from aliyunsdkcms.request.v20190101.DescribeSystemEventAttributeRequest import (
    DescribeSystemEventAttributeRequest,
)
from aliyunsdkcms.request.v20190101.DescribeSystemEventCountRequest import (
    DescribeSystemEventCountRequest,
)
from aliyunsdkcms.request.v20190101.PutEventRuleRequest import PutEventRuleRequest
from aliyunsdkcms.request.v20190101.PutEventRuleTargetsRequest import PutEventRuleTargetsRequest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.sdk import AK, REQUEST_ID, SECRET, Recording
from tests.helpers.simulators import START

A, B = "i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb"
SAMPLES = Path(__file__).parents[1] / "data" / "samples"

pytestmark = pytest.mark.ecs_sim(now=START, instances=[A, B])


def _events(sim: EcsSimulator) -> None:
    sim.inject_event("SystemMaintenance.Reboot", A, not_before="+1h")
    sim.inject_event("SystemFailure.Reboot", B)
    sim.advance("2h")


def _legacy(client: AcsClient, request: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(client.do_action_with_exception(request))
    return body


class RecordingCmsClient(Recording, CmsClient):
    """The new CloudMonitor client, keeping each raw response (tests/helpers/sdk.py)."""


def _new_client(endpoint: str | None = None) -> RecordingCmsClient:
    config = Config(access_key_id=AK, access_key_secret=SECRET, region_id="cn-hangzhou")
    if endpoint is not None:
        config.endpoint, config.protocol = endpoint, "http"
    return RecordingCmsClient(config)


def test_legacy_sdk_queries_and_rules_in_process(ecs_sim: EcsSimulator) -> None:
    _events(ecs_sim)
    client = AcsClient(AK, SECRET, "cn-hangzhou")
    attribute = DescribeSystemEventAttributeRequest()
    attribute.set_Product("ECS")
    attribute.set_Name("Instance:SystemMaintenance.Reboot:Executed")
    body = _legacy(client, attribute)
    assert (body["Code"], body["Success"]) == ("200", True)
    assert REQUEST_ID.match(body["RequestId"])
    (event,) = body["SystemEvents"]["SystemEvent"]
    assert event["Level"] == "CRITICAL"
    assert event["ResourceId"].endswith(f":instance/{A}")
    content = json.loads(event["Content"])
    assert (content["instanceId"], content["eventStatus"]) == (A, "Executed")
    assert isinstance(event["Time"], int)

    count = DescribeSystemEventCountRequest()
    count.set_Product("ecs")
    counts = _legacy(client, count)["SystemEventCounts"]["SystemEventCount"]
    assert {c["Name"] for c in counts} >= {
        "Instance:SystemMaintenance.Reboot:Scheduled",
        "Instance:SystemFailure.Reboot:Executed",
    }
    assert all(c["Num"] == 1 for c in counts)

    rule = PutEventRuleRequest()
    rule.set_RuleName("ecs-maintenance")
    rule.set_EventPatterns(
        [{"Product": "ecs", "EventTypeList": ["Maintenance"], "LevelList": ["CRITICAL"],
          "KeywordFilter": {"Keywords": ["Reboot"], "Relation": "OR"}}]
    )  # fmt: skip
    rule.set_State("ENABLED")
    assert _legacy(client, rule)["Data"] == "1"
    targets = PutEventRuleTargetsRequest()
    targets.set_RuleName("ecs-maintenance")
    targets.set_MnsParameterss([{"Id": "1", "Region": "cn-hangzhou", "Queue": "events"}])
    targets.set_WebhookParameterss(
        [{"Id": "2", "Protocol": "http", "Method": "POST", "Url": "http://127.0.0.1/x"}]
    )
    assert _legacy(client, targets)["Success"] is True

    listed = _legacy(client, DescribeEventRuleListRequest())
    assert listed["Total"] == 1
    (pattern,) = listed["EventRules"]["EventRule"][0]["EventPattern"]["EventPattern"]
    assert pattern["EventTypeList"] == {"EventTypeList": ["Maintenance"]}
    assert pattern["KeywordFilter"]["Keywords"] == {"Keywords": ["Reboot"]}

    target_list = DescribeEventRuleTargetListRequest()
    target_list.set_RuleName("ecs-maintenance")
    shown = _legacy(client, target_list)
    (mns,) = shown["MnsParameters"]["MnsParameter"]
    assert (mns["Id"], mns["Queue"]) == ("1", "events")
    assert mns["Arn"] == "acs:mns:cn-hangzhou:1234567890123456:/queues/events/messages"
    assert shown["WebhookParameters"]["WebhookParameter"][0]["Url"] == "http://127.0.0.1/x"

    rule_book = ecs_sim.simulation.event_rules
    assert rule_book.require("ecs-maintenance").patterns[0].level_list == ("CRITICAL",)

    delete = DeleteEventRulesRequest()
    delete.set_RuleNamess(["ecs-maintenance", "no-such-rule"])
    with pytest.raises(ServerException) as raised:
        client.do_action_with_exception(delete)
    error = raised.value
    assert (error.get_http_status(), error.get_error_code()) == (404, "ResourceNotFound")
    assert len(rule_book) == 1  # all or nothing
    delete = DeleteEventRulesRequest()  # a request keeps every parameter it was ever given
    delete.set_RuleNamess(["ecs-maintenance"])
    _legacy(client, delete)
    assert len(rule_book) == 0
    assert {c.host for c in ecs_sim.calls} == {"metrics.cn-hangzhou.aliyuncs.com"}


def test_new_sdk_answers_fit_its_models(ecs_sim: EcsSimulator) -> None:
    _events(ecs_sim)
    client = _new_client()
    raw: list[dict[str, Any]] = []
    calls = [
        ("describe_system_event_attribute",
         cms_models.DescribeSystemEventAttributeRequest(product="ECS", page_size=2)),
        ("describe_system_event_count", cms_models.DescribeSystemEventCountRequest()),
        ("describe_system_event_histogram",
         cms_models.DescribeSystemEventHistogramRequest(product="ECS")),
        ("put_event_rule", cms_models.PutEventRuleRequest(
            rule_name="r", event_pattern=[cms_models.PutEventRuleRequestEventPattern(
                product="ecs", name_list=["Instance:SystemFailure.Reboot:Executed"])])),
        ("put_event_rule_targets", cms_models.PutEventRuleTargetsRequest(
            rule_name="r", mns_parameters=[cms_models.PutEventRuleTargetsRequestMnsParameters(
                id="1", region="cn-hangzhou", queue="q")])),
        ("describe_event_rule_list", cms_models.DescribeEventRuleListRequest()),
        ("describe_event_rule_target_list",
         cms_models.DescribeEventRuleTargetListRequest(rule_name="r")),
        ("disable_event_rules", cms_models.DisableEventRulesRequest(rule_names=["r"])),
        ("enable_event_rules", cms_models.EnableEventRulesRequest(rule_names=["r"])),
        ("delete_event_rule_targets",
         cms_models.DeleteEventRuleTargetsRequest(rule_name="r", ids=["1"])),
        ("delete_event_rules", cms_models.DeleteEventRulesRequest(rule_names=["r"])),
    ]  # fmt: skip
    for method, request in calls:
        response = getattr(client, method)(request)
        wire = dict(client.raw[-1]["body"])
        raw.append(wire)
        # The model keeps every key we send (a round trip through from_map / to_map).
        assert type(response.body)().from_map(wire).to_map() == wire, method
        assert response.body.to_map() == wire, method
    attribute = raw[0]["SystemEvents"]["SystemEvent"]
    assert len(attribute) == 2  # PageSize
    assert raw[3]["Success"] is True


def test_histogram_has_the_captured_shape(ecs_sim: EcsSimulator) -> None:
    sample = json.loads((SAMPLES / "DescribeSystemEventHistogram.json").read_text())
    buckets = sample["SystemEventHistograms"]["SystemEventHistogram"]
    start, end = buckets[0]["StartTime"], buckets[-1]["EndTime"]
    body = ecs_sim.call("DescribeSystemEventHistogram", StartTime=start, EndTime=end)
    assert set(body) == set(sample)
    ours = body["SystemEventHistograms"]["SystemEventHistogram"]
    assert [(b["StartTime"], b["EndTime"]) for b in ours] == [
        (b["StartTime"], b["EndTime"]) for b in buckets
    ]
    assert [list(b) for b in ours] == [list(b) for b in buckets]


def test_new_sdk_errors_and_fail_next(ecs_sim: EcsSimulator) -> None:
    client = _new_client()
    ecs_sim.fail_next("DescribeSystemEventCount", code="Throttling.User", status=429)
    with pytest.raises(ClientException) as raised:
        client.describe_system_event_count(cms_models.DescribeSystemEventCountRequest())
    assert (raised.value.code, raised.value.status_code) == ("Throttling.User", 429)
    assert raised.value.data["Success"] is False
    with pytest.raises(ClientException) as raised:
        client.describe_system_event_attribute(
            cms_models.DescribeSystemEventAttributeRequest(start_time="yesterday")
        )
    assert (raised.value.code, raised.value.status_code) == ("InvalidParameterValue", 400)
    assert ecs_sim.calls[-1].host == "metrics.cn-hangzhou.aliyuncs.com"


def test_an_ecs_action_at_the_cloudmonitor_host_is_not_found(ecs_sim: EcsSimulator) -> None:
    from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest

    request = DescribeRegionsRequest()
    request.set_endpoint("metrics.cn-hangzhou.aliyuncs.com")
    request.set_version("2019-01-01")
    with pytest.raises(ServerException) as raised:
        AcsClient(AK, SECRET, "cn-hangzhou").do_action_with_exception(request)
    error = raised.value
    assert (error.get_http_status(), error.get_error_code()) == (404, "InvalidAction.NotFound")
    assert "is an action of ECS" in error.get_error_msg()


def test_both_sdks_over_the_loopback_server(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, acs_client: Callable[..., Any]
) -> None:
    _events(ecs_sim)
    client = acs_client(AK, SECRET, "cn-hangzhou", auto_retry=False)
    request = DescribeSystemEventAttributeRequest()
    request.set_endpoint(ecs_server.endpoint)
    request.set_protocol_type("http")
    request.set_Status("Executed")
    events = _legacy(client, request)["SystemEvents"]["SystemEvent"]
    assert {e["Status"] for e in events} == {"Executed"}
    assert len(events) == 2

    new = _new_client(ecs_server.endpoint)
    new.put_event_rule(cms_models.PutEventRuleRequest(
        rule_name="r", event_pattern=[cms_models.PutEventRuleRequestEventPattern(product="ecs")]
    ))  # fmt: skip
    listed = new.describe_event_rule_list(cms_models.DescribeEventRuleListRequest())
    assert listed.body.event_rules.event_rule[0].name == "r"
    # ECS on the same port, told apart by Version.
    assert ecs_sim.call("DescribeRegions")["Regions"]
    assert {c.host for c in ecs_sim.calls[:2]} == {ecs_server.endpoint}
