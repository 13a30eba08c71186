"""A RegionId the simulator does not know, through both official SDKs: every action that
takes one answers ``InvalidRegionId.NotFound`` (404) and changes nothing (issue 17: an
unknown region used to be served as an empty one)."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m
from aliyunsdkecs.request.v20140526 import (
    CreateSimulatedSystemEventsRequest,
    DescribeDisksRequest,
    DescribeInstanceHistoryEventsRequest,
    DescribeInstancesFullStatusRequest,
    DescribeInstancesRequest,
    DescribeInstanceStatusRequest,
    DescribeZonesRequest,
    ListTagResourcesRequest,
    RebootInstancesRequest,
)

from tests.helpers.sdk import legacy_call, legacy_client, legacy_error, new_client, new_error

A = "i-bp1" + "a" * 17
NOWHERE = "cn-nowhere"

pytestmark = pytest.mark.ecs_sim(now="2024-05-01T00:00:00Z", instances=[A])


def _events(r: Any) -> None:
    r.set_EventType("SystemMaintenance.Reboot")
    r.set_InstanceIds([A])
    r.set_NotBefore("2024-05-02T00:00:00Z")


LEGACY = [
    pytest.param(DescribeInstanceHistoryEventsRequest, None, id="history-events"),
    pytest.param(DescribeInstancesFullStatusRequest, None, id="full-status"),
    pytest.param(DescribeInstancesRequest, None, id="instances"),
    pytest.param(DescribeInstanceStatusRequest, None, id="instance-status"),
    pytest.param(DescribeDisksRequest, None, id="disks"),
    pytest.param(DescribeZonesRequest, None, id="zones"),
    pytest.param(CreateSimulatedSystemEventsRequest, _events, id="create-events"),
    pytest.param(RebootInstancesRequest, lambda r: r.set_InstanceIds([A]), id="reboot"),
    pytest.param(ListTagResourcesRequest, lambda r: (r.set_ResourceType("instance"),
                                                     r.set_ResourceIds([A])), id="tags"),
]  # fmt: skip


@pytest.mark.parametrize(("request_class", "fill"), LEGACY)
def test_legacy_sdk_an_unknown_region_is_not_found(
    ecs_sim: Any, request_class: Any, fill: Any
) -> None:
    client = legacy_client(ecs_sim)
    name = request_class.__name__.rpartition(".")[2]
    request = getattr(request_class, name)()
    if fill is not None:
        fill(request)
    request.add_query_param("RegionId", NOWHERE)
    error = legacy_error(client, request)
    assert (error.get_error_code(), error.get_http_status()) == ("InvalidRegionId.NotFound", 404)
    assert error.get_error_msg() == "The specified RegionId does not exist."
    assert ecs_sim.events() == []
    assert ecs_sim.instance(A).status == "Running"
    # the same request in a known region is served
    request.add_query_param("RegionId", "cn-hangzhou")
    legacy_call(client, request)


def test_new_sdk_an_unknown_region_is_not_found(ecs_sim: Any) -> None:
    client = new_client(ecs_sim)
    calls = [
        (client.describe_instance_history_events,
         m.DescribeInstanceHistoryEventsRequest(region_id=NOWHERE)),
        (client.describe_instances_full_status,
         m.DescribeInstancesFullStatusRequest(region_id=NOWHERE)),
        (client.describe_instances, m.DescribeInstancesRequest(region_id=NOWHERE)),
        (client.create_simulated_system_events, m.CreateSimulatedSystemEventsRequest(
            region_id=NOWHERE, event_type="SystemMaintenance.Reboot", instance_id=[A],
            not_before="2024-05-02T00:00:00Z")),
        (client.tag_resources, m.TagResourcesRequest(
            region_id=NOWHERE, resource_type="instance", resource_id=[A],
            tag=[m.TagResourcesRequestTag(key="k", value="v")])),
    ]  # fmt: skip
    for call, request in calls:
        error = new_error(call, request)
        assert (error.code, error.status_code) == ("InvalidRegionId.NotFound", 404), call
    assert ecs_sim.events() == []
    assert ecs_sim.instance(A).tags == {}


def test_describe_regions_lists_the_regions_of_the_check(ecs_sim: Any) -> None:
    body = new_client(ecs_sim).describe_regions(m.DescribeRegionsRequest()).body.to_map()
    listed = {r["RegionId"] for r in body["Regions"]["Region"]}
    for region in listed:  # every listed region is accepted ...
        ecs_sim.call("DescribeInstances", RegionId=region)
    assert NOWHERE not in listed  # ... and the refused one is not listed
