"""DescribeDisks and DescribeDisksFullStatus (api/actions/disks.py): every filter, error and
response field, each answer round-tripped through the new SDK's response model."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m

from pytest_ecs_events.core.errors import EcsApiError
from tests.helpers.sdk import API_TIME, RecordingClient, new_client

R = "cn-hangzhou"
NOW = "2024-05-01T00:00:00Z"
pytestmark = pytest.mark.ecs_sim(now=NOW)


@pytest.fixture
def world(ecs_sim: Any) -> dict[str, Any]:
    web = ecs_sim.add_instance("i-web", resource_group_id="rg-web")
    db = ecs_sim.add_instance("i-db", charge_type="PrePaid", expired_time="+30d")
    data = ecs_sim.add_disk("i-web", size=500, name="web-data", tags={"env": "prod"},
                            performance_level="PL1")  # fmt: skip
    kept = ecs_sim.add_disk("i-db", category="cloud_ssd", size=50, delete_with_instance=False)
    spare = ecs_sim.add_disk(None, category="cloud_auto", size=30, tags={"env": "dev"},
                             creation_time="2024-04-01T00:00:00Z")  # fmt: skip
    system = {d.instance_id: d for d in ecs_sim.disks if d.kind == "system"}
    return {"web": web, "db": db, "data": data, "kept": kept, "spare": spare,
            "web_sys": system["i-web"], "db_sys": system["i-db"]}  # fmt: skip


def ids(body: dict[str, Any]) -> list[str]:
    return [d["DiskId"] for d in body["Disks"]["Disk"]]


def error(ecs_sim: Any, action: str, **params: Any) -> EcsApiError:
    with pytest.raises(EcsApiError) as info:
        ecs_sim.call(action, **params)
    return info.value


def test_every_disk_round_trips_through_the_sdk_model(ecs_sim: Any, world: dict[str, Any]) -> None:
    rec = new_client(ecs_sim, client_class=RecordingClient)
    assert isinstance(rec, RecordingClient)
    rec.describe_disks(m.DescribeDisksRequest(region_id=R, additional_attributes=["Placement"]))
    body = rec.last_body
    assert m.DescribeDisksResponseBody().from_map(body).to_map() == body
    assert body["TotalCount"] == 5
    assert body["NextToken"] == ""
    by_id = {d["DiskId"]: d for d in body["Disks"]["Disk"]}
    data = by_id[world["data"].disk_id]
    assert (data["Type"], data["Device"], data["InstanceId"]) == ("data", "/dev/xvdb", "i-web")
    assert data["Attachments"]["Attachment"] == [
        {"InstanceId": "i-web", "Device": "/dev/xvdb", "AttachedTime": NOW}
    ]
    assert data["Tags"] == {"Tag": [{"TagKey": "env", "TagValue": "prod"}]}
    assert (data["PerformanceLevel"], data["Portable"], data["ResourceGroupId"]) == (
        "PL1", True, "rg-web")  # fmt: skip
    assert API_TIME.match(data["CreationTime"])
    system = by_id[world["db_sys"].disk_id]
    assert (system["Type"], system["Device"], system["Portable"]) == ("system", "/dev/xvda", False)
    assert system["ImageId"] == world["db"].image_id
    assert system["DiskChargeType"] == "PrePaid"
    assert system["ExpiredTime"] == "2024-05-31T00:00Z"
    spare = by_id[world["spare"].disk_id]
    assert (spare["Status"], spare["InstanceId"], spare["Attachments"]) == (
        "Available", "", {"Attachment": []})  # fmt: skip
    assert (spare["ProvisionedIops"], spare["BurstingEnabled"]) == (0, False)
    assert spare["ExpiredTime"] == "2999-09-08T16:00Z"
    assert "ProvisionedIops" not in data


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"InstanceId": "i-web"}, ["web_sys", "data"]),
        ({"DiskType": "system"}, ["web_sys", "db_sys"]),
        ({"DiskType": "data", "Category": "cloud_ssd"}, ["kept"]),
        ({"Status": "Available"}, ["spare"]),
        ({"Status": "All", "DiskType": "all", "Category": "all"}, None),
        ({"DiskName": "web-data"}, ["data"]),
        ({"Tag.1.Key": "env"}, ["data", "spare"]),
        ({"Tag.1.Key": "env", "Tag.1.Value": "dev"}, ["spare"]),
        ({"Tag.1.key": "env", "Tag.1.value": "prod"}, ["data"]),
        ({"DeleteWithInstance": "false"}, ["kept"]),
        ({"Portable": "false"}, ["web_sys", "db_sys", "kept"]),  # kept: a subscription disk
        ({"DiskChargeType": "PrePaid"}, ["db_sys", "kept"]),
        ({"PerformanceLevel": "PL1"}, ["data"]),
        ({"ResourceGroupId": "rg-web"}, ["web_sys", "data"]),
        ({"Filter.1.Key": "CreationEndTime", "Filter.1.Value": "2024-04-02T00:00Z"}, ["spare"]),
        ({"Filter.1.Key": "CreationStartTime", "Filter.1.Value": "2024-04-30T00:00Z",
          "DiskType": "data"}, ["data", "kept"]),
        ({"DiskIds": "[]"}, []),
        ({"ZoneId": "cn-hangzhou-b", "DiskType": "data"}, ["data", "kept", "spare"]),
        ({"LockReason": "security"}, []),
        ({"SnapshotId": "s-1"}, []),
        ({"MultiAttach": "Enabled"}, []),
        ({"MultiAttach": "Disabled", "DiskType": "data"}, ["data", "kept", "spare"]),
        ({"EnableShared": "true", "MultiAttach": "LegacyShared"}, []),
        ({"Encrypted": "true"}, []),
        ({"Encrypted": "false", "DiskType": "system"}, ["web_sys", "db_sys"]),
    ],
)  # fmt: skip
def test_filters(
    ecs_sim: Any, world: dict[str, Any], params: dict[str, str], expected: list[str] | None
) -> None:
    body = ecs_sim.call("DescribeDisks", RegionId=R, **params)
    names = {w.disk_id: k for k, w in world.items() if k not in ("web", "db")}
    everything = ["web_sys", "db_sys", "data", "kept", "spare"]
    assert [names[i] for i in ids(body)] == (everything if expected is None else expected)


def test_disk_ids_keep_the_region_and_drop_unknown_ids(ecs_sim: Any, world: dict[str, Any]) -> None:
    wanted = [world["spare"].disk_id, "d-nope", world["data"].disk_id]
    body = ecs_sim.call("DescribeDisks", RegionId=R, DiskIds=wanted)
    assert ids(body) == [world["spare"].disk_id, world["data"].disk_id]
    assert ecs_sim.call("DescribeDisks", RegionId="cn-beijing", DiskIds=wanted)["Disks"] == {
        "Disk": []
    }


def test_both_paging_styles(ecs_sim: Any, world: dict[str, Any]) -> None:
    for _ in range(12):
        ecs_sim.add_disk(None, size=20)
    page2 = ecs_sim.call("DescribeDisks", RegionId=R, PageNumber=2, PageSize=5)
    assert (page2["TotalCount"], page2["PageNumber"], page2["PageSize"]) == (17, 2, 5)
    assert len(page2["Disks"]["Disk"]) == 5
    first = ecs_sim.call("DescribeDisks", RegionId=R, MaxResults=3)  # clamped to 10
    assert len(first["Disks"]["Disk"]) == 10
    rest = ecs_sim.call("DescribeDisks", RegionId=R, MaxResults=900, NextToken=first["NextToken"])
    assert (len(rest["Disks"]["Disk"]), rest["NextToken"]) == (7, "")
    assert set(ids(first)).isdisjoint(ids(rest))


@pytest.mark.parametrize(
    ("params", "code", "status"),
    [
        ({"RegionId": None}, "MissingParamter.RegionId", 400),
        ({"DiskIds": "d-1"}, "InvalidParameter.DiskIds", 400),
        ({"DiskIds": [f"d-{i}" for i in range(101)]}, "InvalidDiskIds.Malformed", 403),
        ({"DiskType": "boot"}, "InvalidDiskType.ValueNotSupported", 400),
        ({"Category": "floppy"}, "InvalidCategory.ValueNotSupported", 400),
        ({"Status": "Broken"}, "InvalidStatus.ValueNotSupported", 400),
        ({"DiskChargeType": "Free"}, "InvalidDiskChargeType.NotFound", 404),
        ({"LockReason": "boredom"}, "InvalidLockReason.NotFound", 404),
        ({"MultiAttach": "Sometimes"}, "InvalidParameter.MultiAttach", 403),
        ({"EnableShared": "true", "MultiAttach": "Enabled"},
         "InvalidParameter.MultiAttachAndEnableSharedNotMatch", 403),
        ({"Tag.1.Value": "x"}, "InvalidTag.Mismatch", 400),
        ({**{f"Tag.{i}.Key": f"k{i}" for i in range(1, 22)}}, "InvalidTagCount", 400),
        ({"Filter.1.Key": "Colour", "Filter.1.Value": "2024-01-01T00:00Z"},
         "InvalidFilterKey.NotFound", 404),
        ({"Filter.1.Key": "CreationStartTime", "Filter.1.Value": "soon"},
         "InvalidFilterValue", 404),
        ({"ZoneId": "cn-hangzhou-z"}, "InvalidZoneId.NotFound", 400),
        ({"PerformanceLevel": "PL9"}, "InvalidParameter", 400),
        ({"Portable": "maybe"}, "InvalidParameter", 400),
        ({"MaxResults": "many"}, "InvalidParameter", 400),
        ({"DryRun": "true"}, "DryRunOperation", 400),
    ],
)  # fmt: skip
def test_errors(
    ecs_sim: Any, world: dict[str, Any], params: dict[str, Any], code: str, status: int
) -> None:
    sent = {k: v for k, v in {"RegionId": R, **params}.items() if v is not None}
    exc = error(ecs_sim, "DescribeDisks", **sent)
    assert (exc.code, exc.status) == (code, status)


# ---------------------------------------------------------------- DescribeDisksFullStatus
def full(ecs_sim: Any, **params: Any) -> list[dict[str, Any]]:
    body = ecs_sim.call("DescribeDisksFullStatus", RegionId=R, **params)
    rows: list[dict[str, Any]] = body["DiskFullStatusSet"]["DiskFullStatusType"]
    return rows


def test_full_status_round_trips_and_follows_the_event(ecs_sim: Any, world: dict[str, Any]) -> None:
    data = world["data"]
    event = ecs_sim.inject_disk_event("Stalled", data.disk_id, duration="10m",
                                      impact_level="100")  # fmt: skip
    rec = new_client(ecs_sim, client_class=RecordingClient)
    assert isinstance(rec, RecordingClient)
    rec.describe_disks_full_status(m.DescribeDisksFullStatusRequest(region_id=R))
    body = rec.last_body
    assert m.DescribeDisksFullStatusResponseBody().from_map(body).to_map() == body
    rows = {r["DiskId"]: r for r in body["DiskFullStatusSet"]["DiskFullStatusType"]}
    assert len(rows) == 5
    row = rows[data.disk_id]
    assert row == {
        "DiskId": data.disk_id,
        "InstanceId": "i-web",
        "Device": "/dev/xvdb",
        "Status": {"Code": 128, "Name": "In_use"},
        "HealthStatus": {"Code": 128, "Name": "Impaired"},
        "DiskEventSet": {"DiskEventType": [{
            "EventId": event.event_id, "EventType": {"Code": 7, "Name": "Stalled"},
            "EventTime": NOW, "ImpactLevel": "100"}]},
    }  # fmt: skip
    spare = rows[world["spare"].disk_id]
    assert "Device" not in spare
    assert spare["Status"] == {"Code": 129, "Name": "Available"}
    assert spare["HealthStatus"] == {"Code": 0, "Name": "Ok"}

    ecs_sim.advance("10m")
    (after,) = full(ecs_sim, **{"DiskId.1": data.disk_id})
    assert after["HealthStatus"] == {"Code": 0, "Name": "Ok"}
    assert after["DiskEventSet"]["DiskEventType"][0]["EventEndTime"] == "2024-05-01T00:10:00Z"
    ecs_sim.advance("7d")
    (later,) = full(ecs_sim, **{"DiskId.1": data.disk_id})
    assert later["DiskEventSet"]["DiskEventType"] == []  # past the seven days


def test_full_status_filters(ecs_sim: Any, world: dict[str, Any]) -> None:
    stalled = ecs_sim.inject_disk_event("Stalled", world["data"].disk_id, duration=None)
    degraded = ecs_sim.inject_disk_event("Degraded", world["kept"].disk_id, at="+1h")
    assert full(ecs_sim, EventType="Degraded") == []  # not yet happened
    ecs_sim.advance("1h")
    assert [r["DiskId"] for r in full(ecs_sim, EventType="Degraded")] == [world["kept"].disk_id]
    assert [r["DiskId"] for r in full(ecs_sim, HealthStatus="Impaired")] == [world["data"].disk_id]
    assert [r["DiskId"] for r in full(ecs_sim, HealthStatus="Warning")] == [world["kept"].disk_id]
    assert len(full(ecs_sim, HealthStatus="Ok")) == 3
    (row,) = full(ecs_sim, **{"EventId.1": degraded.event_id})
    assert [e["EventId"] for e in row["DiskEventSet"]["DiskEventType"]] == [degraded.event_id]
    window = {"EventTime.Start": "2024-05-01T00:30:00Z", "EventTime.End": "2024-05-01T02:00:00Z"}
    assert [r["DiskId"] for r in full(ecs_sim, **window)] == [world["kept"].disk_id]
    assert [r["DiskId"] for r in full(ecs_sim, Status="Available")] == [world["spare"].disk_id]
    assert [r["DiskId"] for r in full(ecs_sim, **{"Tag.1.Key": "env", "Tag.1.Value": "dev"})] == [
        world["spare"].disk_id
    ]
    assert len(full(ecs_sim, ResourceGroupId="rg-web")) == 2
    page = ecs_sim.call("DescribeDisksFullStatus", RegionId=R, PageSize=2, PageNumber=3)
    assert (page["TotalCount"], len(page["DiskFullStatusSet"]["DiskFullStatusType"])) == (5, 1)
    assert stalled.active(ecs_sim.now)


@pytest.mark.parametrize(
    ("params", "code", "status"),
    [
        ({"RegionId": None}, "MissingParameter", 404),
        ({"Status": "Broken"}, "InvalidParameter", 403),
        ({"HealthStatus": "Sad"}, "InvalidParameter", 403),
        ({"EventType": "Melted"}, "InvalidParameter", 403),
        ({f"DiskId.{i}": f"d-{i}" for i in range(1, 102)}, "DiskIdLimitExceeded", 403),
        ({f"EventId.{i}": f"e-{i}" for i in range(1, 102)}, "EventIdLimitExceeded", 403),
        ({"EventTime.Start": "2024-05-02T00:00:00Z", "EventTime.End": "2024-05-01T00:00:00Z"},
         "InvalidParameter.TimeEndBeforeStart", 403),
        ({"EventTime.Start": "yesterday"}, "InvalidParameter", 403),
        ({"PageSize": "101"}, "InvalidParameter", 403),
    ],
)  # fmt: skip
def test_full_status_errors(
    ecs_sim: Any, world: dict[str, Any], params: dict[str, Any], code: str, status: int
) -> None:
    sent = {k: v for k, v in {"RegionId": R, **params}.items() if v is not None}
    exc = error(ecs_sim, "DescribeDisksFullStatus", **sent)
    assert (exc.code, exc.status) == (code, status)
