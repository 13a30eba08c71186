"""DescribeInstances, DescribeInstanceAttribute, DescribeInstanceStatus, ModifyInstanceAttribute,
StartInstances and StopInstances through the new SDK: shapes against its response models and
the real capture, filters, paging, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m

from tests.helpers.sdk import RecordingClient, new_client, new_error

SAMPLE = (
    Path(__file__).resolve().parent.parent / "data" / "samples" / "DescribeInstances_beijing.json"
)
R = "cn-hangzhou"
NOW = "2024-05-01T00:00:00Z"
WEB = {
    "instance_id": "i-web",
    "name": "web-1",
    "private_ip": "172.16.0.10",
    "instance_type": "ecs.c7.large",
    "tags": {"role": "web"},
    "public_ip": True,
}
DB = {
    "instance_id": "i-db",
    "name": "db-1",
    "instance_type": "ecs.r7.large",
    "charge_type": "PrePaid",
    "expired_time": "+30d",
    "eip": True,
    "key_pair_name": "ops",
    "resource_group_id": "rg-ops",
    "image_id": "ubuntu_22_04_x64_20G_alibase_20240530.vhd",
}
pytestmark = pytest.mark.ecs_sim(now=NOW, instances=[WEB, DB, "i-plain"])  # fmt: skip


@pytest.fixture
def rec(ecs_sim: Any) -> RecordingClient:
    client = new_client(ecs_sim, client_class=RecordingClient)
    assert isinstance(client, RecordingClient)
    return client


def call(rec: RecordingClient, method: str, request: Any) -> dict[str, Any]:
    getattr(rec, method)(request)
    body: dict[str, Any] = rec.last_body
    return body


def instances(rec: RecordingClient, **params: Any) -> list[dict[str, Any]]:
    body = call(rec, "describe_instances", m.DescribeInstancesRequest(region_id=R, **params))
    found: list[dict[str, Any]] = body["Instances"]["Instance"]
    return found


def same_json_types(expected: Any, actual: Any, path: str = "") -> None:
    """Every key of ``expected`` is in ``actual`` with the same JSON type, at every depth."""
    assert type(actual) is type(expected) or (
        isinstance(expected, float) and isinstance(actual, (int, float))), path  # fmt: skip
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert key in actual, f"{path}.{key}"
            same_json_types(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list) and expected and actual:
        same_json_types(expected[0], actual[0], f"{path}[0]")


def test_every_key_of_the_capture_with_its_json_type(rec: RecordingClient) -> None:
    sample = json.loads(SAMPLE.read_text())["Instances"]["Instance"]
    assert len(sample[0]) == 54
    assert "Tags" not in sample[0]
    for item in instances(rec):
        for real in sample:
            same_json_types(real, item)
        # Tags and KeyPairName only when there are some, as in the capture.
        assert ("Tags" in item) == (item["InstanceId"] == "i-web")
        assert ("KeyPairName" in item) == (item["InstanceId"] == "i-db")


def test_values_follow_the_record(rec: RecordingClient, ecs_sim: Any) -> None:
    web, db, plain = (i for i in instances(rec, instance_ids='["i-web","i-db","i-plain"]'))
    assert (web["Cpu"], web["Memory"], web["InstanceTypeFamily"]) == (2, 4096, "ecs.c7")
    assert web["VpcAttributes"]["PrivateIpAddress"]["IpAddress"] == ["172.16.0.10"]
    eni = web["NetworkInterfaces"]["NetworkInterface"][0]
    assert (eni["PrimaryIpAddress"], eni["Type"]) == ("172.16.0.10", "Primary")
    assert eni["MacAddress"].startswith("00:16:3e:")
    assert web["PublicIpAddress"]["IpAddress"] == [ecs_sim.instance("i-web").public_ip]
    assert web["ExpiredTime"] == "2099-12-31T15:59Z"
    assert web["InnerIpAddress"] == {"IpAddress": []}
    assert web["Tags"] == {"Tag": [{"TagKey": "role", "TagValue": "web"}]}
    assert (db["ExpiredTime"], db["InstanceChargeType"]) == ("2024-05-31T00:00Z", "PrePaid")
    assert db["EipAddress"]["IpAddress"] == ecs_sim.instance("i-db").eip_address != ""
    assert (db["OSType"], db["OSNameEn"]) == ("linux", "Ubuntu  22.04 64 bit")
    assert plain["StartTime"] == plain["CreationTime"] == "2024-05-01T00:00Z"
    assert plain["StoppedMode"] == "Not-applicable"


def test_round_trips_through_the_sdk_models(rec: RecordingClient) -> None:
    body = call(rec, "describe_instances", m.DescribeInstancesRequest(region_id=R))
    assert m.DescribeInstancesResponseBody().from_map(body).to_map() == body
    for iid in ("i-web", "i-db", "i-plain"):
        attr = call(rec, "describe_instance_attribute",
                    m.DescribeInstanceAttributeRequest(instance_id=iid))  # fmt: skip
        assert m.DescribeInstanceAttributeResponseBody().from_map(attr).to_map() == attr


def test_attribute_agrees_with_describe_instances(rec: RecordingClient) -> None:
    for item in instances(rec):
        attr = call(rec, "describe_instance_attribute",
                    m.DescribeInstanceAttributeRequest(instance_id=item["InstanceId"]))  # fmt: skip
        for key in ("InstanceName", "HostName", "InstanceType", "Cpu", "Memory", "ImageId",
                    "VpcAttributes", "PublicIpAddress", "SecurityGroupIds", "ExpiredTime",
                    "CreationTime", "StoppedMode", "SerialNumber", "ZoneId", "Status"):  # fmt: skip
            assert attr[key] == item[key], key
        assert attr["IoOptimized"] == "optimized"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"instance_type": "ecs.c7.large"}, {"i-web"}),
        ({"instance_type_family": "ecs.r7"}, {"i-db"}),
        ({"instance_charge_type": "PrePaid"}, {"i-db"}),
        ({"instance_name": "*-1"}, {"i-web", "i-db"}),
        ({"instance_name": "web*"}, {"i-web"}),
        ({"instance_name": "web"}, set()),
        ({"private_ip_addresses": '["172.16.0.10"]'}, {"i-web"}),
        ({"instance_ids": "[]"}, set()),
        ({"resource_group_id": "rg-ops"}, {"i-db"}),
        ({"key_pair_name": "ops"}, {"i-db"}),
        ({"image_id": "ubuntu_22_04_x64_20G_alibase_20240530.vhd"}, {"i-db"}),
        ({"instance_network_type": "classic"}, set()),
        ({"inner_ip_addresses": '["10.0.0.1"]'}, set()),
        ({"io_optimized": True}, {"i-web", "i-db", "i-plain"}),
        ({"hpc_cluster_id": "hpc-1"}, set()),
        ({"lock_reason": "security"}, set()),
        ({"tag": [m.DescribeInstancesRequestTag(key="role", value="web")]}, {"i-web"}),
        ({"filter": [m.DescribeInstancesRequestFilter(key="ExpiredEndTime",
                                                      value="2025-01-01T00:00Z")]}, {"i-db"}),
        ({"filter": [m.DescribeInstancesRequestFilter(key="CreationStartTime",
                                                      value="2024-05-02T00:00Z")]}, set()),
    ],
)  # fmt: skip
def test_filters(rec: RecordingClient, params: dict[str, Any], expected: set[str]) -> None:
    assert {i["InstanceId"] for i in instances(rec, **params)} == expected


def test_vpc_and_security_group_filters(rec: RecordingClient, ecs_sim: Any) -> None:
    web = ecs_sim.instance("i-web")
    assert len(instances(rec, vpc_id=web.vpc_id)) == 3
    assert instances(rec, vpc_id="vpc-other") == []
    assert len(instances(rec, v_switch_id=web.vswitch_id, zone_id=web.zone)) == 3
    assert len(instances(rec, security_group_id=web.security_group_ids[0])) == 3
    assert {i["InstanceId"] for i in instances(rec, eip_addresses=json.dumps(
        [ecs_sim.instance("i-db").eip_address]))} == {"i-db"}  # fmt: skip
    assert {i["InstanceId"] for i in instances(rec, public_ip_addresses=json.dumps(
        [web.public_ip]))} == {"i-web"}  # fmt: skip


def test_both_paging_styles(rec: RecordingClient) -> None:
    first = call(rec, "describe_instances",
                 m.DescribeInstancesRequest(region_id=R, page_size=2, page_number=2))  # fmt: skip
    assert [i["InstanceId"] for i in first["Instances"]["Instance"]] == ["i-plain"]
    assert first["TotalCount"] == 3
    seen: list[str] = []
    token = None
    while True:
        page = call(rec, "describe_instances",
                    m.DescribeInstancesRequest(region_id=R, max_results=10,
                                               next_token=token))  # fmt: skip
        seen += [i["InstanceId"] for i in page["Instances"]["Instance"]]
        token = page["NextToken"] or None
        if token is None:
            break
    assert seen == ["i-web", "i-db", "i-plain"]


def test_modify_shows_in_every_later_describe(rec: RecordingClient, ecs_sim: Any) -> None:
    call(rec, "modify_instance_attribute", m.ModifyInstanceAttributeRequest(
        instance_id="i-web", instance_name="web-blue", host_name="web-blue.prod",
        description="the blue one", password="Secr3t!pw", deletion_protection=True,
        security_group_ids=["sg-a", "sg-b"]))  # fmt: skip
    (item,) = instances(rec, instance_name="web-blue")
    assert (item["HostName"], item["Description"], item["DeletionProtection"]) == (
        "web-blue.prod", "the blue one", True)  # fmt: skip
    assert item["SecurityGroupIds"] == {"SecurityGroupId": ["sg-a", "sg-b"]}
    assert "Secr3t!pw" not in json.dumps(rec.raw[-1]["body"])
    full = call(rec, "describe_instances_full_status",
                m.DescribeInstancesFullStatusRequest(region_id=R))  # fmt: skip
    assert full["TotalCount"] == 3


def test_stop_with_stop_charging_and_start_again(rec: RecordingClient, ecs_sim: Any) -> None:
    body = call(rec, "stop_instances", m.StopInstancesRequest(
        region_id=R, instance_id=["i-web", "i-db"], stopped_mode="StopCharging"))  # fmt: skip
    rows = body["InstanceResponses"]["InstanceResponse"]
    assert [(r["PreviousStatus"], r["CurrentStatus"], r["Code"]) for r in rows] == [
        ("Running", "Stopping", "200")
    ] * 2
    ecs_sim.advance("5m")
    web, db = instances(rec, instance_ids='["i-web","i-db"]')
    assert (web["Status"], web["StoppedMode"]) == ("Stopped", "StopCharging")
    assert db["StoppedMode"] == "KeepCharging"  # a subscription does not stop charging
    statuses = call(rec, "describe_instance_status",
                    m.DescribeInstanceStatusRequest(region_id=R,
                                                    instance_id=["i-web"]))  # fmt: skip
    assert statuses["InstanceStatuses"]["InstanceStatus"][0]["Status"] == "Stopped"
    before = web["StartTime"]
    ecs_sim.advance("1h")
    body = call(rec, "start_instances", m.StartInstancesRequest(
        region_id=R, instance_id=["i-web", "i-plain"],
        batch_optimization="SuccessFirst"))  # fmt: skip
    codes = {r["InstanceId"]: r["Code"] for r in body["InstanceResponses"]["InstanceResponse"]}
    assert codes == {"i-web": "200", "i-plain": "IncorrectInstanceStatus"}
    ecs_sim.advance("5m")
    (web,) = instances(rec, instance_ids='["i-web"]')
    assert (web["Status"], web["StoppedMode"]) == ("Running", "Not-applicable")
    assert web["StartTime"] > before


@pytest.mark.parametrize(
    ("method", "request_", "code", "status"),
    [
        ("describe_instances", m.DescribeInstancesRequest(region_id=R, instance_ids="i-web"),
         "InvalidParameter", 400),
        ("describe_instances", m.DescribeInstancesRequest(region_id=R, private_ip_addresses="x"),
         "InvalidParameter", 400),
        ("describe_instances", m.DescribeInstancesRequest(region_id=R, status="Flying"),
         "InvalidStatus.NotFound", 404),
        ("describe_instances", m.DescribeInstancesRequest(region_id=R, dry_run=True),
         "DryRunOperation", 400),
        ("describe_instances", m.DescribeInstancesRequest(
            region_id=R, filter=[m.DescribeInstancesRequestFilter(key="Colour", value="x")]),
         "InvalidParameter", 400),
        ("describe_instances", m.DescribeInstancesRequest(region_id=R, instance_charge_type="x"),
         "InvalidParameter", 400),
        ("describe_instance_attribute", m.DescribeInstanceAttributeRequest(instance_id="i-x"),
         "InvalidInstanceId.NotFound", 404),
        ("describe_instance_status", m.DescribeInstanceStatusRequest(
            region_id=R, instance_id=["i web"]), "Abs.InvalidInstanceIds.MalFormed", 403),
        ("modify_instance_attribute", m.ModifyInstanceAttributeRequest(
            instance_id="i-web", instance_name="1st"), "InvalidInstanceName.Malformed", 400),
        ("modify_instance_attribute", m.ModifyInstanceAttributeRequest(
            instance_id="i-web", host_name="a..b"), "InvalidHostName.Malformed", 400),
        ("modify_instance_attribute", m.ModifyInstanceAttributeRequest(
            instance_id="i-web", user_data="eA=="), "IncorrectInstanceStatus", 403),
        ("modify_instance_attribute", m.ModifyInstanceAttributeRequest(
            instance_id="i-x", instance_name="web"), "InvalidInstanceId.NotFound", 404),
        ("start_instances", m.StartInstancesRequest(region_id=R, instance_id=["i-web"]),
         "IncorrectInstanceStatus", 403),
        ("start_instances", m.StartInstancesRequest(region_id=R, instance_id=["i-none"]),
         "InvalidInstanceIds.NotFound", 404),
        ("stop_instances", m.StopInstancesRequest(region_id=R, instance_id=["i-web"],
                                                  dry_run=True), "DRYRUN.SUCCESS", 400),
        ("stop_instances", m.StopInstancesRequest(
            region_id=R, instance_id=[f"i-{n}" for n in range(101)]),
         "InvalidParameter.TooManyInstanceIds", 403),
        ("stop_instances", m.StopInstancesRequest(region_id=R, instance_id=["i-web"],
                                                  stopped_mode="Sleep"), "InvalidParameter", 400),
    ],
)  # fmt: skip
def test_errors(
    ecs_sim: Any, rec: RecordingClient, method: str, request_: Any, code: str, status: int
) -> None:
    error = new_error(getattr(rec, method), request_)
    assert (error.code, error.status_code) == (code, status)
    assert ecs_sim.instance("i-web").status.value == "Running"  # nothing half-applied


def test_stop_success_first_dry_run_answers_success_whatever(rec: RecordingClient) -> None:
    error = new_error(rec.stop_instances, m.StopInstancesRequest(
        region_id=R, instance_id=["i-none"], dry_run=True,
        batch_optimization="SuccessFirst"))  # fmt: skip
    assert error.code == "DRYRUN.SUCCESS"
