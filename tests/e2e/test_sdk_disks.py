"""DescribeDisks and DescribeDisksFullStatus end to end, through both official SDKs: a handler
that finds a stalled disk, looks up its instance and reads the ids the instance event gives."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m
from aliyunsdkecs.request.v20140526.DescribeDisksFullStatusRequest import (
    DescribeDisksFullStatusRequest,
)
from aliyunsdkecs.request.v20140526.DescribeDisksRequest import DescribeDisksRequest
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)

from tests.helpers.sdk import legacy_call, legacy_client, legacy_error, new_client, new_error

R = "cn-hangzhou"
pytestmark = pytest.mark.ecs_sim(now="2024-05-01T00:00:00Z", instances=["i-web", "i-db"])


@pytest.fixture
def disks(ecs_sim: Any) -> dict[str, Any]:
    data = ecs_sim.add_disk("i-web", size=200, tags={"role": "data"})
    spare = ecs_sim.add_disk(None, size=20)
    stalled = ecs_sim.inject_disk_event("Stalled", data.disk_id, duration="15m")
    return {"data": data, "spare": spare, "stalled": stalled}


def test_legacy_sdk_finds_the_stalled_disk_and_its_instance(
    ecs_sim: Any, disks: dict[str, Any]
) -> None:
    client = legacy_client(ecs_sim)
    status = DescribeDisksFullStatusRequest()
    status.set_HealthStatus("Impaired")
    body = legacy_call(client, status)
    (row,) = body["DiskFullStatusSet"]["DiskFullStatusType"]
    assert (row["DiskId"], row["InstanceId"], row["Device"]) == (
        disks["data"].disk_id, "i-web", "/dev/xvdb")  # fmt: skip
    (event,) = row["DiskEventSet"]["DiskEventType"]
    assert event["EventType"] == {"Code": 7, "Name": "Stalled"}

    describe = DescribeDisksRequest()
    describe.set_DiskIds(f'["{row["DiskId"]}"]')
    describe.set_Tags([{"Key": "role", "Value": "data"}])
    (disk,) = legacy_call(client, describe)["Disks"]["Disk"]
    assert (disk["InstanceId"], disk["Size"], disk["Status"]) == ("i-web", 200, "In_use")

    ecs_sim.advance("15m")
    again = legacy_call(client, status)
    assert again["DiskFullStatusSet"]["DiskFullStatusType"] == []
    assert again["TotalCount"] == 0


def test_legacy_sdk_errors(ecs_sim: Any, disks: dict[str, Any]) -> None:
    client = legacy_client(ecs_sim)
    request = DescribeDisksRequest()
    request.set_DiskType("boot")
    exc = legacy_error(client, request)
    assert (exc.get_error_code(), exc.get_http_status()) == (
        "InvalidDiskType.ValueNotSupported", 400)  # fmt: skip
    status = DescribeDisksFullStatusRequest()
    status.set_EventTimeStart("2024-05-02T00:00:00Z")
    status.set_EventTimeEnd("2024-05-01T00:00:00Z")
    exc = legacy_error(client, status)
    assert (exc.get_error_code(), exc.get_http_status()) == (
        "InvalidParameter.TimeEndBeforeStart", 403)  # fmt: skip


def test_new_sdk_pages_disks_and_reads_their_health(ecs_sim: Any, disks: dict[str, Any]) -> None:
    client = new_client(ecs_sim)
    first = client.describe_disks(m.DescribeDisksRequest(region_id=R, max_results=10)).body
    ids = [d.disk_id for d in first.disks.disk]
    assert len(ids) == 4  # two system disks, the data disk and the spare
    assert first.next_token == ""
    spare = client.describe_disks(m.DescribeDisksRequest(region_id=R, status="Available")).body
    assert [d.disk_id for d in spare.disks.disk] == [disks["spare"].disk_id]
    assert spare.disks.disk[0].attachments.attachment == []

    full = client.describe_disks_full_status(
        m.DescribeDisksFullStatusRequest(region_id=R, disk_id=[disks["data"].disk_id])
    ).body
    (row,) = full.disk_full_status_set.disk_full_status_type
    assert (row.health_status.name, row.health_status.code) == ("Impaired", 128)
    assert row.disk_event_set.disk_event_type[0].event_id == disks["stalled"].event_id
    assert row.disk_event_set.disk_event_type[0].event_end_time is None


def test_new_sdk_errors(ecs_sim: Any, disks: dict[str, Any]) -> None:
    client = new_client(ecs_sim)
    exc = new_error(client.describe_disks, m.DescribeDisksRequest(region_id=R, disk_ids="d-1"))
    assert (exc.code, exc.status_code) == ("InvalidParameter.DiskIds", 400)
    request = m.DescribeDisksFullStatusRequest(region_id=R, event_type="Melted")
    exc = new_error(client.describe_disks_full_status, request)
    assert (exc.code, exc.status_code) == ("InvalidParameter", 403)


def test_an_error_disk_event_names_the_disk_describe_disks_shows(ecs_sim: Any) -> None:
    data = ecs_sim.add_disk("i-db")
    ecs_sim.inject_event("SystemMaintenance.RebootAndIsolateErrorDisk", "i-db")
    client = legacy_client(ecs_sim)
    request = DescribeInstanceHistoryEventsRequest()
    request.set_InstanceEventCycleStatuss(["Inquiring", "Scheduled", "Executing"])
    history = legacy_call(client, request)
    (event,) = history["InstanceSystemEventSet"]["InstanceSystemEventType"]
    extended = event["ExtendedAttribute"]
    describe = DescribeDisksRequest()
    describe.set_DiskIds(f'["{extended["DiskId"]}"]')
    (disk,) = legacy_call(client, describe)["Disks"]["Disk"]
    assert (disk["DiskId"], disk["Device"]) == (data.disk_id, extended["Device"])
