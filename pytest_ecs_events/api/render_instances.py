"""Instances as DescribeInstances and DescribeInstanceAttribute show them.

Every key of the real capture (tests/data/samples/DescribeInstances_beijing.json, 54 per
instance) is present, with the same JSON type, filled from the one Instance record: Cpu,
Memory, the family and GPUs follow the type (core/instance_types), the OS names follow the
image (core/images), so both actions and the notifications agree on every value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..core.images import image
from ..core.instance_types import instance_type
from ..core.models import Instance

__all__ = [
    "POSTPAID_EXPIRY",
    "api_minutes",
    "describe_instance",
    "describe_instance_attribute",
]

#: What a pay-as-you-go instance shows as ExpiredTime (captured).
POSTPAID_EXPIRY = "2099-12-31T15:59Z"


def api_minutes(value: datetime | None) -> str:
    """The instance actions write times to the minute: 2024-03-21T05:46Z (captured)."""
    return value.strftime("%Y-%m-%dT%H:%MZ") if value is not None else ""


def _expiry(instance: Instance) -> str:
    if instance.charge_type == "PostPaid" or instance.expired_at is None:
        return POSTPAID_EXPIRY
    return api_minutes(instance.expired_at)


def _ips(*addresses: str) -> dict[str, list[str]]:
    return {"IpAddress": [a for a in addresses if a]}


def _bandwidth_in(instance: Instance) -> int:
    # The capture shows -1 without a public address and 36000 with one.
    return 36000 if instance.public_ip else -1


def _vpc(instance: Instance) -> dict[str, Any]:
    return {
        "PrivateIpAddress": _ips(instance.private_ip),
        "VpcId": instance.vpc_id,
        "VSwitchId": instance.vswitch_id,
        "NatIpAddress": "",
    }


def _locks(instance: Instance) -> dict[str, Any]:
    return {"LockReason": [{"LockReason": r} for r in instance.lock_reasons]}


def describe_instance(instance: Instance, *, sale_cycle: bool = False) -> dict[str, Any]:
    """One ``Instance`` of DescribeInstances (``sale_cycle``: NeedSaleCycle was asked)."""
    spec = instance_type(instance.instance_type)
    os = image(instance.image_id)
    body: dict[str, Any] = {
        "ResourceGroupId": instance.resource_group_id,
        "Memory": spec.memory_mib,
        "InstanceChargeType": instance.charge_type,
        "Cpu": spec.cpu,
        "OSName": os.os_name,
        "InstanceNetworkType": "vpc",
        "InnerIpAddress": {"IpAddress": []},
        "ExpiredTime": _expiry(instance),
        "ImageId": instance.image_id,
        "EipAddress": {
            "AllocationId": instance.eip_allocation_id,
            "IpAddress": instance.eip_address,
            "InternetChargeType": "PayByTraffic" if instance.eip_address else "",
        },
        "ImageOptions": {},
        "HostName": instance.host_name,
        "VlanId": "",
        "Status": instance.status.value,
        "HibernationOptions": {"Configured": False},
        "MetadataOptions": {"HttpTokens": "", "HttpEndpoint": ""},
        "InstanceId": instance.instance_id,
        "StoppedMode": instance.stopped_mode,
        "CpuOptions": {
            "ThreadsPerCore": spec.threads_per_core,
            "Numa": "ON" if spec.cpu < 64 else "",
            "CoreCount": max(1, spec.cpu // spec.threads_per_core),
        },
        "StartTime": api_minutes(instance.started_at),
        "DeletionProtection": instance.deletion_protection,
        "SecurityGroupIds": {"SecurityGroupId": list(instance.security_group_ids)},
        "VpcAttributes": _vpc(instance),
        "InternetChargeType": instance.internet_charge_type,
        "InstanceName": instance.name,
        "DeploymentSetId": "",
        "InternetMaxBandwidthOut": instance.internet_max_bandwidth_out,
        "SerialNumber": instance.serial_number,
        "OSType": os.os_type,
        "CreationTime": api_minutes(instance.created_at),
        "AutoReleaseTime": "",
        "Description": instance.description,
        "InstanceTypeFamily": spec.family,
        "DedicatedInstanceAttribute": {"Tenancy": "", "Affinity": ""},
        "PublicIpAddress": _ips(instance.public_ip),
        "GPUSpec": spec.gpu_spec,
        "NetworkInterfaces": {
            "NetworkInterface": [
                {
                    "Type": "Primary",
                    "PrimaryIpAddress": instance.private_ip,
                    "MacAddress": instance.mac_address,
                    "NetworkInterfaceId": instance.network_interface_id,
                    "PrivateIpSets": {
                        "PrivateIpSet": [{"PrivateIpAddress": instance.private_ip, "Primary": True}]
                    },
                }
            ]
        },
        "SpotPriceLimit": 0.0,
        "DeviceAvailable": True,
        "SaleCycle": "Month" if sale_cycle and instance.charge_type == "PrePaid" else "",
        "InstanceType": instance.instance_type,
        "SpotStrategy": "NoSpot",
        "OSNameEn": os.os_name_en,
        "IoOptimized": True,
        "ZoneId": instance.zone,
        "ClusterId": "",
        "EcsCapacityReservationAttr": {
            "CapacityReservationPreference": "",
            "CapacityReservationId": "",
        },
        "DedicatedHostAttribute": {
            "DedicatedHostId": "",
            "DedicatedHostName": "",
            "DedicatedHostClusterId": "",
        },
        "GPUAmount": spec.gpu_amount,
        "OperationLocks": _locks(instance),
        "InternetMaxBandwidthIn": _bandwidth_in(instance),
        "Recyclable": False,
        "RegionId": instance.region,
        "CreditSpecification": instance.credit_specification,
    }
    # The capture's instances have no key pair and no tags, and show neither key.
    if instance.key_pair_name:
        body["KeyPairName"] = instance.key_pair_name
    if instance.tags:
        body["Tags"] = {"Tag": [{"TagKey": k, "TagValue": v} for k, v in instance.tags.items()]}
    return body


def describe_instance_attribute(instance: Instance) -> dict[str, Any]:
    """DescribeInstanceAttribute's body: the same values as DescribeInstances, in the fields
    of that action's response model (IoOptimized is a string there)."""
    spec = instance_type(instance.instance_type)
    return {
        "InstanceId": instance.instance_id,
        "InstanceName": instance.name,
        "HostName": instance.host_name,
        "Description": instance.description,
        "Status": instance.status.value,
        "StoppedMode": instance.stopped_mode,
        "RegionId": instance.region,
        "ZoneId": instance.zone,
        "InstanceType": instance.instance_type,
        "Cpu": spec.cpu,
        "Memory": spec.memory_mib,
        "ImageId": instance.image_id,
        "SerialNumber": instance.serial_number,
        "CreationTime": api_minutes(instance.created_at),
        "ExpiredTime": _expiry(instance),
        "InstanceChargeType": instance.charge_type,
        "InternetChargeType": instance.internet_charge_type,
        "InternetMaxBandwidthIn": _bandwidth_in(instance),
        "InternetMaxBandwidthOut": instance.internet_max_bandwidth_out,
        "InstanceNetworkType": "vpc",
        "IoOptimized": "optimized",
        "CreditSpecification": instance.credit_specification,
        "ClusterId": "",
        "VlanId": "",
        "EnableJumboFrame": instance.jumbo_frame,
        "EnableNetworkEncryption": False,
        "NetworkOptions": {
            "BandwidthWeighting": "",
            "EnableJumboFrame": instance.jumbo_frame,
            "EnableNetworkEncryption": False,
        },
        "SecurityOptions": {"EnableSecureBoot": False},
        "DedicatedHostAttribute": {"DedicatedHostId": "", "DedicatedHostName": ""},
        "EipAddress": {
            "AllocationId": instance.eip_allocation_id,
            "IpAddress": instance.eip_address,
            "InternetChargeType": "PayByTraffic" if instance.eip_address else "",
            "Bandwidth": 5 if instance.eip_address else 0,
        },
        "InnerIpAddress": {"IpAddress": []},
        "PublicIpAddress": _ips(instance.public_ip),
        "SecurityGroupIds": {"SecurityGroupId": list(instance.security_group_ids)},
        "VpcAttributes": _vpc(instance),
        "OperationLocks": _locks(instance),
    }
