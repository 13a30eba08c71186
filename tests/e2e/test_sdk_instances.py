"""The instance actions end to end through both SDKs (the new SDK's shapes are in
tests/api/test_instance_actions.py): the same answers whichever client asks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m
from aliyunsdkecs.request.v20140526.DescribeInstanceAttributeRequest import (
    DescribeInstanceAttributeRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.DescribeInstanceStatusRequest import (
    DescribeInstanceStatusRequest,
)
from aliyunsdkecs.request.v20140526.ModifyInstanceAttributeRequest import (
    ModifyInstanceAttributeRequest,
)
from aliyunsdkecs.request.v20140526.StartInstancesRequest import StartInstancesRequest
from aliyunsdkecs.request.v20140526.StopInstancesRequest import StopInstancesRequest

from tests.helpers.sdk import legacy_call, legacy_client, legacy_error, new_client, new_error

WEB = {
    "instance_id": "i-web",
    "name": "web-1",
    "private_ip": "172.16.0.10",
    "instance_type": "ecs.c7.large",
    "tags": {"role": "web"},
}
pytestmark = pytest.mark.ecs_sim(now="2024-05-01T00:00:00Z", instances=[WEB, "i-b"])  # fmt: skip


def test_legacy_sdk_describe_modify_stop_start(ecs_sim: Any) -> None:
    client = legacy_client(ecs_sim)
    request = DescribeInstancesRequest()
    request.set_PrivateIpAddresses(json.dumps(["172.16.0.10"]))
    request.set_Tags([{"Key": "role", "Value": "web"}])
    (item,) = legacy_call(client, request)["Instances"]["Instance"]
    assert (item["InstanceId"], item["InstanceType"], item["Cpu"]) == ("i-web", "ecs.c7.large", 2)

    modify = ModifyInstanceAttributeRequest()
    modify.set_InstanceId("i-web")
    modify.set_InstanceName("web-blue")
    modify.set_SecurityGroupIdss(["sg-a"])
    legacy_call(client, modify)
    attribute = DescribeInstanceAttributeRequest()
    attribute.set_InstanceId("i-web")
    body = legacy_call(client, attribute)
    assert body["InstanceName"] == "web-blue"
    assert body["SecurityGroupIds"] == {"SecurityGroupId": ["sg-a"]}
    assert body["VpcAttributes"]["PrivateIpAddress"]["IpAddress"] == ["172.16.0.10"]

    stop = StopInstancesRequest()
    stop.set_InstanceIds(["i-web", "i-b"])
    stop.set_StoppedMode("StopCharging")
    rows = legacy_call(client, stop)["InstanceResponses"]["InstanceResponse"]
    assert [r["CurrentStatus"] for r in rows] == ["Stopping", "Stopping"]
    ecs_sim.advance("1m")
    status = DescribeInstanceStatusRequest()
    status.set_InstanceIds(["i-web"])
    statuses = legacy_call(client, status)["InstanceStatuses"]["InstanceStatus"]
    assert statuses == [{"InstanceId": "i-web", "Status": "Stopped"}]
    assert legacy_call(client, attribute)["StoppedMode"] == "StopCharging"

    start = StartInstancesRequest()
    start.set_InstanceIds(["i-web"])
    start.set_DryRun(True)
    assert legacy_error(client, start).get_error_code() == "DRYRUN.SUCCESS"
    start.set_DryRun(False)
    legacy_call(client, start)
    ecs_sim.advance("1m")
    assert legacy_call(client, attribute)["Status"] == "Running"


def test_legacy_sdk_errors(ecs_sim: Any) -> None:
    client = legacy_client(ecs_sim)
    modify = ModifyInstanceAttributeRequest()
    modify.set_InstanceId("i-web")
    modify.set_HostName("-bad-")
    error = legacy_error(client, modify)
    assert (error.get_error_code(), error.get_http_status()) == ("InvalidHostName.Malformed", 400)
    status = DescribeInstanceStatusRequest()
    status.set_InstanceIds(["i web"])
    error = legacy_error(client, status)
    assert (error.get_error_code(), error.get_http_status()) == (
        "Abs.InvalidInstanceIds.MalFormed", 403)  # fmt: skip
    start = StartInstancesRequest()
    start.set_InstanceIds(["i-web"])
    error = legacy_error(client, start)
    assert (error.get_error_code(), error.get_http_status()) == ("IncorrectInstanceStatus", 403)


def test_both_sdks_see_the_same_instance(ecs_sim: Any) -> None:
    request = DescribeInstancesRequest()
    request.set_InstanceIds(json.dumps(["i-web"]))
    (legacy,) = legacy_call(legacy_client(ecs_sim), request)["Instances"]["Instance"]
    client = new_client(ecs_sim)
    response = client.describe_instances(m.DescribeInstancesRequest(
        region_id=ecs_sim.region, instance_ids='["i-web"]'))  # fmt: skip
    (new,) = response.body.instances.instance
    assert new.to_map() == legacy
    body = client.describe_instance_attribute(m.DescribeInstanceAttributeRequest(
        instance_id="i-web")).body  # fmt: skip
    assert body.vpc_attributes.private_ip_address.ip_address == ["172.16.0.10"]
    client.modify_instance_attribute(m.ModifyInstanceAttributeRequest(
        instance_id="i-web", description="front end"))  # fmt: skip
    stopped = client.stop_instances(m.StopInstancesRequest(
        region_id=ecs_sim.region, instance_id=["i-web"])).body  # fmt: skip
    assert stopped.instance_responses.instance_response[0].current_status == "Stopping"
    ecs_sim.advance("1m")
    started = client.start_instances(m.StartInstancesRequest(
        region_id=ecs_sim.region, instance_id=["i-web"])).body  # fmt: skip
    assert started.instance_responses.instance_response[0].previous_status == "Stopped"
    error = new_error(client.modify_instance_attribute, m.ModifyInstanceAttributeRequest(
        instance_id="i-web", instance_name="9lives"))  # fmt: skip
    assert error.code == "InvalidInstanceName.Malformed"
    assert ecs_sim.instance("i-web").description == "front end"
