"""Instance actions: describe, reboot, stop, start, redeploy, maintenance attributes."""

from __future__ import annotations

from typing import Any

from ...core.catalog import InstanceStatus
from ...core.errors import EcsApiError
from ...core.instance_ops import malformed_ids
from ...core.models import Instance
from ...core.regions import region as region_info
from ...core.simulation import MSG_DRY_RUN, Simulation
from ..instance_filters import instance_filter
from ..paging import PageRequest, page_request, take_page
from ..registry import ActionContext, Query, action, query_action
from ..speedups.answer_cache import LastPage
from .common import instances_in_region


@query_action("DescribeInstanceStatus", InvalidParameter=403)
def describe_instance_status(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    ids = p.items(
        "InstanceId", limit=100, limit_code="InvalidParameter.TooManyInstanceIds", limit_status=403
    )
    _check_id_format(ids)
    zone = p.text("ZoneId")
    try:  # the service checks the zone first: a bad page waits for that check
        page: PageRequest | None = page_request(p, default_size=10, max_size=50)
        page_error = None
    except EcsApiError as error:
        page, page_error = None, error

    def query(sim: Simulation) -> dict[str, Any]:
        if zone is not None and zone not in _zones(sim, region):
            raise EcsApiError(
                "InvalidZoneId.NotFound",
                f"The specified zone {zone!r} does not exist in {region}.",
                404,
            )
        if page_error is not None:
            raise page_error
        assert page is not None
        candidates = instances_in_region(sim, region, ids)
        items, total = take_page(candidates, lambda i: zone is None or i.zone == zone, page)
        return {
            "InstanceStatuses": {
                "InstanceStatus": [
                    {"InstanceId": i.instance_id, "Status": i.status.value} for i in items
                ]
            },
            **page.fields(total, with_token=False),
        }

    return query


@query_action("DescribeInstances", InvalidParameter=400)
def describe_instances(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    ids = p.json_list("InstanceIds", limit=100)
    keep = instance_filter(p)
    p.items("AdditionalAttributes", limit=20)
    sale_cycle = p.flag("NeedSaleCycle")
    page = page_request(p, default_size=10, max_size=100, tokens=True)
    if p.flag("DryRun"):
        raise EcsApiError("DryRunOperation", MSG_DRY_RUN, 400)

    last = LastPage()
    renderings = ctx.renderings

    def query(sim: Simulation) -> dict[str, Any]:
        # An empty InstanceIds array is a filter that matches nothing (documented).
        candidates = [] if ids == [] else instances_in_region(sim, region, ids)
        items, total = take_page(candidates, keep, page)
        rendered = renderings.instances(items, sale_cycle=sale_cycle)
        unchanged = last.get(total, rendered)
        if unchanged is not None:
            return unchanged
        return last.keep(total, rendered, {
            "Instances": {"Instance": rendered},
            **page.fields(total, with_token=True),
        })  # fmt: skip

    return query


@query_action("DescribeInstanceAttribute")
def describe_instance_attribute_action(ctx: ActionContext) -> Query:
    instance_id = ctx.params.required("InstanceId")
    renderings = ctx.renderings
    return lambda sim: renderings.instance_attribute(sim.get_instance(instance_id))


@action("ModifyInstanceAttribute", InvalidParameter=400)
def modify_instance_attribute(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    instance_id = p.required("InstanceId")
    groups = p.items("SecurityGroupIds", limit=100)
    queues = p.text("NetworkInterfaceQueueNumber")
    if queues is not None:
        number = p.integer("NetworkInterfaceQueueNumber", default=0, minimum=-1, maximum=64)
        if number == 0:
            raise p.invalid("NetworkInterfaceQueueNumber", "expected -1 or 1 to 64, got 0")
    cpu = {
        "Core": p.integer("CpuOptions.Core", default=0, minimum=1, maximum=256) or None,
        "ThreadsPerCore": p.integer("CpuOptions.ThreadsPerCore", default=0, minimum=1,
                                    maximum=2) or None,
        "TopologyType": p.choice("CpuOptions.TopologyType",
                                 ("ContinuousCoreToHTMapping", "DiscreteCoreToHTMapping")),
        "NestedVirtualization": p.choice("CpuOptions.NestedVirtualization",
                                         ("Enabled", "Disabled")),
        "EnableVISST": p.text("CpuOptions.EnableVISST"),
        "EnableVRDT": p.text("CpuOptions.EnableVRDT"),
        "TurboMode": p.text("CpuOptions.TurboMode"),
    }  # fmt: skip
    p.flag("PrivateDnsNameOptions.EnableInstanceIdDnsAAAARecord")
    p.flag("PrivateDnsNameOptions.EnableInstanceIdDnsARecord")
    p.flag("PrivateDnsNameOptions.EnableIpDnsARecord")
    p.flag("PrivateDnsNameOptions.EnableIpDnsPtrRecord")
    p.choice("PrivateDnsNameOptions.HostnameType", ("Custom", "IpBased", "InstanceIdBased"))
    p.text("RemoteConnectionOptions.Password")
    p.text("RemoteConnectionOptions.Type")
    p.flag("EnableNetworkEncryption")
    p.flag("Recyclable")
    deletion_protection = p.flag("DeletionProtection") if p.text("DeletionProtection") else None
    jumbo_frame = p.flag("EnableJumboFrame") if p.text("EnableJumboFrame") else None
    changes = {
        "instance_name": p.text("InstanceName", max_length=100_000),
        "description": p.text("Description", max_length=100_000),
        "host_name": p.text("HostName", max_length=100_000),
        "password": p.text("Password", max_length=100_000),
        "user_data": p.text("UserData", max_length=1_000_000),
        "deletion_protection": deletion_protection,
        "security_group_ids": groups or None,
        "credit_specification": p.text("CreditSpecification"),
        "network_interface_queue_number": queues,
        "enable_jumbo_frame": jumbo_frame,
        "cpu_options": {k: v for k, v in cpu.items() if v is not None} or None,
    }
    ctx.sim.modify_instance_attribute(instance_id, changes)
    return {}


def _check_id_format(ids: list[str]) -> None:
    if malformed_ids(ids):
        raise EcsApiError(
            "Abs.InvalidInstanceIds.MalFormed", "The specified instanceIds is not valid.", 403
        )


def _batch(ctx: ActionContext, name: str, stopped_mode: str | None = None) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    ids = p.items(
        "InstanceId",
        limit=100,
        limit_code="InvalidParameter.TooManyInstanceIds",
        limit_status=403,
        required=True,
    )
    mode = p.choice("BatchOptimization", ("AllTogether", "SuccessFirst"), default="AllTogether")
    results = ctx.sim.batch_instance_action(
        name,
        ids,
        region=region,
        dry_run=p.flag("DryRun"),
        all_together=mode == "AllTogether",
        stopped_mode=stopped_mode,
    )
    return {"InstanceResponses": {"InstanceResponse": _responses(results)}}


def _responses(
    results: list[tuple[Instance, InstanceStatus, EcsApiError | None]],
) -> list[dict[str, Any]]:
    """The batch actions' ``InstanceResponse`` rows: ``Code`` is 200 or the error code of the
    operation on that instance (the StartInstances reference; docs/fidelity.md)."""
    return [
        {
            "Code": "200" if error is None else error.code,
            "Message": "success" if error is None else error.message,
            "InstanceId": instance.instance_id,
            "PreviousStatus": previous.value,
            "CurrentStatus": instance.status.value,
        }
        for instance, previous, error in results
    ]


@action("StartInstances", InvalidParameter=400)
def start_instances(ctx: ActionContext) -> dict[str, Any]:
    return _batch(ctx, "StartInstances")


@action("StopInstances", InvalidParameter=400)
def stop_instances(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    p.flag("ForceStop")
    stopped_mode = p.choice("StoppedMode", ("StopCharging", "KeepCharging"))
    return _batch(ctx, "StopInstances", stopped_mode)


@action("RebootInstance", InvalidParameter=403)
def reboot_instance(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    instance_id = p.required("InstanceId")
    p.flag("ForceStop")
    ctx.sim.reboot_instance(instance_id, dry_run=p.flag("DryRun"))
    return {}


@action("RebootInstances", InvalidParameter=403)
def reboot_instances(ctx: ActionContext) -> dict[str, Any]:
    ctx.params.flag("ForceReboot")
    return _batch(ctx, "RebootInstances")


@action("StopInstance", InvalidParameter=403)
def stop_instance(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    instance_id = p.required("InstanceId")
    p.flag("ForceStop")
    p.flag("ConfirmStop")
    p.flag("Hibernate")
    mode = p.choice("StoppedMode", ("KeepCharging", "StopCharging", "Not-applicable"))
    ctx.sim.stop_instance(instance_id, dry_run=p.flag("DryRun"), stopped_mode=mode)
    return {}


@action("StartInstance", InvalidParameter=403)
def start_instance(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    instance_id = p.required("InstanceId")
    p.flag("InitLocalDisk")
    ctx.sim.start_instance(instance_id, dry_run=p.flag("DryRun"))
    return {}


@action("RedeployInstance", InvalidParameter=403)
def redeploy_instance(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    instance_id = p.required("InstanceId")
    p.flag("ForceStop")
    return {"TaskId": ctx.sim.redeploy_instance(instance_id)}


@action("DeleteInstance", InvalidParameter=403)
def delete_instance(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    instance_id = p.required("InstanceId")
    p.flag("TerminateSubscription")
    p.flag("ForceStop")
    ctx.sim.delete_instance(instance_id, force=p.flag("Force"), dry_run=p.flag("DryRun"))
    return {}


@action("ModifyInstanceMaintenanceAttributes", InvalidParameter=403, InstanceIdLimitExceeded=403)
def modify_instance_maintenance_attributes(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    ids = p.items("InstanceId", limit=100, limit_code="InstanceIdLimitExceeded")
    attributes: dict[str, object] = {}
    start = p.text("MaintenanceWindow.1.StartTime")
    end = p.text("MaintenanceWindow.1.EndTime")
    if p.text("MaintenanceWindow.2.StartTime") or p.text("MaintenanceWindow.2.EndTime"):
        raise p.invalid("MaintenanceWindow", "only one maintenance window is allowed")
    if start is not None or end is not None:
        window = (_window_hour(ctx, "StartTime", start), _window_hour(ctx, "EndTime", end))
        if window[0] == window[1]:  # EndTime is 1 to 23 hours after StartTime (documented)
            raise p.invalid(
                "MaintenanceWindow.1.EndTime",
                f"the window must end 1 to 23 hours after it starts, got {start} to {end}",
            )
        attributes["windows"] = [window]
    action_on = p.choice("ActionOnMaintenance", ("Stop", "AutoRecover", "AutoRedeploy"))
    if action_on is not None:
        attributes["action"] = action_on
    if p.text("NotifyOnMaintenance") is not None:
        attributes["notify"] = p.flag("NotifyOnMaintenance")
    ctx.sim.set_maintenance_attributes(ids, attributes, region=region)
    return {}


def _window_hour(ctx: ActionContext, field: str, value: str | None) -> str:
    name = f"MaintenanceWindow.1.{field}"
    if value is None:
        raise ctx.params.missing(name)
    parts = value.split(":")
    if len(parts) != 3 or not all(x.isdigit() and len(x) == 2 for x in parts):
        raise ctx.params.invalid(name, f"expected HH:mm:ss, got {value!r}")
    if parts[1:] != ["00", "00"] or int(parts[0]) > 23:
        raise ctx.params.invalid(name, f"the window must start and end on the hour, got {value!r}")
    return value


@query_action(
    "DescribeInstanceMaintenanceAttributes", InvalidParameter=403, InstanceIdLimitExceeded=403
)
def describe_instance_maintenance_attributes(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    ids = p.items("InstanceId", limit=100, limit_code="InstanceIdLimitExceeded")
    page = page_request(p, default_size=10, max_size=100)
    return lambda sim: _maintenance_attributes(sim, region, ids, page)


def _maintenance_attributes(
    sim: Simulation, region: str, ids: list[str], page: PageRequest
) -> dict[str, Any]:
    candidates = instances_in_region(sim, region, ids)
    if ids:
        found = {i.instance_id for i in candidates}
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            raise EcsApiError(
                "InvalidInstanceId.NotFound",
                f"The specified InstanceId does not exist. {missing[0]}",
                404,
            )
    items, total = take_page(candidates, lambda i: True, page)
    rows = []
    for instance in items:
        attrs = instance.maintenance
        windows = attrs.get("windows") or [("02:00:00", "06:00:00")]
        action_on = str(attrs.get("action", "AutoRecover"))
        rows.append(
            {
                "InstanceId": instance.instance_id,
                "NotifyOnMaintenance": bool(attrs.get("notify", False)),
                "MaintenanceWindows": {
                    "MaintenanceWindow": [{"StartTime": s, "EndTime": e} for s, e in windows]
                },
                "ActionOnMaintenance": {
                    "Value": action_on,
                    "DefaultValue": "AutoRecover",
                    "SupportedValues": {"SupportedValue": ["Stop", "AutoRecover", "AutoRedeploy"]},
                },
            }
        )
    return {
        "MaintenanceAttributes": {"MaintenanceAttribute": rows},
        **page.fields(total, with_token=False),
    }


def _zones(sim: Simulation, region: str) -> set[str]:
    return set(region_info(region).zones) | {i.zone for i in sim.instances(region)}
