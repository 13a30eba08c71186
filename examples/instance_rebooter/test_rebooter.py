"""The rebooter with both SDKs: the instances are set up with the IPs the pool knows."""

from __future__ import annotations

import pytest

WEB_1 = {
    "instance_id": "i-web-1",
    "name": "web-1",
    "private_ip": "172.16.0.11",
    "instance_type": "ecs.c7.large",
    "tags": {"role": "web"},
}
WEB_2 = {"instance_id": "i-web-2", "name": "web-2", "private_ip": "172.16.0.12"}
pytestmark = pytest.mark.ecs_sim(now="2024-05-01T00:00:00Z", instances=[WEB_1, WEB_2])  # fmt: skip


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web-1", not_before="+2h")
def test_drains_by_ip_reboots_and_reports(ecs_sim, rebooter, pool):
    [report] = rebooter.run_once()
    assert (report.name, report.private_ip, report.instance_type) == (
        "web-1",
        "172.16.0.11",
        "ecs.c7.large",
    )
    assert pool.log == ["drain 172.16.0.11"]
    assert pool.active == {"172.16.0.12"}
    [event] = ecs_sim.events(instance_id="i-web-1")
    assert event.state == "Avoided"  # the reboot came before NotBefore
    ecs_sim.advance("1m")
    assert ecs_sim.instance("i-web-1").status == "Running"
    assert rebooter.run_once() == []  # nothing left to do


def test_nothing_scheduled_nothing_drained(rebooter, pool):
    assert rebooter.run_once() == []
    assert pool.log == []


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-web-2", not_before="+1d")
def test_a_renamed_instance_is_reported_by_its_new_name(ecs_sim, rebooter, pool):
    ecs_sim.call("ModifyInstanceAttribute", InstanceId="i-web-2", InstanceName="web-2-blue")
    [report] = rebooter.run_once()
    assert (report.name, report.private_ip) == ("web-2-blue", "172.16.0.12")
