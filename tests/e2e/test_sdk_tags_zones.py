"""Tags, zones and instance types end to end through both official SDKs, each answer
round-tripped through the new SDK's response model."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import (
    DescribeInstancesRequest,
    DescribeInstanceTypeFamiliesRequest,
    DescribeInstanceTypesRequest,
    DescribeTagsRequest,
    DescribeZonesRequest,
    ListTagResourcesRequest,
    TagResourcesRequest,
    UntagResourcesRequest,
)

from tests.helpers.sdk import (
    RecordingClient,
    legacy_call,
    legacy_client,
    legacy_error,
    new_client,
    new_error,
    round_trip,
)

A, B = "i-bp1" + "a" * 17, "i-bp1" + "b" * 17
R = "cn-hangzhou"

pytestmark = pytest.mark.ecs_sim(now="2024-05-01T00:00:00Z", instances=[A, B])


@pytest.fixture
def client(ecs_sim: Any) -> AcsClient:
    return legacy_client(ecs_sim)


@pytest.fixture
def rec(ecs_sim: Any) -> RecordingClient:
    client = new_client(ecs_sim, client_class=RecordingClient)
    assert isinstance(client, RecordingClient)
    return client


# ------------------------------------------------------------------------------- legacy SDK
def test_legacy_tag_list_untag(ecs_sim: Any, client: AcsClient) -> None:
    tag = TagResourcesRequest.TagResourcesRequest()
    tag.set_ResourceType("instance")
    tag.set_ResourceIds([A, B])
    tag.set_Tags([{"Key": "env", "Value": "prod"}, {"Key": "team"}])
    legacy_call(client, tag)

    find = DescribeInstancesRequest.DescribeInstancesRequest()
    find.set_Tags([{"Key": "env", "Value": "prod"}])
    found = legacy_call(client, find)["Instances"]["Instance"]
    assert {i["InstanceId"] for i in found} == {A, B}
    assert {"TagKey": "team", "TagValue": ""} in found[0]["Tags"]["Tag"]

    listing = ListTagResourcesRequest.ListTagResourcesRequest()
    listing.set_ResourceType("instance")
    listing.set_TagFilters([{"TagKey": "env", "TagValues": ["pr*"]}])
    rows = legacy_call(client, listing)["TagResources"]["TagResource"]
    assert sorted((r["ResourceId"], r["TagKey"]) for r in rows) == [
        (A, "env"), (A, "team"), (B, "env"), (B, "team"),
    ]  # fmt: skip

    untag = UntagResourcesRequest.UntagResourcesRequest()
    untag.set_ResourceType("instance")
    untag.set_ResourceIds([A])
    untag.set_TagKeys(["env"])
    legacy_call(client, untag)
    assert dict(ecs_sim.instance(A).tags) == {"team": ""}

    tags = DescribeTagsRequest.DescribeTagsRequest()
    tags.set_ResourceType("instance")
    listed = legacy_call(client, tags)["Tags"]["Tag"]
    assert [(t["TagKey"], t["ResourceTypeCount"]["Instance"]) for t in listed] == [
        ("env", 1),
        ("team", 2),
    ]


def test_legacy_tag_errors_change_nothing(ecs_sim: Any, client: AcsClient) -> None:
    bad = TagResourcesRequest.TagResourcesRequest()
    bad.set_ResourceType("instance")
    bad.set_ResourceIds([A, "i-missing"])
    bad.set_Tags([{"Key": "env", "Value": "x"}])
    error = legacy_error(client, bad)
    assert (error.get_error_code(), error.get_http_status()) == ("InvalidResourceId.NotFound", 404)
    assert ecs_sim.instance(A).tags == {}

    reserved = TagResourcesRequest.TagResourcesRequest()
    reserved.set_ResourceType("instance")
    reserved.set_ResourceIds([A])
    reserved.set_Tags([{"Key": "acs:owner", "Value": "x"}])
    error = legacy_error(client, reserved)
    assert (error.get_error_code(), error.get_http_status()) == ("InvalidTagKey.Malformed", 400)

    conflict = UntagResourcesRequest.UntagResourcesRequest()
    conflict.set_ResourceType("instance")
    conflict.set_ResourceIds([A])
    conflict.set_TagKeys(["env"])
    conflict.set_All(True)
    error = legacy_error(client, conflict)
    assert (error.get_error_code(), error.get_http_status()) == ("Param.Conflict", 403)


def test_legacy_zones_and_types(client: AcsClient) -> None:
    zones = DescribeZonesRequest.DescribeZonesRequest()
    zones.set_AcceptLanguage("en-US")
    body = legacy_call(client, zones)
    first = body["Zones"]["Zone"][0]
    assert (first["ZoneId"], first["LocalName"]) == ("cn-hangzhou-b", "Hangzhou Zone B")
    assert "ecs.g7.large" in first["AvailableInstanceTypes"]["InstanceTypes"]

    types = DescribeInstanceTypesRequest.DescribeInstanceTypesRequest()
    types.set_MinimumCpuCoreCount(4)
    types.set_MaximumMemorySize(16)
    found = legacy_call(client, types)["InstanceTypes"]["InstanceType"]
    assert {t["InstanceTypeId"] for t in found} == {"ecs.c7.xlarge", "ecs.g7.xlarge",
                                                   "ecs.g8i.xlarge", "ecs.c7.2xlarge"}  # fmt: skip
    assert all(t["CpuCoreCount"] >= 4 and t["MemorySize"] <= 16 for t in found)

    families = DescribeInstanceTypeFamiliesRequest.DescribeInstanceTypeFamiliesRequest()
    families.set_Generation("ecs-8")
    listed = legacy_call(client, families)["InstanceTypeFamilies"]["InstanceTypeFamily"]
    assert {f["InstanceTypeFamilyId"] for f in listed} == {"ecs.g8i", "ecs.g8y"}


# ---------------------------------------------------------------------------------- new SDK
def test_new_sdk_tags_round_trip(ecs_sim: Any, rec: RecordingClient) -> None:
    disk = ecs_sim.simulation.store.disks_of_instance(A)[0]
    rec.tag_resources(m.TagResourcesRequest(
        region_id=R, resource_type="disk", resource_id=[disk.disk_id],
        tag=[m.TagResourcesRequestTag(key="role", value="system")],
    ))  # fmt: skip
    round_trip(rec, m.TagResourcesResponseBody)
    rec.tag_resources(m.TagResourcesRequest(
        region_id=R, resource_type="instance", resource_id=[A],
        tag=[m.TagResourcesRequestTag(key="env", value="prod")],
    ))  # fmt: skip
    listed = rec.list_tag_resources(m.ListTagResourcesRequest(
        region_id=R, resource_type="disk", resource_id=[disk.disk_id],
    ))  # fmt: skip
    body = round_trip(rec, m.ListTagResourcesResponseBody)
    assert body["TagResources"]["TagResource"] == [
        {"ResourceType": "disk", "ResourceId": disk.disk_id, "TagKey": "role", "TagValue": "system"}
    ]
    assert listed.body.next_token == ""
    rec.describe_tags(m.DescribeTagsRequest(region_id=R))
    body = round_trip(rec, m.DescribeTagsResponseBody)
    counts = {(t["TagKey"], t["TagValue"]): t["ResourceTypeCount"] for t in body["Tags"]["Tag"]}
    assert counts[("role", "system")]["Disk"] == 1
    assert counts[("env", "prod")]["Instance"] == 1
    rec.untag_resources(m.UntagResourcesRequest(
        region_id=R, resource_type="disk", resource_id=[disk.disk_id], all=True,
    ))  # fmt: skip
    round_trip(rec, m.UntagResourcesResponseBody)
    assert disk.tags == {}

    error = new_error(rec.list_tag_resources, m.ListTagResourcesRequest(
        region_id=R, resource_type="instance",
    ))  # fmt: skip
    assert (error.code, error.status_code) == ("BothEmpty.TagsAndResources", 403)
    error = new_error(rec.tag_resources, m.TagResourcesRequest(
        region_id=R, resource_type="bucket", resource_id=[A],
        tag=[m.TagResourcesRequestTag(key="a", value="b")],
    ))  # fmt: skip
    assert (error.code, error.status_code) == ("InvalidResourceType.NotFound", 404)


def test_tags_show_in_the_event_filter(ecs_sim: Any, rec: RecordingClient) -> None:
    ecs_sim.create_events("SystemMaintenance.Reboot", [A, B], "+1d")
    request = m.DescribeInstanceHistoryEventsRequest(
        region_id=R,
        instance_event_cycle_status=["Scheduled"],
        tag=[m.DescribeInstanceHistoryEventsRequestTag(key="pool", value="web")],
    )
    assert rec.describe_instance_history_events(request).body.total_count == 0
    rec.tag_resources(m.TagResourcesRequest(
        region_id=R, resource_type="instance", resource_id=[B],
        tag=[m.TagResourcesRequestTag(key="pool", value="web")],
    ))  # fmt: skip
    events = rec.describe_instance_history_events(request).body.instance_system_event_set
    assert [e.instance_id for e in events.instance_system_event_type] == [B]


def test_new_sdk_zones_and_types_round_trip(rec: RecordingClient) -> None:
    rec.describe_zones(m.DescribeZonesRequest(region_id=R))
    body = round_trip(rec, m.DescribeZonesResponseBody)
    zone = body["Zones"]["Zone"][-1]
    assert zone["LocalName"] == "华东 1 可用区 K"
    info = zone["AvailableResources"]["ResourcesInfo"][0]
    assert "ecs.g7" in info["InstanceTypeFamilies"]["supportedInstanceTypeFamily"]
    rec.describe_zones(m.DescribeZonesRequest(region_id=R, verbose=False, accept_language="ja"))
    body = round_trip(rec, m.DescribeZonesResponseBody)
    assert set(body["Zones"]["Zone"][0]) == {"ZoneId", "ZoneType", "LocalName"}
    error = new_error(rec.describe_zones, m.DescribeZonesRequest(region_id=R, accept_language="fr"))
    assert (error.code, error.status_code) == ("InvalidAcceptLanguage.NotFound", 404)
    error = new_error(rec.describe_zones, m.DescribeZonesRequest(region_id="xx-nowhere-1"))
    assert (error.code, error.status_code) == ("InvalidRegionId.NotFound", 404)

    rec.describe_instance_types(m.DescribeInstanceTypesRequest(gpuspec="NVIDIA"))
    body = round_trip(rec, m.DescribeInstanceTypesResponseBody)
    (gpu,) = body["InstanceTypes"]["InstanceType"]
    assert (gpu["InstanceTypeId"], gpu["GPUAmount"], gpu["MemorySize"]) == (
        "ecs.gn7i-c8g1.2xlarge", 1, 30,
    )  # fmt: skip
    page = rec.describe_instance_types(m.DescribeInstanceTypesRequest(max_results=5)).body
    rest = rec.describe_instance_types(
        m.DescribeInstanceTypesRequest(max_results=1600, next_token=page.next_token)
    ).body
    ids = [t.instance_type_id for t in page.instance_types.instance_type]
    ids += [t.instance_type_id for t in rest.instance_types.instance_type]
    assert len(ids) == len(set(ids)) == 16
    assert rest.next_token == ""
    rec.describe_instance_type_families(m.DescribeInstanceTypeFamiliesRequest(region_id=R))
    round_trip(rec, m.DescribeInstanceTypeFamiliesResponseBody)


def test_instance_type_fields_cover_the_model(rec: RecordingClient) -> None:
    """Every key the response model knows is in the answer (nothing left for a handler to
    find missing)."""
    rec.describe_instance_types(m.DescribeInstanceTypesRequest(instance_types=["ecs.g7.large"]))
    (row,) = rec.raw[-1]["body"]["InstanceTypes"]["InstanceType"]
    source = inspect.getsource(m.DescribeInstanceTypesResponseBodyInstanceTypesInstanceType.to_map)
    assert set(re.findall(r"result\['(\w+)'\]", source)) == set(row)
