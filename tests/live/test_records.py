"""The API's JSON records read into Instance and SystemEvent (records written by hand)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pytest_ecs_events.core.catalog import EventState, InstanceStatus
from pytest_ecs_events.live.records import (
    api_time,
    event_records,
    instance_from,
    read_event,
    state_of,
)

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
ALIASES = {"i-web": "web"}


def alias(real: str) -> str:
    return ALIASES.get(real, real)


def test_event_records_and_their_state() -> None:
    body = {"InstanceSystemEventSet": {"InstanceSystemEventType": [{"EventId": "e-1"}, "junk"]}}
    assert event_records(body) == [{"EventId": "e-1"}]
    assert event_records({}) == []
    assert state_of({"EventCycleStatus": {"Name": "Executing"}}) == "Executing"
    assert state_of({"EventCycleStatus": "Executed"}) == "Executed"
    assert state_of({}) == ""


def test_api_time_reads_what_the_cloud_sends_and_forgives_the_rest() -> None:
    assert api_time("2030-01-01T12:00:00Z") == NOW
    assert api_time("2030-01-01T20:00:00+08:00") == NOW
    assert api_time("") is None
    assert api_time(None) is None
    assert api_time("soon") is None


def test_instance_from_a_describe_instances_item() -> None:
    item = {"InstanceId": "i-web", "Status": "Stopped", "ZoneId": "cn-hangzhou-h",
            "Tags": {"Tag": [{"TagKey": "team", "TagValue": "ops"}, "junk"]}}  # fmt: skip
    instance = instance_from(item, alias=alias, region="cn-hangzhou")
    assert (instance.instance_id, instance.status, instance.region, instance.zone) == (
        "web", InstanceStatus.Stopped, "cn-hangzhou", "cn-hangzhou-h")  # fmt: skip
    assert instance.name == "i-web"
    assert instance.tags == {"team": "ops"}
    odd = instance_from({"InstanceId": "i-x", "Status": "Hibernating"}, alias=alias, region="r")
    assert odd.status is InstanceStatus.Pending


def _record(state: str, **more: object) -> dict[str, object]:
    return {
        "EventId": "e-1",
        "InstanceId": "i-web",
        "EventType": {"Name": "SystemMaintenance.Reboot"},
        "EventCycleStatus": {"Name": state},
        "NotBefore": "2030-01-01T13:00:00Z",
        "EventPublishTime": "2030-01-01T11:00:00Z",
        **more,
    }


def test_read_event_new_then_updated_with_its_history() -> None:
    first = read_event(_record("Scheduled"), None, alias=alias, region="r", simulated=True, now=NOW)
    assert (first.event_id, first.instance_id, first.state) == ("e-1", "web", "Scheduled")
    assert first.publish_time == NOW - timedelta(hours=1)
    assert first.history == [(NOW - timedelta(hours=1), EventState.Scheduled)]
    later = NOW + timedelta(minutes=5)
    executing = read_event(_record("Executing", Reason="r1", ExtendedAttribute={"a": 1}), first,
                           alias=alias, region="r", simulated=True, now=later)  # fmt: skip
    assert executing is first
    assert (first.state, first.reason, first.extended) == (EventState.Executing, "r1", {"a": 1})
    assert first.history[-1] == (later, EventState.Executing)
    finished = _record("Executed", EventFinishTime="2030-01-01T13:01:00Z")
    done = read_event(finished, first, alias=alias, region="r", simulated=True,
                      now=later + timedelta(hours=1))  # fmt: skip
    assert done.finish_time == NOW + timedelta(hours=1, minutes=1)
    assert done.history[-1] == (done.finish_time, EventState.Executed)  # final: at its finish
    unknown = read_event(
        _record("Mystery"), None, alias=alias, region="r", simulated=False, now=NOW
    )
    assert unknown.state is EventState.Scheduled


def test_instance_from_reads_every_field_of_the_real_capture() -> None:
    import json
    from pathlib import Path

    sample = Path(__file__).resolve().parent.parent / "data" / "samples"
    items = json.loads((sample / "DescribeInstances_beijing.json").read_text())
    first, second = (
        instance_from(i, alias=lambda x: x, region="cn-beijing")
        for i in items["Instances"]["Instance"]
    )
    assert (first.private_ip, first.instance_type, first.mac_address) == (
        "172.16.174.242", "ecs.c7.large", "00:16:3e:12:b7:28")  # fmt: skip
    assert first.security_group_ids == ("sg-2ze15n4ebnt0nfxf5kpu",)
    assert first.vpc_id == "vpc-2zenco4vj87vs2rqcsya1"
    assert first.expired_at is None  # pay-as-you-go: 2099 is no expiry
    assert first.created_at == datetime(2024, 3, 21, 5, 46, tzinfo=timezone.utc)
    assert (second.public_ip, second.deletion_protection) == ("123.56.82.191", True)
    assert second.started_at == datetime(2023, 10, 25, 6, 2, tzinfo=timezone.utc)
