"""The asyncio scheduler, served by the loopback server (the ecs_server fixture)."""

from __future__ import annotations

import asyncio

import pytest

START = "2024-05-01T00:00:00Z"
pytestmark = pytest.mark.ecs_sim(now=START)


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web1", not_before="+30m")
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web2", not_before="+45m")
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web3", not_before="+2d")
def test_reboots_what_is_due_and_avoids_the_events(ecs_sim, scheduler):
    result = asyncio.run(scheduler.run_once())

    assert sorted(result.rebooted) == ["i-web1", "i-web2"]
    assert result.skipped == ["i-web3"]
    states = {e.instance_id: e.state for e in ecs_sim.events()}
    assert states == {"i-web1": "Avoided", "i-web2": "Avoided", "i-web3": "Scheduled"}
    # every call went over HTTP to the loopback server, through the SDK's async path
    assert {c.host.split(":")[0] for c in ecs_sim.calls} == {"127.0.0.1"}


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web3", not_before="+2d")
def test_a_later_run_catches_up(ecs_sim, scheduler):
    assert asyncio.run(scheduler.run_once()).rebooted == []

    ecs_sim.advance("1d23h30m")  # NotBefore is 30 minutes away now

    assert asyncio.run(scheduler.run_once()).rebooted == ["i-web3"]
    assert ecs_sim.events()[0].state == "Avoided"


@pytest.mark.ecs_sim(seed=3)
def test_pages_and_reboots_a_fleet_concurrently(ecs_sim, scheduler):
    fleet = [ecs_sim.add_instance().instance_id for _ in range(25)]
    ecs_sim.create_events("SystemMaintenance.Reboot", fleet, "+20m")

    result = asyncio.run(scheduler.run_once())

    assert sorted(result.rebooted) == sorted(fleet)
    assert len(ecs_sim.events(state="Avoided")) == 25
    pages = [c for c in ecs_sim.calls if c.action == "DescribeInstanceHistoryEvents"]
    assert len(pages) == 3  # 10 + 10 + 5 with MaxResults=10


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web1", not_before="+30m")
def test_retries_throttling(ecs_sim, scheduler, sleeps):
    ecs_sim.fail_next("DescribeInstanceHistoryEvents", code="Throttling", times=2)
    ecs_sim.fail_next("RebootInstance", code="ServiceUnavailable", status=503)

    result = asyncio.run(scheduler.run_once())

    assert result.rebooted == ["i-web1"]
    assert sleeps == [0.5, 1.0, 0.5]


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web1", not_before="+30m")
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web2", not_before="+30m")
def test_one_failed_reboot_does_not_stop_the_others(ecs_sim, scheduler):
    ecs_sim.stop_instance("i-web2")  # a stopped instance cannot be rebooted

    result = asyncio.run(scheduler.run_once())

    assert result.rebooted == ["i-web1"]
    assert result.failed == {"i-web2": "IncorrectInstanceStatus"}
    assert ecs_sim.events(instance_id="i-web2")[0].state == "Scheduled"


@pytest.mark.ecs_sim(credentials={"LTAI-right": "secret"})
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web1", not_before="+30m")
def test_a_wrong_access_key_is_an_error(scheduler):
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as excinfo:
        asyncio.run(scheduler.run_once())
    assert excinfo.value.code == "InvalidAccessKeyId.NotFound"
