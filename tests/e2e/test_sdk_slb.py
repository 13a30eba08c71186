"""Server Load Balancer (2014-05-15) through both of its SDKs: in process (slb.aliyuncs.com and
the regional hosts are intercepted) and over the loopback server (routed by Version), every
answer round-tripped through ``alibabacloud_slb20140515``'s response models."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_slb20140515 import models as slb_models
from alibabacloud_slb20140515.client import Client as SlbClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkslb.request.v20140515.AddBackendServersRequest import AddBackendServersRequest
from aliyunsdkslb.request.v20140515.AddVServerGroupBackendServersRequest import (
    AddVServerGroupBackendServersRequest,
)
from aliyunsdkslb.request.v20140515.DescribeHealthStatusRequest import (
    DescribeHealthStatusRequest,
)
from aliyunsdkslb.request.v20140515.DescribeLoadBalancerAttributeRequest import (
    DescribeLoadBalancerAttributeRequest,
)
from aliyunsdkslb.request.v20140515.DescribeLoadBalancersRequest import (
    DescribeLoadBalancersRequest,
)
from aliyunsdkslb.request.v20140515.DescribeVServerGroupAttributeRequest import (
    DescribeVServerGroupAttributeRequest,
)
from aliyunsdkslb.request.v20140515.DescribeVServerGroupsRequest import (
    DescribeVServerGroupsRequest,
)
from aliyunsdkslb.request.v20140515.ModifyVServerGroupBackendServersRequest import (
    ModifyVServerGroupBackendServersRequest,
)
from aliyunsdkslb.request.v20140515.RemoveBackendServersRequest import (
    RemoveBackendServersRequest,
)
from aliyunsdkslb.request.v20140515.RemoveVServerGroupBackendServersRequest import (
    RemoveVServerGroupBackendServersRequest,
)
from aliyunsdkslb.request.v20140515.SetBackendServersRequest import SetBackendServersRequest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.load_balancers import LoadBalancerSnapshot
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.sdk import AK, REQUEST_ID, SECRET, Recording
from tests.helpers.simulators import START

A, B, C = "i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb", "i-bp1ccccccccccccccccc"

pytestmark = pytest.mark.ecs_sim(now=START, instances=[A, B, C])


def _setup(sim: EcsSimulator) -> LoadBalancerSnapshot:
    return sim.add_load_balancer(
        "web",
        listeners=[80, (8080, "api")],
        backends=[A, (B, 50)],
        vserver_groups={"api": [(A, 100, 8080), (B, 100, 8080)]},
    )


def _round_trip(model: type[Any], body: dict[str, Any]) -> None:
    """The new SDK's response model keeps every key the simulator sent."""
    assert model().from_map(body).to_map() == body


def _legacy(client: AcsClient, request: Any, **params: Any) -> dict[str, Any]:
    for key, value in params.items():
        getattr(request, f"set_{key}")(value)
    body: dict[str, Any] = json.loads(client.do_action_with_exception(request))
    assert REQUEST_ID.match(body["RequestId"])
    return body


class RecordingSlbClient(Recording, SlbClient):
    """The new SLB client, keeping each raw response (tests/helpers/sdk.py)."""


def _new_client(endpoint: str | None = None, region: str = "cn-hangzhou") -> RecordingSlbClient:
    config = Config(access_key_id=AK, access_key_secret=SECRET, region_id=region)
    if endpoint is not None:
        config.endpoint, config.protocol = endpoint, "http"
    return RecordingSlbClient(config)


def test_legacy_sdk_drains_an_instance_in_process(ecs_sim: EcsSimulator) -> None:
    lb = _setup(ecs_sim)
    lb_id, group_id = lb.load_balancer_id, lb.vserver_group_ids["api"]
    client = AcsClient(AK, SECRET, "cn-hangzhou", auto_retry=False)

    listed = _legacy(client, DescribeLoadBalancersRequest(), ServerId=A)
    _round_trip(slb_models.DescribeLoadBalancersResponseBody, listed)
    (found,) = listed["LoadBalancers"]["LoadBalancer"]
    assert (found["LoadBalancerId"], found["LoadBalancerName"], listed["TotalCount"]) == (
        lb_id, "web", 1,
    )  # fmt: skip
    groups = _legacy(client, DescribeVServerGroupsRequest(), LoadBalancerId=lb_id,
                     IncludeListener=True)  # fmt: skip
    _round_trip(slb_models.DescribeVServerGroupsResponseBody, groups)
    (group,) = groups["VServerGroups"]["VServerGroup"]
    assert (group["VServerGroupId"], group["ServerCount"]) == (group_id, 2)
    assert group["AssociatedObjects"]["Listeners"]["Listener"] == [{"Port": 8080,
                                                                    "Protocol": "tcp"}]  # fmt: skip

    drained = _legacy(
        client, ModifyVServerGroupBackendServersRequest(), VServerGroupId=group_id,
        OldBackendServers=json.dumps([{"ServerId": A, "Port": "8080", "Weight": "100"}]),
        NewBackendServers=json.dumps([{"ServerId": A, "Port": "8080", "Weight": "0"}]),
    )  # fmt: skip
    _round_trip(slb_models.ModifyVServerGroupBackendServersResponseBody, drained)
    weights = {b["ServerId"]: b["Weight"] for b in drained["BackendServers"]["BackendServer"]}
    assert weights == {A: 0, B: 100}
    set_weight = _legacy(client, SetBackendServersRequest(), LoadBalancerId=lb_id,
                         BackendServers=json.dumps([{"ServerId": A, "Weight": 0}]))  # fmt: skip
    _round_trip(slb_models.SetBackendServersResponseBody, set_weight)
    assert all(b.weight == 0 for b in ecs_sim.backends_of(A))

    ecs_sim.reboot_instance(A)
    ecs_sim.advance("7s")
    health = _legacy(client, DescribeHealthStatusRequest(), LoadBalancerId=lb_id)
    _round_trip(slb_models.DescribeHealthStatusResponseBody, health)
    rows = {(r["ServerId"], r["ListenerPort"]): r["ServerHealthStatus"]
            for r in health["BackendServers"]["BackendServer"]}  # fmt: skip
    assert rows == {(A, 80): "abnormal", (B, 80): "normal", (A, 8080): "abnormal",
                    (B, 8080): "normal"}  # fmt: skip
    ecs_sim.advance("10s")
    only_8080 = _legacy(client, DescribeHealthStatusRequest(), LoadBalancerId=lb_id,
                        ListenerPort=8080)  # fmt: skip
    assert {r["ServerHealthStatus"] for r in only_8080["BackendServers"]["BackendServer"]} == {
        "normal"
    }

    changes = ecs_sim.backend_changes
    weight_zero = max(c.time for c in changes if c.change == "weight" and c.instance_id == A)
    first_abnormal = min(c.time for c in changes if c.change == "health" and c.new == "abnormal")
    assert weight_zero < first_abnormal  # drained before the health check saw it go


def test_legacy_sdk_membership_and_errors(ecs_sim: EcsSimulator) -> None:
    lb = _setup(ecs_sim)
    lb_id, group_id = lb.load_balancer_id, lb.vserver_group_ids["api"]
    client = AcsClient(AK, SECRET, "cn-hangzhou", auto_retry=False)

    added = _legacy(client, AddBackendServersRequest(), LoadBalancerId=lb_id,
                    BackendServers=json.dumps([{"ServerId": C, "Weight": "30"}]))  # fmt: skip
    _round_trip(slb_models.AddBackendServersResponseBody, added)
    assert [b["ServerId"] for b in added["BackendServers"]["BackendServer"]] == [A, B, C]
    removed = _legacy(client, RemoveBackendServersRequest(), LoadBalancerId=lb_id,
                      BackendServers=json.dumps([{"ServerId": B}]))  # fmt: skip
    _round_trip(slb_models.RemoveBackendServersResponseBody, removed)
    assert [b["ServerId"] for b in removed["BackendServers"]["BackendServer"]] == [A, C]
    in_group = _legacy(client, AddVServerGroupBackendServersRequest(), VServerGroupId=group_id,
                       BackendServers=json.dumps([{"ServerId": C, "Port": 8081}]))  # fmt: skip
    _round_trip(slb_models.AddVServerGroupBackendServersResponseBody, in_group)
    out = _legacy(client, RemoveVServerGroupBackendServersRequest(), VServerGroupId=group_id,
                  BackendServers=json.dumps([{"ServerId": A, "Port": 8080}]))  # fmt: skip
    _round_trip(slb_models.RemoveVServerGroupBackendServersResponseBody, out)
    assert [(b["ServerId"], b["Port"]) for b in out["BackendServers"]["BackendServer"]] == [
        (B, 8080), (C, 8081),
    ]  # fmt: skip
    attribute = _legacy(client, DescribeLoadBalancerAttributeRequest(), LoadBalancerId=lb_id)
    _round_trip(slb_models.DescribeLoadBalancerAttributeResponseBody, attribute)
    assert attribute["ListenerPorts"]["ListenerPort"] == [80, 8080]
    group = _legacy(client, DescribeVServerGroupAttributeRequest(), VServerGroupId=group_id)
    _round_trip(slb_models.DescribeVServerGroupAttributeResponseBody, group)
    assert group["LoadBalancerId"] == lb_id

    ecs_sim.stop_instance(C)
    stale = json.dumps([{"ServerId": A, "Port": 9000}, {"ServerId": C, "Port": 9000}])
    cases: list[tuple[Any, dict[str, Any], str, int]] = [
        (DescribeLoadBalancerAttributeRequest(), {"LoadBalancerId": "lb-nope"},
         "InvalidLoadBalancerId.NotFound", 404),
        (DescribeVServerGroupAttributeRequest(), {"VServerGroupId": "rsp-nope"},
         "InvalidParameter", 404),
        (AddVServerGroupBackendServersRequest(),
         {"VServerGroupId": group_id, "BackendServers": stale}, "ObtainIpFail", 400),
        (AddBackendServersRequest(),
         {"LoadBalancerId": lb_id, "BackendServers": json.dumps([{"ServerId": A}])},
         "InvalidParameter", 400),
        (SetBackendServersRequest(),
         {"LoadBalancerId": lb_id, "BackendServers": json.dumps([{"ServerId": A, "Weight": 101}])},
         "InvalidWeight.Malformed", 400),
        (SetBackendServersRequest(),
         {"LoadBalancerId": lb_id, "BackendServers": json.dumps([{"ServerId": A}] * 21)},
         "TooManyBackendServers", 400),
    ]  # fmt: skip
    for request, params, code, status in cases:
        with pytest.raises(ServerException) as raised:
            _legacy(client, request, **params)
        assert (raised.value.get_error_code(), raised.value.get_http_status()) == (code, status)
    assert [b.server_id for b in ecs_sim.load_balancer(lb_id).vserver_groups["api"].backends] == [
        B,
        C,
    ]  # fmt: skip  (the refused call added nothing)


def test_new_sdk_in_process_through_the_regional_host(ecs_sim: EcsSimulator) -> None:
    lb = _setup(ecs_sim)
    lb_id, group_id = lb.load_balancer_id, lb.vserver_group_ids["api"]
    client = _new_client()
    listed = client.describe_load_balancers(
        slb_models.DescribeLoadBalancersRequest(region_id="cn-hangzhou", page_number=1,
                                                page_size=10)
    )  # fmt: skip
    assert listed.body.load_balancers.load_balancer[0].load_balancer_id == lb_id
    assert (listed.body.page_size, listed.body.total_count) == (10, 1)
    _round_trip(slb_models.DescribeLoadBalancersResponseBody, client.last_body)

    drained = client.modify_vserver_group_backend_servers(
        slb_models.ModifyVServerGroupBackendServersRequest(
            region_id="cn-hangzhou", vserver_group_id=group_id,
            old_backend_servers=json.dumps([{"ServerId": B, "Port": 8080}]),
            new_backend_servers=json.dumps([{"ServerId": B, "Port": 8080, "Weight": 0}]),
        )
    )  # fmt: skip
    weights = {(b.server_id, b.weight) for b in drained.body.backend_servers.backend_server}
    assert weights == {(A, 100), (B, 0)}
    _round_trip(slb_models.ModifyVServerGroupBackendServersResponseBody, client.last_body)

    health = client.describe_health_status(
        slb_models.DescribeHealthStatusRequest(region_id="cn-hangzhou", load_balancer_id=lb_id)
    )
    assert {s.server_health_status for s in health.body.backend_servers.backend_server} == {
        "normal"
    }  # weight 0 is still checked, and shows its health
    attribute = client.describe_load_balancer_attribute(
        slb_models.DescribeLoadBalancerAttributeRequest(load_balancer_id=lb_id)
    )
    assert [b.server_id for b in attribute.body.backend_servers.backend_server] == [A, B]
    _round_trip(slb_models.DescribeLoadBalancerAttributeResponseBody, client.last_body)
    # The regional host (an unmapped region would use it) is answered as well.
    other = _new_client(region="cn-hangzhou")
    other._endpoint = "slb.cn-hangzhou.aliyuncs.com"
    groups = other.describe_vserver_groups(
        slb_models.DescribeVServerGroupsRequest(region_id="cn-hangzhou", load_balancer_id=lb_id)
    )
    assert groups.body.vserver_groups.vserver_group[0].vserver_group_name == "api"
    assert {c.host for c in ecs_sim.calls} == {"slb.aliyuncs.com", "slb.cn-hangzhou.aliyuncs.com"}

    with pytest.raises(ClientException) as raised:
        client.add_backend_servers(slb_models.AddBackendServersRequest(
            region_id="cn-hangzhou", load_balancer_id=lb_id, backend_servers="not json"
        ))  # fmt: skip
    assert raised.value.code == "InvalidParameter"


def test_both_sdks_over_the_loopback_server(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, acs_client: Callable[..., Any]
) -> None:
    lb = _setup(ecs_sim)
    client = acs_client(AK, SECRET, "cn-hangzhou", auto_retry=False)
    request = DescribeHealthStatusRequest()
    request.set_endpoint(ecs_server.endpoint)
    request.set_protocol_type("http")
    health = _legacy(client, request, LoadBalancerId=lb.load_balancer_id)
    assert len(health["BackendServers"]["BackendServer"]) == 4

    new = _new_client(ecs_server.endpoint)
    added = new.add_vserver_group_backend_servers(
        slb_models.AddVServerGroupBackendServersRequest(
            region_id="cn-hangzhou", vserver_group_id=lb.vserver_group_ids["api"],
            backend_servers=json.dumps([{"ServerId": C, "Port": "8080", "Weight": "5"}]),
        )
    )  # fmt: skip
    assert added.body.backend_servers.backend_server[-1].weight == 5
    assert ecs_sim.load_balancer(lb.load_balancer_id).vserver_groups["api"].backends[-1].health == {
        8080: "unavailable"
    }
    # ECS on the same port, told apart by Version.
    assert ecs_sim.call("DescribeRegions")["Regions"]
    assert {c.host for c in ecs_sim.calls[:2]} == {ecs_server.endpoint}


def test_the_loopback_server_routes_by_a_product_host_header(
    ecs_sim: EcsSimulator, ecs_server: EcsServer
) -> None:
    import requests

    url = f"http://{ecs_server.endpoint}/?Action=DescribeRegions&Format=JSON"
    as_slb = requests.get(url, headers={"Host": "slb.aliyuncs.com"}, timeout=10)
    body = as_slb.json()
    assert (as_slb.status_code, body["Code"]) == (404, "InvalidAction.NotFound")
    assert "for Server Load Balancer" in body["Message"]
    as_server = requests.get(url, timeout=10).json()  # no product host: ECS answers
    assert as_server["Regions"]["Region"]
