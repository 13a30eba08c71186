"""The maintenance poller, driven through virtual time by the ecs_sim fixture."""

from __future__ import annotations

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from poller import MaintenancePoller, make_client

from pytest_ecs_events import EcsApiError, EcsSimulator

START = "2024-05-01T00:00:00Z"


def actions(ecs_sim: EcsSimulator) -> list[str]:
    return [call.action for call in ecs_sim.calls]


@pytest.mark.ecs_sim(now=START, instances=["i-web1"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web1", not_before="+30m")
def test_reboot_within_window_avoids_the_event(ecs_sim, poller):
    result = poller.run_once()

    assert result.rebooted == ["i-web1"]
    [event] = ecs_sim.events(instance_id="i-web1")
    assert event.state == "Avoided"
    assert ecs_sim.instance("i-web1").status == "Stopping"  # the reboot is under way
    ecs_sim.advance("1m")
    assert ecs_sim.instance("i-web1").status == "Running"


@pytest.mark.parametrize("source", ["history", "full_status"])
@pytest.mark.ecs_sim(now=START, instances=["i-web1"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web1", not_before="+30m")
def test_both_query_styles_find_the_event(ecs_sim, poller, source):
    poller.source = source
    assert poller.run_once().rebooted == ["i-web1"]
    expected = {
        "history": "DescribeInstanceHistoryEvents",
        "full_status": "DescribeInstancesFullStatus",
    }[source]
    assert actions(ecs_sim)[0] == expected


@pytest.mark.ecs_sim(now=START, instances=["i-db1"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-db1", not_before="+6h")
def test_outside_the_window_it_waits_and_the_platform_executes(ecs_sim, poller):
    result = poller.run_once()
    assert result.waiting == ["i-db1"]
    assert "RebootInstance" not in actions(ecs_sim)

    # Nobody runs the poller for the next six hours: the platform reboots on its own.
    transitions = ecs_sim.advance("6h30s")
    assert [(t.old_state, t.new_state) for t in transitions] == [
        ("Scheduled", "Executing"),
        ("Executing", "Executed"),
    ]
    [event] = ecs_sim.events(instance_id="i-db1")
    assert event.state == "Executed"
    assert poller.run_once().rebooted == []


@pytest.mark.ecs_sim(now=START, instances=["i-db1"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-db1", not_before="+6h")
def test_a_later_run_reboots_once_the_event_comes_within_the_window(ecs_sim, poller):
    assert poller.run_once().rebooted == []
    ecs_sim.advance(hours=5, minutes=15)
    assert poller.run_once().rebooted == ["i-db1"]
    assert ecs_sim.events(instance_id="i-db1")[0].state == "Avoided"


@pytest.mark.ecs_sim(now=START, instances=["i-web1", "i-web2"])
@pytest.mark.ecs_event(
    "SystemMaintenance.Reboot", instances=["i-web1", "i-web2"], not_before="+45m"
)
def test_second_run_does_nothing(ecs_sim, poller, pager):
    assert sorted(poller.run_once().rebooted) == ["i-web1", "i-web2"]
    calls_before = len(ecs_sim.calls)

    result = poller.run_once()

    assert result.rebooted == result.reboot_failed == result.alerted == []
    new_actions = actions(ecs_sim)[calls_before:]
    assert "RebootInstance" not in new_actions
    assert pager.alerts == []


@pytest.mark.ecs_sim(now=START, instances=["i-web1", "i-cache1"])
@pytest.mark.ecs_event("SystemFailure.Reboot", instance="i-cache1", not_before="+10m")
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web1", not_before="+3h")
def test_failures_raise_one_alert_each(ecs_sim, poller, pager):
    [failure] = ecs_sim.events(event_type="SystemFailure.Reboot")
    assert failure.state == "Executing"  # failures start under way

    poller.run_once()
    assert pager.alerts == [
        (
            "SystemFailure.Reboot on i-cache1",
            {
                "event_id": failure.event_id,
                "instance_id": "i-cache1",
                "status": "Executing",
                "reason": "A simulated event.",
            },
        ),
    ]

    ecs_sim.advance("10m")
    assert failure.state == "Executed"
    poller.run_once()
    assert len(pager.alerts) == 1  # the same event is never paged twice


@pytest.mark.ecs_sim(now=START, instances=["i-web1"])
@pytest.mark.ecs_event("SystemFailure.Stop", instance="i-web1", not_before="+1m")
def test_failure_that_finished_between_runs_is_still_alerted(ecs_sim, poller, pager):
    ecs_sim.advance("5m")
    poller.run_once()
    assert [d["status"] for _, d in pager.alerts] == ["Executed"]


@pytest.mark.ecs_sim(now=START, instances=["i-web1", "i-web2"])
@pytest.mark.ecs_event(
    "SystemMaintenance.Reboot", instances=["i-web1", "i-web2"], not_before="+20m"
)
def test_failed_reboot_is_alerted_and_retried_next_run(ecs_sim, poller, pager):
    ecs_sim.fail_next("RebootInstance", code="IncorrectInstanceStatus", status=403)

    result = poller.run_once()

    assert len(result.reboot_failed) == 1
    assert len(result.rebooted) == 1
    [failed] = result.reboot_failed
    assert ecs_sim.events(instance_id=failed)[0].state == "Scheduled"
    [(text, details)] = pager.alerts
    assert text == f"could not reboot {failed} ahead of maintenance"
    assert details["error"] == "IncorrectInstanceStatus"
    [failed_call] = [c for c in ecs_sim.calls if c.error_code]
    assert (failed_call.action, failed_call.status) == ("RebootInstance", 403)

    ecs_sim.advance("5m")
    assert poller.run_once().rebooted == [failed]
    assert {e.state for e in ecs_sim.events()} == {"Avoided"}


@pytest.mark.ecs_sim(now=START, instances=["i-web1"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web1", not_before="+20m")
def test_throttling_is_retried_with_backoff(ecs_sim, poller, sleeps):
    ecs_sim.fail_next("DescribeInstanceHistoryEvents", code="Throttling", times=2)
    ecs_sim.fail_next("RebootInstance", code="Throttling")

    assert poller.run_once().rebooted == ["i-web1"]
    assert sleeps == [0.5, 1.0, 0.5]
    assert [c.error_code for c in ecs_sim.calls][:3] == ["Throttling", "Throttling", None]


@pytest.mark.ecs_sim(now=START, instances=["i-web1"])
def test_persistent_throttling_gives_up(ecs_sim, poller, sleeps):
    # More throttling than the poller will try: the rest stays unused (required=False).
    ecs_sim.fail_next("DescribeInstanceHistoryEvents", code="Throttling", times=10, required=False)
    with pytest.raises(ServerException) as info:
        poller.run_once()
    assert info.value.get_error_code() == "Throttling"
    assert len(sleeps) == poller.max_attempts - 1


@pytest.mark.ecs_sim(now=START)
def test_pages_through_every_event(ecs_sim, poller):
    fleet = [ecs_sim.add_instance().instance_id for _ in range(23)]
    ecs_sim.create_events("SystemMaintenance.Reboot", fleet, "+40m")

    assert sorted(poller.run_once().rebooted) == sorted(fleet)
    describes = [c for c in ecs_sim.calls if c.action == "DescribeInstanceHistoryEvents"]
    assert len(describes) >= 3  # 23 events, 10 per page
    assert all(e.state == "Avoided" for e in ecs_sim.events())


@pytest.mark.ecs_sim(now=START, instances=["i-web1"], credentials={"AKID-ops": "s3cret"})
def test_wrong_access_key_is_refused(ecs_sim, pager):
    poller = MaintenancePoller(
        make_client("AKID-other", "x", ecs_sim.region), alert=pager, now=lambda: ecs_sim.now
    )
    with pytest.raises(ServerException) as info:
        poller.run_once()
    assert info.value.get_error_code() == "InvalidAccessKeyId.NotFound"

    good = MaintenancePoller(
        make_client("AKID-ops", "s3cret", ecs_sim.region), alert=pager, now=lambda: ecs_sim.now
    )
    assert good.run_once().rebooted == []


def test_the_handle_raises_the_api_errors(ecs_sim):
    with pytest.raises(EcsApiError) as info:
        ecs_sim.create_events("SystemMaintenance.Reboot", ["i-unknown"], "+1h")
    assert (info.value.code, info.value.status) == ("InvalidInstanceId.NotFound", 404)
