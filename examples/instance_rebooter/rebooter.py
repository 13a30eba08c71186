"""Reboot an instance ahead of its maintenance, drained from the load balancer first.

For each ``Scheduled`` ``SystemMaintenance.Reboot`` event: look the instance up (name,
private IP, type) with DescribeInstances and DescribeInstanceAttribute, drain its IP from
the pool, reboot it (which avoids the event), and report. The same handler runs with either
SDK: ``LegacyEcs`` wraps ``aliyunsdkcore``'s AcsClient, ``NewEcs`` the new
``alibabacloud_ecs20140526`` Client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstanceAttributeRequest import (
    DescribeInstanceAttributeRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest
from lb_pool import BackendPool


class Ecs(Protocol):
    """What the handler needs of ECS, as plain dicts in the API's field names."""

    def scheduled_reboots(self) -> list[dict[str, Any]]: ...
    def instance(self, instance_id: str) -> dict[str, Any]: ...
    def attribute(self, instance_id: str) -> dict[str, Any]: ...
    def reboot(self, instance_id: str) -> None: ...


class LegacyEcs:
    def __init__(self, access_key_id: str, secret: str, region_id: str) -> None:
        self.client = AcsClient(access_key_id, secret, region_id)

    def _call(self, request: Any) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.client.do_action_with_exception(request))
        return body

    def scheduled_reboots(self) -> list[dict[str, Any]]:
        request = DescribeInstanceHistoryEventsRequest()
        request.set_InstanceEventCycleStatuss(["Scheduled"])
        request.set_InstanceEventTypes(["SystemMaintenance.Reboot"])
        body = self._call(request)
        events: list[dict[str, Any]] = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
        return events

    def instance(self, instance_id: str) -> dict[str, Any]:
        request = DescribeInstancesRequest()
        request.set_InstanceIds(json.dumps([instance_id]))
        (found,) = self._call(request)["Instances"]["Instance"]
        return dict(found)

    def attribute(self, instance_id: str) -> dict[str, Any]:
        request = DescribeInstanceAttributeRequest()
        request.set_InstanceId(instance_id)
        return self._call(request)

    def reboot(self, instance_id: str) -> None:
        request = RebootInstanceRequest()
        request.set_InstanceId(instance_id)
        self._call(request)


class NewEcs:
    def __init__(self, access_key_id: str, secret: str, region_id: str) -> None:
        config = Config(access_key_id=access_key_id, access_key_secret=secret,
                        region_id=region_id)  # fmt: skip
        self.client = Client(config)
        self.region_id = region_id

    def scheduled_reboots(self) -> list[dict[str, Any]]:
        response = self.client.describe_instance_history_events(
            ecs_models.DescribeInstanceHistoryEventsRequest(
                region_id=self.region_id,
                instance_event_cycle_status=["Scheduled"],
                instance_event_type=["SystemMaintenance.Reboot"],
            )
        )
        body = response.body.to_map()
        events: list[dict[str, Any]] = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
        return events

    def instance(self, instance_id: str) -> dict[str, Any]:
        response = self.client.describe_instances(
            ecs_models.DescribeInstancesRequest(
                region_id=self.region_id, instance_ids=json.dumps([instance_id])
            )
        )
        (found,) = response.body.instances.instance
        return dict(found.to_map())

    def attribute(self, instance_id: str) -> dict[str, Any]:
        response = self.client.describe_instance_attribute(
            ecs_models.DescribeInstanceAttributeRequest(instance_id=instance_id)
        )
        return dict(response.body.to_map())

    def reboot(self, instance_id: str) -> None:
        self.client.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=instance_id))


@dataclass
class Rebooted:
    instance_id: str
    name: str
    private_ip: str
    instance_type: str
    event_id: str


class MaintenanceRebooter:
    def __init__(self, ecs: Ecs, pool: BackendPool) -> None:
        self.ecs = ecs
        self.pool = pool

    def run_once(self) -> list[Rebooted]:
        report = []
        for event in self.ecs.scheduled_reboots():
            instance_id = event["InstanceId"]
            found = self.ecs.instance(instance_id)
            ip = found["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
            attribute = self.ecs.attribute(instance_id)
            if attribute["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0] != ip:
                raise RuntimeError(f"{instance_id}: the two lookups disagree on its IP")
            self.pool.drain(ip)
            self.ecs.reboot(instance_id)
            report.append(
                Rebooted(
                    instance_id, found["InstanceName"], ip, found["InstanceType"], event["EventId"]
                )
            )
        return report
