"""DescribeDisks and DescribeDisksFullStatus filters agree with a brute-force filter over the
disk records, for random disks, random events and random combinations of filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.models import Disk

START = "2024-05-01T00:00:00Z"
CATEGORIES = ("cloud_essd", "cloud_ssd", "cloud_efficiency")
TAGS = ({}, {"env": "prod"}, {"env": "dev"}, {"team": "db"})

# One disk: (instance index or None, category, delete_with_instance, tags, name index).
disks = st.lists(
    st.tuples(st.one_of(st.none(), st.integers(0, 2)), st.sampled_from(CATEGORIES),
              st.booleans(), st.sampled_from(TAGS), st.integers(0, 2)),
    max_size=10,
)  # fmt: skip
filters = st.fixed_dictionaries(
    {},
    optional={
        "InstanceId": st.sampled_from(["i-0", "i-1", "i-2", "i-x"]),
        "DiskType": st.sampled_from(["all", "system", "data"]),
        "Category": st.sampled_from(["all", *CATEGORIES]),
        "Status": st.sampled_from(["All", "In_use", "Available"]),
        "DeleteWithInstance": st.sampled_from(["true", "false"]),
        "Portable": st.sampled_from(["true", "false"]),
        "DiskName": st.sampled_from(["disk-0", "disk-1"]),
        "Tag.1.Key": st.sampled_from(["env", "team"]),
        "Tag.1.Value": st.sampled_from(["prod", "dev", "db"]),
        "DiskChargeType": st.sampled_from(["PostPaid", "PrePaid"]),
    },
)


def build(specs: list[tuple[int | None, str, bool, dict[str, str], int]]) -> EcsSimulator:
    sim = EcsSimulator(now=START, instances=["i-0", "i-1", "i-2"], seed=5)
    for index, category, delete, tags, name in specs:
        sim.add_disk(None if index is None else f"i-{index}", category=category, size=40,
                     delete_with_instance=delete, tags=tags, name=f"disk-{name}")  # fmt: skip
    return sim


def brute(disk: Disk, f: dict[str, str]) -> bool:
    tag_key, tag_value = f.get("Tag.1.Key"), f.get("Tag.1.Value")
    checks = [
        f.get("InstanceId") in (None, disk.instance_id),
        f.get("DiskType") in (None, "all", disk.kind),
        f.get("Category") in (None, "all", disk.category),
        f.get("Status") in (None, "All", disk.status),
        f.get("DeleteWithInstance") in (None, str(disk.delete_with_instance).lower()),
        f.get("Portable") in (None, str(disk.kind == "data").lower()),
        f.get("DiskName") in (None, disk.name),
        f.get("DiskChargeType") in (None, disk.charge_type),
        tag_key is None or (tag_key in disk.tags and tag_value in (None, disk.tags[tag_key])),
    ]
    return all(checks)


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(disks, filters, st.integers(1, 4))
def test_describe_disks_keeps_exactly_the_matching_disks(
    specs: list[Any], f: dict[str, str], page_size: int
) -> None:
    if "Tag.1.Value" in f and "Tag.1.Key" not in f:
        del f["Tag.1.Value"]
    sim = build(specs)
    expected = [d.disk_id for d in sim.disks if brute(d, f)]
    found: list[str] = []
    page = 1
    while True:
        body = sim.call("DescribeDisks", RegionId=sim.region, PageSize=page_size,
                        PageNumber=page, **f)  # fmt: skip
        assert body["TotalCount"] == len(expected)
        rows = body["Disks"]["Disk"]
        found += [d["DiskId"] for d in rows]
        if len(rows) < page_size:
            break
        page += 1
    assert found == expected


# One disk event: (disk index, type, minutes from the start, minutes it lasts or None).
events = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["Stalled", "Degraded", "ErrorDetected"]),
              st.integers(0, 600), st.one_of(st.none(), st.integers(1, 300))),
    max_size=8,
)  # fmt: skip


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(events, st.integers(0, 900), st.sampled_from([None, "Stalled", "Degraded"]),
       st.sampled_from([None, "Ok", "Warning", "Impaired"]))  # fmt: skip
def test_full_status_events_and_health_follow_the_clock(
    specs: list[Any], minutes: int, event_type: str | None, health: str | None
) -> None:
    sim = build([(0, "cloud_essd", True, {}, 0)])  # i-0 has a system and a data disk
    all_disks = sim.disks[:4]
    for index, kind, start, length in specs:
        disk = all_disks[index % len(all_disks)]
        sim.inject_disk_event(kind, disk.disk_id, at=f"+{start}m",
                              duration=f"{length}m" if length else None)  # fmt: skip
    sim.advance(f"{minutes}m")
    now: datetime = sim.now
    params = {k: v for k, v in {"EventType": event_type, "HealthStatus": health}.items() if v}
    body = sim.call("DescribeDisksFullStatus", RegionId=sim.region, PageSize=100, **params)
    got = {r["DiskId"]: r for r in body["DiskFullStatusSet"]["DiskFullStatusType"]}

    expected: dict[str, tuple[str, list[str]]] = {}
    for disk in sim.disks:
        shown = [e for e in sim.disk_events(disk_id=disk.disk_id) if e.event_time <= now
                 and (event_type is None or e.event_type == event_type)]  # fmt: skip
        active = {e.event_type for e in shown if e.end_time is None or e.end_time > now}
        active |= {
            e.event_type
            for e in sim.disk_events(disk_id=disk.disk_id)
            if e.event_time <= now and (e.end_time is None or e.end_time > now)
        }
        name = ("Impaired" if active & {"Stalled", "ErrorDetected"}
                else "Warning" if "Degraded" in active else "Ok")  # fmt: skip
        if (event_type and not shown) or (health and name != health):
            continue
        expected[disk.disk_id] = (name, [e.event_id for e in shown])
    assert {k: (r["HealthStatus"]["Name"], [e["EventId"] for e in
            r["DiskEventSet"]["DiskEventType"]]) for k, r in got.items()} == expected  # fmt: skip
    assert body["TotalCount"] == len(expected)
