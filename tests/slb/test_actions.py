"""The SLB actions' parameters, filters and errors (slb/actions.py), through ``ecs_sim.call``
(no SDK): each documented parameter does what docs/actions.md says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.core.load_balancers import LoadBalancerSnapshot
from tests.helpers.simulators import START

A, B, C = "i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb", "i-bp1ccccccccccccccccc"
REGION = {"RegionId": "cn-hangzhou"}


@pytest.fixture
def sim() -> EcsSimulator:
    simulator = EcsSimulator(now=START, instances=[A, B, C])
    simulator.add_load_balancer(
        "web", listeners=[80, {"port": 443, "protocol": "https", "vserver_group": "tls"}],
        backends=[A], vserver_groups={"tls": [(A, 100, 8443), (B, 100, 8443)]},
    )  # fmt: skip
    simulator.add_load_balancer("batch", listeners=[9000], backends=[(B, 10)])
    return simulator


def _lbs(sim: EcsSimulator, **params: Any) -> list[str]:
    body = sim.call("DescribeLoadBalancers", **REGION, **params)
    return [lb["LoadBalancerName"] for lb in body["LoadBalancers"]["LoadBalancer"]]


def _first(sim: EcsSimulator) -> LoadBalancerSnapshot:
    return sim.load_balancers[0]


def _error(sim: EcsSimulator, action: str, **params: Any) -> EcsApiError:
    with pytest.raises(EcsApiError) as raised:
        sim.call(action, **params)
    return raised.value


def test_describe_load_balancers_filters(sim: EcsSimulator) -> None:
    web, batch = (lb.load_balancer_id for lb in sim.load_balancers)
    assert _lbs(sim) == ["web", "batch"]
    assert _lbs(sim, LoadBalancerId=f"{batch}, {web}") == ["web", "batch"]
    assert _lbs(sim, LoadBalancerName="batch") == ["batch"]
    assert _lbs(sim, ServerId=A) == ["web"]
    assert _lbs(sim, ServerIntranetAddress=sim.instance(B).private_ip) == ["web", "batch"]
    assert _lbs(sim, Address=sim.load_balancers[1].address) == ["batch"]
    assert _lbs(sim, AddressType="internet") == []
    assert _lbs(sim, NetworkType="vpc", LoadBalancerStatus="active") == ["web", "batch"]
    assert _lbs(sim, VpcId=sim.instance(A).vpc_id, VSwitchId=sim.instance(A).vswitch_id) == [
        "web", "batch",
    ]  # fmt: skip
    assert _lbs(sim, MasterZoneId="cn-hangzhou-z") == []
    assert sim.call("DescribeLoadBalancers", RegionId="cn-beijing")["TotalCount"] == 0
    page = sim.call("DescribeLoadBalancers", **REGION, PageSize=1, PageNumber=2)
    assert (page["TotalCount"], page["PageNumber"], page["PageSize"]) == (2, 2, 1)
    assert [lb["LoadBalancerName"] for lb in page["LoadBalancers"]["LoadBalancer"]] == ["batch"]
    error = _error(sim, "DescribeLoadBalancers", **REGION, LoadBalancerId=",".join("abcdefghijk"))
    assert (error.code, error.status) == ("InvalidParameter", 400)
    assert (
        _error(sim, "DescribeLoadBalancers", RegionId="mars-1").code == "InvalidRegionId.NotFound"
    )


def test_health_status_by_listener_and_protocol(sim: EcsSimulator) -> None:
    lb_id = _first(sim).load_balancer_id
    body = sim.call("DescribeHealthStatus", LoadBalancerId=lb_id, ListenerProtocol="https")
    rows = body["BackendServers"]["BackendServer"]
    assert [(r["ServerId"], r["Port"], r["Protocol"]) for r in rows] == [
        (A, 8443, "https"), (B, 8443, "https"),
    ]  # fmt: skip
    error = _error(sim, "DescribeHealthStatus", LoadBalancerId=lb_id, ListenerPort=81)
    assert (error.code, error.status) == ("ListenerNotFound", 404)
    assert _error(sim, "DescribeHealthStatus", LoadBalancerId=lb_id, ListenerPort=0).status == 400


def test_vserver_groups_listing(sim: EcsSimulator) -> None:
    lb_id = _first(sim).load_balancer_id
    body = sim.call("DescribeVServerGroups", **REGION, LoadBalancerId=lb_id, IncludeRule=True)
    (group,) = body["VServerGroups"]["VServerGroup"]
    assert group["AssociatedObjects"] == {"Rules": {"Rule": []}}
    plain = sim.call("DescribeVServerGroups", **REGION, LoadBalancerId=lb_id, Description="nope")
    assert plain["VServerGroups"]["VServerGroup"] == []
    error = _error(sim, "DescribeVServerGroups", **REGION, LoadBalancerId="lb-x")
    assert (error.code, error.status) == ("InvalidLoadBalancerId.NotFound", 404)
    other_region = _error(sim, "DescribeVServerGroups", RegionId="cn-beijing",
                          LoadBalancerId=lb_id)  # fmt: skip
    assert other_region.code == "InvalidLoadBalancerId.NotFound"


def test_modify_replaces_and_refuses_unknown_old_servers(sim: EcsSimulator) -> None:
    group_id = _first(sim).vserver_group_ids["tls"]

    def modify(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any]:
        return sim.call(
            "ModifyVServerGroupBackendServers", **REGION, VServerGroupId=group_id,
            OldBackendServers=json.dumps(old), NewBackendServers=json.dumps(new),
        )  # fmt: skip

    body = modify([{"ServerId": A, "Port": 8443}], [{"ServerId": C, "Port": 8443, "Weight": 7}])
    assert [(b["ServerId"], b["Weight"]) for b in body["BackendServers"]["BackendServer"]] == [
        (B, 100), (C, 7),
    ]  # fmt: skip
    before = sim.load_balancers
    with pytest.raises(EcsApiError, match="does not exist"):
        modify([{"ServerId": A, "Port": 8443}], [{"ServerId": A, "Port": 8443}])
    with pytest.raises(EcsApiError, match="already exists"):
        modify([{"ServerId": C, "Port": 8443}], [{"ServerId": B, "Port": 8443}])
    with pytest.raises(EcsApiError, match=r"Port value should be in \[1, 65535\]"):
        modify([{"ServerId": C}], [{"ServerId": B, "Port": 8443}])
    assert sim.load_balancers == before  # refused calls changed nothing
    missing = _error(sim, "ModifyVServerGroupBackendServers", **REGION, VServerGroupId=group_id,
                     OldBackendServers=json.dumps([{"ServerId": B, "Port": 1}]))  # fmt: skip
    assert (missing.code, missing.status) == ("MissingParameter", 400)
    empty = _error(sim, "ModifyVServerGroupBackendServers", **REGION, VServerGroupId=group_id,
                   OldBackendServers="[]", NewBackendServers="[]")  # fmt: skip
    assert (empty.code, "non-empty" in empty.message) == ("InvalidParameter", True)


def test_remove_ignores_servers_that_are_not_backends(sim: EcsSimulator) -> None:
    lb_id = _first(sim).load_balancer_id
    body = sim.call("RemoveBackendServers", **REGION, LoadBalancerId=lb_id,
                    BackendServers=json.dumps([{"ServerId": C}]))  # fmt: skip
    assert [b["ServerId"] for b in body["BackendServers"]["BackendServer"]] == [A]
    assert [c.change for c in sim.backend_changes].count("removed") == 0


def test_eni_backends_are_not_simulated(sim: EcsSimulator) -> None:
    lb_id = _first(sim).load_balancer_id
    error = _error(sim, "AddBackendServers", **REGION, LoadBalancerId=lb_id,
                   BackendServers=json.dumps([{"ServerId": "eni-1", "Type": "eni"}]))  # fmt: skip
    assert "only ECS instances" in error.message


def test_kept_answers_follow_every_change(sim: EcsSimulator) -> None:
    """The read-only SLB answers are kept (query_action) until the account changes: each
    change here (description only, weight, health on the clock) shows at once."""
    lb_id = _first(sim).load_balancer_id

    def attribute() -> dict[str, Any]:
        body = sim.call("DescribeLoadBalancerAttribute", LoadBalancerId=lb_id)
        return body["BackendServers"]["BackendServer"][0]  # type: ignore[no-any-return]

    def health() -> set[str]:
        body = sim.call("DescribeHealthStatus", LoadBalancerId=lb_id, ListenerPort=80)
        return {r["ServerHealthStatus"] for r in body["BackendServers"]["BackendServer"]}

    assert (attribute()["Description"], health()) == ("", {"normal"})
    sim.call("SetBackendServers", LoadBalancerId=lb_id,
             BackendServers=json.dumps([{"ServerId": A, "Description": "web-a"}]))  # fmt: skip
    assert (attribute()["Description"], attribute()["Weight"]) == ("web-a", 100)
    sim.call("SetBackendServers", LoadBalancerId=lb_id,
             BackendServers=json.dumps([{"ServerId": A, "Weight": "0"}]))  # fmt: skip
    assert attribute()["Weight"] == 0
    sim.stop_instance(A)
    sim.advance("5s")
    assert health() == {"normal"}
    sim.advance("1s")
    assert health() == {"abnormal"}
