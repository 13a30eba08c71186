"""The handler's :class:`~drain_handler.Cloud`, with either SDK generation.

``LegacyCloud``: ``aliyunsdkcore``'s AcsClient with ``aliyunsdkecs`` and ``aliyunsdkslb``
requests. ``NewCloud``: the ``alibabacloud_ecs20140526`` and ``alibabacloud_slb20140515``
Clients. Both are built as in production (no endpoint given: the SDKs' own hosts). Both
hand the handler plain values in the API's field names.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_slb20140515 import models as slb_models
from alibabacloud_slb20140515.client import Client as SlbClient
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceStatusRequest import (
    DescribeInstanceStatusRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInvocationResultsRequest import (
    DescribeInvocationResultsRequest,
)
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest
from aliyunsdkecs.request.v20140526.RunCommandRequest import RunCommandRequest
from aliyunsdkslb.request.v20140515.DescribeHealthStatusRequest import (
    DescribeHealthStatusRequest,
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
from drain_handler import Backend, CommandResult


def _backend_servers(instance_id: str, backend: Backend, weight: int) -> str:
    """ModifyVServerGroupBackendServers' JSON array: one server, its port and a weight."""
    return json.dumps([{"ServerId": instance_id, "Port": backend.port, "Weight": weight}])


def _command_result(row: dict[str, Any]) -> CommandResult:
    return CommandResult(
        status=row["InvocationStatus"],
        exit_code=row.get("ExitCode"),
        output=base64.b64decode(row.get("Output") or "").decode(errors="replace"),
        error_code=row.get("ErrorCode") or "",
    )


class LegacyCloud:
    def __init__(self, access_key_id: str, secret: str, region_id: str) -> None:
        # One AcsClient serves every product; the request's class picks the product's host.
        self.client = AcsClient(access_key_id, secret, region_id)

    def _call(self, request: Any, **params: Any) -> dict[str, Any]:
        for name, value in params.items():
            getattr(request, f"set_{name}")(value)
        body: dict[str, Any] = json.loads(self.client.do_action_with_exception(request))
        return body

    def scheduled_reboots(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        page: dict[str, Any] = {}  # the first page: no NextToken
        while True:
            body = self._call(
                DescribeInstanceHistoryEventsRequest(),
                InstanceEventCycleStatuss=["Scheduled"],
                InstanceEventTypes=["SystemMaintenance.Reboot"],
                MaxResults=100,
                **page,
            )
            events += body["InstanceSystemEventSet"]["InstanceSystemEventType"]
            if not body.get("NextToken"):
                return events
            page = {"NextToken": body["NextToken"]}

    def backends_of(self, instance_id: str) -> list[Backend]:
        found = []
        listed = self._call(DescribeLoadBalancersRequest(), ServerId=instance_id)
        for lb in listed["LoadBalancers"]["LoadBalancer"]:
            lb_id = lb["LoadBalancerId"]
            groups = self._call(DescribeVServerGroupsRequest(), LoadBalancerId=lb_id)
            for group in groups["VServerGroups"]["VServerGroup"]:
                group_id = group["VServerGroupId"]
                attribute = self._call(
                    DescribeVServerGroupAttributeRequest(), VServerGroupId=group_id
                )
                found += [
                    Backend(lb_id, group_id, int(server["Port"]), int(server["Weight"]))
                    for server in attribute["BackendServers"]["BackendServer"]
                    if server["ServerId"] == instance_id
                ]
        return found

    def set_weight(self, instance_id: str, backend: Backend, old: int, new: int) -> None:
        self._call(
            ModifyVServerGroupBackendServersRequest(),
            VServerGroupId=backend.vserver_group_id,
            OldBackendServers=_backend_servers(instance_id, backend, old),
            NewBackendServers=_backend_servers(instance_id, backend, new),
        )

    def run_command(self, instance_id: str, script: str, timeout: int) -> str:
        body = self._call(
            RunCommandRequest(),
            Name="drain-before-reboot",
            Type="RunShellScript",
            CommandContent=script,
            InstanceIds=[instance_id],
            Timeout=timeout,
        )
        invoke_id: str = body["InvokeId"]
        return invoke_id

    def command_result(self, invoke_id: str, instance_id: str) -> CommandResult:
        body = self._call(
            DescribeInvocationResultsRequest(), InvokeId=invoke_id, InstanceId=instance_id
        )
        (row,) = body["Invocation"]["InvocationResults"]["InvocationResult"]
        return _command_result(row)

    def reboot(self, instance_id: str) -> None:
        self._call(RebootInstanceRequest(), InstanceId=instance_id)

    def status(self, instance_id: str) -> str:
        body = self._call(DescribeInstanceStatusRequest(), InstanceIds=[instance_id])
        (row,) = body["InstanceStatuses"]["InstanceStatus"]
        status: str = row["Status"]
        return status

    def health(self, instance_id: str, load_balancer_id: str) -> list[str]:
        body = self._call(DescribeHealthStatusRequest(), LoadBalancerId=load_balancer_id)
        rows = body["BackendServers"]["BackendServer"]
        return [row["ServerHealthStatus"] for row in rows if row["ServerId"] == instance_id]


class NewCloud:
    def __init__(self, access_key_id: str, secret: str, region_id: str) -> None:
        def config() -> Config:
            return Config(access_key_id=access_key_id, access_key_secret=secret,
                          region_id=region_id)  # fmt: skip

        self.ecs = EcsClient(config())
        self.slb = SlbClient(config())
        self.region_id = region_id

    def scheduled_reboots(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        token = None
        while True:
            body = self.ecs.describe_instance_history_events(
                ecs_models.DescribeInstanceHistoryEventsRequest(
                    region_id=self.region_id,
                    instance_event_cycle_status=["Scheduled"],
                    instance_event_type=["SystemMaintenance.Reboot"],
                    max_results=100,
                    next_token=token,
                )
            ).body
            page = body.instance_system_event_set.instance_system_event_type
            events += [event.to_map() for event in page]
            token = body.next_token
            if not token:
                return events

    def backends_of(self, instance_id: str) -> list[Backend]:
        found = []
        listed = self.slb.describe_load_balancers(
            slb_models.DescribeLoadBalancersRequest(region_id=self.region_id, server_id=instance_id)
        ).body
        for lb in listed.load_balancers.load_balancer:
            groups = self.slb.describe_vserver_groups(
                slb_models.DescribeVServerGroupsRequest(
                    region_id=self.region_id, load_balancer_id=lb.load_balancer_id
                )
            ).body
            for group in groups.vserver_groups.vserver_group:
                attribute = self.slb.describe_vserver_group_attribute(
                    slb_models.DescribeVServerGroupAttributeRequest(
                        region_id=self.region_id, vserver_group_id=group.vserver_group_id
                    )
                ).body
                found += [
                    Backend(lb.load_balancer_id, group.vserver_group_id, server.port, server.weight)
                    for server in attribute.backend_servers.backend_server
                    if server.server_id == instance_id
                ]
        return found

    def set_weight(self, instance_id: str, backend: Backend, old: int, new: int) -> None:
        self.slb.modify_vserver_group_backend_servers(
            slb_models.ModifyVServerGroupBackendServersRequest(
                region_id=self.region_id,
                vserver_group_id=backend.vserver_group_id,
                old_backend_servers=_backend_servers(instance_id, backend, old),
                new_backend_servers=_backend_servers(instance_id, backend, new),
            )
        )

    def run_command(self, instance_id: str, script: str, timeout: int) -> str:
        body = self.ecs.run_command(
            ecs_models.RunCommandRequest(
                region_id=self.region_id,
                name="drain-before-reboot",
                type="RunShellScript",
                command_content=script,
                instance_id=[instance_id],
                timeout=timeout,
            )
        ).body
        invoke_id: str = body.invoke_id
        return invoke_id

    def command_result(self, invoke_id: str, instance_id: str) -> CommandResult:
        body = self.ecs.describe_invocation_results(
            ecs_models.DescribeInvocationResultsRequest(
                region_id=self.region_id, invoke_id=invoke_id, instance_id=instance_id
            )
        ).body
        (row,) = body.invocation.invocation_results.invocation_result
        return _command_result(row.to_map())

    def reboot(self, instance_id: str) -> None:
        self.ecs.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=instance_id))

    def status(self, instance_id: str) -> str:
        body = self.ecs.describe_instance_status(
            ecs_models.DescribeInstanceStatusRequest(
                region_id=self.region_id, instance_id=[instance_id]
            )
        ).body
        (row,) = body.instance_statuses.instance_status
        status: str = row.status
        return status

    def health(self, instance_id: str, load_balancer_id: str) -> list[str]:
        body = self.slb.describe_health_status(
            slb_models.DescribeHealthStatusRequest(
                region_id=self.region_id, load_balancer_id=load_balancer_id
            )
        ).body
        rows = body.backend_servers.backend_server
        return [row.server_health_status for row in rows if row.server_id == instance_id]
