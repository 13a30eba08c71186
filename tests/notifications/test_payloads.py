"""Notification payloads (notifications/payloads.py): the CloudMonitor and EventBridge bodies
built for each change, as ``ecs_sim.subscribe`` delivers them."""

from __future__ import annotations

import re

import pytest

from pytest_ecs_events import EcsSimulator

START = "2019-04-09T04:18:26Z"


def names(payloads: list[dict[str, object]]) -> list[object]:
    return [p["name"] for p in payloads]


def test_cloudmonitor_payloads_follow_the_lifecycle_in_time_order() -> None:
    sim = EcsSimulator(now=START, instances=["i-1"], seed=3)
    got: list[dict[str, object]] = []
    sim.subscribe(got.append)
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-1", "+2h")
    sim.advance("3h")
    assert names(got) == [
        "Instance:SystemMaintenance.Reboot:Scheduled",
        "Instance:SystemMaintenance.Reboot:Executing",
        "Instance:SystemMaintenance.Reboot:Executed",
    ]
    first, executing, executed = got
    assert first["resourceId"] == "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1"
    assert first["level"] == "CRITICAL"
    assert first["product"] == "ECS"
    assert first["eventTime"] == "20190409T121826.000+0800"
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", str(first["id"]))
    assert first["content"] == {
        "eventId": event.event_id,
        "publishTime": "2019-04-09T04:18:26Z",
        "notBefore": "2019-04-09T06:18:26Z",
        "instanceId": "i-1",
        "eventType": "SystemMaintenance.Reboot",
        "eventStatus": "Scheduled",
    }
    assert executing["eventTime"] == "20190409T141826.000+0800"
    assert executing["content"]["executeStartTime"] == "2019-04-09T06:18:26Z"  # type: ignore[index]
    assert "executeFinishTime" not in executing["content"]  # type: ignore[operator]
    assert executed["content"]["executeFinishTime"] == "2019-04-09T06:18:56Z"  # type: ignore[index]


def test_failure_event_has_no_not_before_and_starts_executing() -> None:
    sim = EcsSimulator(now=START, instances=["i-1"], seed=3)
    got: list[dict[str, object]] = []
    sim.subscribe(got.append)
    sim.create_events("SystemFailure.Reboot", "i-1", "+10m")
    sim.advance("10m")
    assert names(got) == [
        "Instance:SystemFailure.Reboot:Executing",
        "Instance:SystemFailure.Reboot:Executed",
    ]
    assert all("notBefore" not in p["content"] for p in got)  # type: ignore[operator]


def test_eventbridge_envelope() -> None:
    sim = EcsSimulator(now=START, instances=["i-1"], seed=3, region="cn-beijing")
    sim.add_instance("i-2", region="cn-beijing")
    got: list[dict[str, object]] = []
    sim.subscribe(got.append, format="eventbridge")
    sim.create_events("SystemMaintenance.Reboot", "i-2", "+1h", region="cn-beijing")
    (payload,) = got
    assert payload["source"] == "acs.ecs"
    assert payload["specversion"] == "1.0"
    assert payload["type"] == "ecs:Instance:SystemMaintenance.Reboot"
    assert payload["subject"] == "acs.ecs:cn-beijing:1234567890123456:instance/i-2"
    assert payload["time"] == "2019-04-09T12:18:26+08:00"
    assert payload["data"]["eventStatus"] == "Scheduled"  # type: ignore[index]
    # The envelope fields of the EventBridge event examples: publish time in UTC with
    # milliseconds, the account twice, the publishing address.
    assert payload["aliyunpublishtime"] == "2019-04-09T04:18:26.000Z"
    assert payload["aliyunaccountid"] == payload["aliyunoriginalaccountid"] == "1234567890123456"
    assert payload["aliyunpublishaddr"] == "127.0.0.1"
    assert payload["aliyuneventbusname"] == "default"
    assert payload["aliyunregionid"] == "cn-beijing"


def test_unknown_format_is_refused() -> None:
    sim = EcsSimulator(now=START)
    with pytest.raises(ValueError, match="cloudmonitor, eventbridge"):
        sim.subscribe(print, format="mns")


@pytest.mark.parametrize(
    ("name", "level"),
    [("Security.TpmAlert", "WARN"), ("InstanceFailure.Alert", "WARN"),
     ("SecurityPunish.Locked", "CRITICAL"), ("SystemUpgrade.Migrate", "CRITICAL")],
)  # fmt: skip
def test_new_event_types_notify_with_their_level_and_name(name: str, level: str) -> None:
    sim = EcsSimulator(now=START, instances=["i-1"], seed=3)
    got: list[dict[str, object]] = []
    sim.subscribe(got.append)
    bridge: list[dict[str, object]] = []
    sim.subscribe(bridge.append, format="eventbridge")
    event = sim.inject_event(name, "i-1")
    assert got[0]["name"] == f"Instance:{name}:{event.state.value}"
    assert got[0]["level"] == level
    assert bridge[0]["type"] == f"ecs:Instance:{name}"


def test_an_error_disk_event_is_first_notified_inquiring_without_not_before() -> None:
    sim = EcsSimulator(now=START, instances=["i-1"], seed=3)
    got: list[dict[str, object]] = []
    sim.subscribe(got.append)
    sim.inject_event("SystemMaintenance.RebootAndIsolateErrorDisk", "i-1")
    assert got[0]["name"] == "Instance:SystemMaintenance.RebootAndIsolateErrorDisk:Inquiring"
    assert "notBefore" not in got[0]["content"]  # type: ignore[operator]
