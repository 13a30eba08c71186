"""Server Load Balancer's backend actions (2014-05-15), registered under ``"slb"``.

Enough of the classic SLB API for a drain: read the load balancers and their backends' health,
add, remove and re-weigh backends of the default server group and of vServer groups. Field
names and types follow ``alibabacloud_slb20140515``'s response models; the rules are in
``core/load_balancers.py``. Reads are ``query_action``s: parsed once, answered again only
once the account changed.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from ..api.registry import ActionContext, Query, action, query_action
from ..api.speedups.answer_cache import SameAnswer
from ..core.errors import EcsApiError
from ..core.load_balancers import (
    Backend,
    BackendSpec,
    LoadBalancer,
    LoadBalancerStore,
    VServerGroup,
)
from ..core.simulation import Simulation
from .backend_servers import parse_backend_servers

SLB = "slb"
#: ``DescribeLoadBalancers``' ``LoadBalancerId`` and ``LoadBalancerName``: at most 10 each.
MAX_IDS = 10
#: The constant attributes of a simulated load balancer (our choice: an internal-facing,
#: pay-as-you-go instance in a VPC).
_CONSTANT_FIELDS: dict[str, Any] = {
    "AddressType": "intranet",
    "AddressIPVersion": "ipv4",
    "NetworkType": "vpc",
    "PayType": "PayOnDemand",
    "InstanceChargeType": "PayBySpec",
    "LoadBalancerSpec": "slb.s1.small",
    "InternetChargeType": "paybytraffic",
    "Bandwidth": 5120,
    "DeleteProtection": "off",
    "ModificationProtectionStatus": "NonProtection",
    "ModificationProtectionReason": "",
    "ResourceGroupId": "",
}
MSG_LISTENER_NOT_FOUND = (
    "You have not created a listener for the specified port of the load balancer."
)


def _region(ctx: ActionContext) -> str:
    """RegionId, where given (the legacy SDK always sends it); the account's region if not."""
    value = ctx.params.text("RegionId")
    return ctx.known_region(value) if value else ctx.sim.config.region


def _store(sim: Simulation) -> LoadBalancerStore:
    return sim.load_balancers


def _lb_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%MZ")


@functools.lru_cache(maxsize=256)  # a group's creation time, shown by every read of it
def _group_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _server_ip(sim: Simulation, server_id: str) -> str:
    instance = sim.store.live_instance(server_id)
    return instance.private_ip if instance is not None else ""


def _lb_fields(lb: LoadBalancer) -> dict[str, Any]:
    return {
        "LoadBalancerId": lb.load_balancer_id,
        "LoadBalancerName": lb.name,
        "LoadBalancerStatus": lb.status,
        "Address": lb.address,
        "VpcId": lb.vpc_id,
        "VSwitchId": lb.vswitch_id,
        "RegionId": lb.region,
        "RegionIdAlias": lb.region,
        "MasterZoneId": lb.zone,
        "SlaveZoneId": lb.zone,
        "CreateTime": _lb_time(lb.created),
        "CreateTimeStamp": _ms(lb.created),
        **_CONSTANT_FIELDS,
        "Tags": {"Tag": []},
    }


def _backend_list(backends: list[dict[str, Any]]) -> dict[str, Any]:
    return {"BackendServers": {"BackendServer": backends}}


#: ``BackendServers`` can be long (20 entries with descriptions).
LONG = 100_000


# -- reads -------------------------------------------------------------------------------------
@query_action("DescribeLoadBalancers", product=SLB)
def describe_load_balancers(ctx: ActionContext) -> Query:
    p = ctx.params
    region = _region(ctx)
    ids = _comma_list(p.text("LoadBalancerId"), "LoadBalancerId")
    names = _comma_list(p.text("LoadBalancerName"), "LoadBalancerName")
    addresses = _comma_list(p.text("ServerIntranetAddress"), "ServerIntranetAddress", limit=100)
    server_id = p.text("ServerId")
    exact = {
        "Address": p.text("Address"),
        "AddressType": p.text("AddressType"),
        "NetworkType": p.text("NetworkType"),
        "VpcId": p.text("VpcId"),
        "VSwitchId": p.text("VSwitchId"),
        "LoadBalancerStatus": p.text("LoadBalancerStatus"),
        "MasterZoneId": p.text("MasterZoneId"),
    }
    wanted = {k: v for k, v in exact.items() if v is not None}
    paged = p.text("PageSize") is not None
    number = p.integer("PageNumber", default=1, minimum=1, maximum=100_000_000)
    size = p.integer("PageSize", default=100, minimum=1, maximum=100)

    def query(sim: Simulation) -> dict[str, Any]:
        found = []
        for lb in _store(sim).balancers.values():
            if lb.region != region or (ids and lb.load_balancer_id not in ids):
                continue
            if names and lb.name not in names:
                continue
            fields = _lb_fields(lb)
            if any(fields.get(k) != v for k, v in wanted.items()):
                continue
            members = {b.server_id for _, b in lb.members()}
            if server_id is not None and server_id not in members:
                continue
            if addresses and not {_server_ip(sim, s) for s in members} & set(addresses):
                continue
            fields["InternetChargeTypeAlias"] = fields["InternetChargeType"]
            found.append(fields)
        body: dict[str, Any] = {"TotalCount": len(found)}
        if paged:
            found = found[(number - 1) * size : number * size]
            body.update(PageNumber=number, PageSize=size)
        return {"LoadBalancers": {"LoadBalancer": found}, **body}

    return query


def _comma_list(value: str | None, name: str, limit: int = MAX_IDS) -> set[str]:
    if value is None:
        return set()
    items = {v.strip() for v in value.split(",") if v.strip()}
    if len(items) > limit:
        raise EcsApiError(
            "InvalidParameter",
            f'The specified parameter "{name}" is not valid: at most {limit} values, '
            "separated by commas.",
            400,
        )
    return items


@query_action("DescribeLoadBalancerAttribute", product=SLB)
def describe_load_balancer_attribute(ctx: ActionContext) -> Query:
    region = _region(ctx)
    lb_id = ctx.params.required("LoadBalancerId")

    def query(sim: Simulation) -> dict[str, Any]:
        lb = _store(sim).get(lb_id, region)
        ports = [listener.port for listener in lb.listeners]
        return {
            **_lb_fields(lb),
            "ListenerPorts": {"ListenerPort": ports},
            "ListenerPortsAndProtocal": {"ListenerPortAndProtocal": [
                {"ListenerPort": x.port, "ListenerProtocal": x.protocol} for x in lb.listeners
            ]},
            "ListenerPortsAndProtocol": {"ListenerPortAndProtocol": [
                {"ListenerPort": x.port, "ListenerProtocol": x.protocol} for x in lb.listeners
            ]},
            **_backend_list([
                {
                    "ServerId": b.server_id, "Weight": b.weight, "Type": b.type,
                    "ServerIp": _server_ip(sim, b.server_id), "Description": b.description,
                }
                for b in lb.backends.values()
            ]),
        }  # fmt: skip

    return query


@query_action("DescribeHealthStatus", product=SLB)
def describe_health_status(ctx: ActionContext) -> Query:
    p = ctx.params
    region = _region(ctx)
    lb_id = p.required("LoadBalancerId")
    port = p.integer("ListenerPort", default=0, minimum=1, maximum=65535) or None
    protocol = p.choice("ListenerProtocol", ("tcp", "udp", "http", "https"))
    last = SameAnswer()

    def query(sim: Simulation) -> dict[str, Any]:
        store = _store(sim)
        lb = store.get(lb_id, region)
        listeners = [
            x for x in lb.listeners
            if (port is None or x.port == port) and (protocol is None or x.protocol == protocol)
        ]  # fmt: skip
        if port is not None and not listeners:
            raise EcsApiError("ListenerNotFound", MSG_LISTENER_NOT_FOUND, 404)
        rows = []
        for listener in listeners:
            group_id = listener.vserver_group_id
            members: list[Backend] = list(
                lb.vserver_groups[group_id].backends.values() if group_id
                else lb.backends.values()
            )  # fmt: skip
            for b in members:
                backend_port = b.port if group_id else listener.backend_port
                key = (listener.port, group_id, b.server_id, backend_port)
                rows.append({
                    "ListenerPort": listener.port,
                    "Port": backend_port,
                    "Protocol": listener.protocol,
                    "ServerHealthStatus": store.health_of(lb, key),
                    "ServerId": b.server_id,
                    "ServerIp": _server_ip(sim, b.server_id),
                })  # fmt: skip
        return last.same(_backend_list(rows))

    return query


@query_action("DescribeVServerGroups", product=SLB)
def describe_vserver_groups(ctx: ActionContext) -> Query:
    p = ctx.params
    region = _region(ctx)
    lb_id = p.required("LoadBalancerId")
    listeners = p.flag("IncludeListener")
    rules = p.flag("IncludeRule")
    description = p.text("Description")

    def query(sim: Simulation) -> dict[str, Any]:
        lb = _store(sim).get(lb_id, region)
        groups = []
        for group in lb.vserver_groups.values():
            if description is not None and description not in group.name:
                continue
            fields: dict[str, Any] = {
                "VServerGroupId": group.vserver_group_id,
                "VServerGroupName": group.name,
                "ServerCount": len(group.backends),
                "CreateTime": _group_time(group.created),
                "Tags": {"Tag": []},
            }
            associated: dict[str, Any] = {}
            if listeners:
                associated["Listeners"] = {"Listener": [
                    {"Port": x.port, "Protocol": x.protocol}
                    for x in lb.listeners_of(group.vserver_group_id)
                ]}  # fmt: skip
            if rules:  # forwarding rules are not simulated
                associated["Rules"] = {"Rule": []}
            if associated:
                fields["AssociatedObjects"] = associated
            groups.append(fields)
        return {"VServerGroups": {"VServerGroup": groups}}

    return query


@query_action("DescribeVServerGroupAttribute", product=SLB)
def describe_vserver_group_attribute(ctx: ActionContext) -> Query:
    region = _region(ctx)
    group_id = ctx.params.required("VServerGroupId")
    last = SameAnswer()

    def query(sim: Simulation) -> dict[str, Any]:
        lb, group = _store(sim).group(group_id, region)
        return last.same({
            "VServerGroupId": group.vserver_group_id,
            "VServerGroupName": group.name,
            "LoadBalancerId": lb.load_balancer_id,
            "CreateTime": _group_time(group.created),
            "Tags": {"Tag": []},
            **_backend_list([
                {
                    "ServerId": b.server_id, "Port": b.port, "Weight": b.weight,
                    "Type": b.type, "Description": b.description,
                    "ServerIp": _server_ip(sim, b.server_id),
                }
                for b in group.backends.values()
            ]),
        })  # fmt: skip

    return query


# -- the default server group ------------------------------------------------------------------
def _default_group_answer(lb: LoadBalancer, *, weight_as_text: bool) -> dict[str, Any]:
    """The load balancer's backends after the change (Add/Set answer Weight as text, as their
    response models type it; Remove as a number)."""
    return {
        "LoadBalancerId": lb.load_balancer_id,
        **_backend_list([
            {
                "ServerId": b.server_id, "Type": b.type, "Description": b.description,
                "Weight": str(b.weight) if weight_as_text else b.weight,
            }
            for b in lb.backends.values()
        ]),
    }  # fmt: skip


def _default_group_specs(ctx: ActionContext) -> tuple[LoadBalancer, list[BackendSpec]]:
    """The load balancer and the ``BackendServers`` of a default-server-group change, read
    and checked before anything changes."""
    region = _region(ctx)
    lb_id = ctx.params.required("LoadBalancerId")
    specs = parse_backend_servers(
        ctx.params.required("BackendServers", max_length=LONG), "BackendServers"
    )
    return _store(ctx.sim).get(lb_id, region), specs


@action("AddBackendServers", product=SLB)
def add_backend_servers(ctx: ActionContext) -> dict[str, Any]:
    lb, specs = _default_group_specs(ctx)
    _store(ctx.sim).add_backends(lb, specs, "AddBackendServers")
    return _default_group_answer(lb, weight_as_text=True)


@action("RemoveBackendServers", product=SLB)
def remove_backend_servers(ctx: ActionContext) -> dict[str, Any]:
    lb, specs = _default_group_specs(ctx)
    _store(ctx.sim).remove_backends(lb, specs, "RemoveBackendServers")
    return _default_group_answer(lb, weight_as_text=False)


@action("SetBackendServers", product=SLB)
def set_backend_servers(ctx: ActionContext) -> dict[str, Any]:
    lb, specs = _default_group_specs(ctx)
    _store(ctx.sim).set_weights(lb, specs, "SetBackendServers")
    return _default_group_answer(lb, weight_as_text=True)


# -- vServer groups ----------------------------------------------------------------------------
def _group_answer(group: VServerGroup, *, description: bool = True) -> dict[str, Any]:
    rows = []
    for b in group.backends.values():
        row: dict[str, Any] = {"ServerId": b.server_id, "Port": b.port, "Weight": b.weight,
                               "Type": b.type}  # fmt: skip
        if description:
            row["Description"] = b.description
        rows.append(row)
    return {"VServerGroupId": group.vserver_group_id, **_backend_list(rows)}


def _port_specs(name: str, text: str) -> list[BackendSpec]:
    """A vServer-group ``BackendServers``-style parameter: each entry names its port."""
    return parse_backend_servers(text, name, port_required=True)


@action("AddVServerGroupBackendServers", product=SLB)
def add_vserver_group_backend_servers(ctx: ActionContext) -> dict[str, Any]:
    region, group_id = _region(ctx), ctx.params.required("VServerGroupId")
    specs = _port_specs("BackendServers", ctx.params.required("BackendServers", max_length=LONG))
    lb, group = _store(ctx.sim).group(group_id, region)
    _store(ctx.sim).add_group_backends(lb, group, specs, "AddVServerGroupBackendServers")
    return _group_answer(group)


@action("RemoveVServerGroupBackendServers", product=SLB)
def remove_vserver_group_backend_servers(ctx: ActionContext) -> dict[str, Any]:
    region, group_id = _region(ctx), ctx.params.required("VServerGroupId")
    specs = _port_specs("BackendServers", ctx.params.required("BackendServers", max_length=LONG))
    lb, group = _store(ctx.sim).group(group_id, region)
    _store(ctx.sim).remove_group_backends(lb, group, specs, "RemoveVServerGroupBackendServers")
    return _group_answer(group, description=False)


@action("ModifyVServerGroupBackendServers", product=SLB)
def modify_vserver_group_backend_servers(ctx: ActionContext) -> dict[str, Any]:
    region, group_id = _region(ctx), ctx.params.required("VServerGroupId")
    old = _port_specs(
        "OldBackendServers", ctx.params.required("OldBackendServers", max_length=LONG)
    )
    new = _port_specs(
        "NewBackendServers", ctx.params.required("NewBackendServers", max_length=LONG)
    )
    lb, group = _store(ctx.sim).group(group_id, region)
    _store(ctx.sim).modify_group_backends(lb, group, old, new, "ModifyVServerGroupBackendServers")
    return _group_answer(group)
