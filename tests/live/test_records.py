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
