"""Notification payloads delivered by ``ecs_sim.subscribe``."""

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


def test_instance_state_changes_only_when_asked() -> None:
    sim = EcsSimulator(now=START, instances=["i-1"], seed=3)
    events_only: list[dict[str, object]] = []
    with_changes: list[dict[str, object]] = []
    sim.subscribe(events_only.append)
    sim.subscribe(with_changes.append, instance_changes=True)
    sim.reboot_instance("i-1")
    sim.advance("1m")
    assert events_only == []
    states = [p["content"]["state"] for p in with_changes]  # type: ignore[index]
    assert states == ["Stopping", "Starting", "Running"]
    assert {p["name"] for p in with_changes} == {"Instance:StateChange"}
    assert {p["level"] for p in with_changes} == {"INFO"}


def test_event_driven_handler_reacts_at_the_virtual_time() -> None:
    """A handler that reboots as soon as it is told of a Scheduled reboot avoids it."""
    sim = EcsSimulator(now=START, instances=["i-1"], seed=3)

    def handler(payload: dict[str, object]) -> None:
        content = payload["content"]
        assert isinstance(content, dict)
        if payload["name"] == "Instance:SystemMaintenance.Reboot:Scheduled":
            sim.reboot_instance(content["instanceId"])

    sim.subscribe(handler)
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-1", "+2h")
    assert event.state == "Avoided"


def test_unknown_format_is_refused() -> None:
    sim = EcsSimulator(now=START)
    with pytest.raises(ValueError, match="cloudmonitor, eventbridge"):
        sim.subscribe(print, format="mns")


def test_a_raising_callback_fails_the_test_not_the_simulation(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(instances=["i-1"])
        def test_it(ecs_sim):
            def broken(payload):
                raise RuntimeError("handler bug")
            ecs_sim.subscribe(broken)
            ecs_sim.create_events("SystemMaintenance.Reboot", "i-1", "+1h")
            ecs_sim.advance("2h")
            assert ecs_sim.events()[0].state == "Executed"
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*notification callback(s)*RuntimeError: handler bug*"])
