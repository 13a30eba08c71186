"""The node drainer, driven through virtual time by the ecs_sim fixture."""

from __future__ import annotations

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException

START = "2024-05-01T00:00:00Z"
pytestmark = pytest.mark.ecs_sim(now=START)


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-node-a", not_before="+2h")
def test_drains_before_maintenance_and_uncordons_after(ecs_sim, drainer, registry):
    result = drainer.reconcile()
    assert result.drained == ["node-a"]
    node_a = registry.nodes["node-a"]
    assert not node_a.schedulable
    assert node_a.pods == []
    assert sorted(registry.nodes["node-b"].pods + registry.nodes["node-c"].pods) == [
        "web-1",
        "web-2",
        "web-3",
    ]

    ecs_sim.advance("2h")  # NotBefore: the platform starts executing
    [event] = ecs_sim.events(instance_id="i-node-a")
    assert event.state == "Executing"
    assert drainer.reconcile().drained == []  # still cordoned, not drained twice
    assert not node_a.schedulable

    ecs_sim.advance("30s")  # the default execution duration
    assert event.state == "Executed"
    result = drainer.reconcile()
    assert result.uncordoned == ["node-a"]
    assert result.outcomes == {"node-a": "Executed"}
    assert node_a.schedulable
    assert registry.log == ["cordon node-a", "drain node-a", "uncordon node-a"]


@pytest.mark.ecs_event("SystemMaintenance.Redeploy", instance="i-node-b", not_before="+1d")
def test_cancelled_event_uncordons(ecs_sim, drainer, registry):
    assert drainer.reconcile().drained == ["node-b"]
    [event] = ecs_sim.events(instance_id="i-node-b")

    ecs_sim.cancel_events(event.event_id)  # the drill is called off

    result = drainer.reconcile()
    assert result.outcomes == {"node-b": "Canceled"}
    assert registry.nodes["node-b"].schedulable


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-node-c", not_before="+4h")
def test_rebooting_early_avoids_the_event_and_uncordons(ecs_sim, drainer, registry):
    drainer.reconcile()
    ecs_sim.advance("1h")
    ecs_sim.reboot_instance("i-node-c")  # an operator reboots in a quiet hour
    assert drainer.reconcile().outcomes == {"node-c": "Avoided"}
    assert registry.nodes["node-c"].schedulable


@pytest.mark.ecs_event("SystemMaintenance.Stop", instance="i-node-a", not_before="+1h")
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-node-b", not_before="+3h")
def test_several_nodes_follow_their_own_events(ecs_sim, drainer, registry):
    assert sorted(drainer.reconcile().drained) == ["node-a", "node-b"]
    assert registry.pending == []  # node-c took every pod
    assert sorted(registry.nodes["node-c"].pods) == ["web-1", "web-2", "web-3"]

    ecs_sim.advance(hours=1, seconds=30)
    assert drainer.reconcile().uncordoned == ["node-a"]
    assert not registry.nodes["node-b"].schedulable

    ecs_sim.advance(hours=2)
    assert drainer.reconcile().uncordoned == ["node-b"]
    assert all(n.schedulable for n in registry.nodes.values())


@pytest.mark.ecs_event("SystemFailure.Reboot", instance="i-node-a", not_before="+10m")
def test_failure_events_are_not_this_handlers_business(drainer, registry):
    assert drainer.reconcile().drained == []
    assert registry.nodes["node-a"].schedulable


def test_platform_event_is_drained_too(ecs_sim, drainer, registry):
    event = ecs_sim.inject_event("SystemMaintenance.Reboot", "i-node-b", not_before="+1h")
    assert drainer.reconcile().drained == ["node-b"]
    ecs_sim.advance("1h")
    assert ecs_sim.instance("i-node-b").status == "Starting"  # a platform reboot is real
    ecs_sim.advance("30s")
    assert event.state == "Executed"
    assert drainer.reconcile().uncordoned == ["node-b"]


def test_pages_through_a_large_fleet(ecs_sim, drainer, registry):
    for n in range(25):
        registry.add(f"pool-{n:02d}", f"i-pool-{n:02d}", pods=[f"job-{n}"])
        ecs_sim.add_instance(f"i-pool-{n:02d}")
    doomed = [f"i-pool-{n:02d}" for n in range(0, 25, 2)]  # 13 instances
    ecs_sim.create_events("SystemMaintenance.Reboot", doomed, "+2h")

    assert len(drainer.reconcile().drained) == 13
    pages = [c for c in ecs_sim.calls if c.action == "DescribeInstanceHistoryEvents"]
    assert len(pages) == 2  # MaxResults=10, followed by NextToken
    assert pages[1].params["NextToken"]

    ecs_sim.advance("2h30s")
    assert len(drainer.reconcile().uncordoned) == 13


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-node-a", not_before="+2h")
def test_throttling_is_retried(ecs_sim, drainer, sleeps):
    ecs_sim.fail_next("DescribeInstanceHistoryEvents", code="Throttling", times=3)
    assert drainer.reconcile().drained == ["node-a"]
    assert sleeps == [0.2, 0.4, 0.8]


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-node-a", not_before="+2h")
def test_other_errors_are_not_retried(ecs_sim, drainer, sleeps, registry):
    ecs_sim.fail_next("DescribeInstanceHistoryEvents", code="Forbidden.RAM", status=403)
    with pytest.raises(ClientException) as info:
        drainer.reconcile()
    assert info.value.code == "Forbidden.RAM"
    assert sleeps == []
    assert all(n.schedulable for n in registry.nodes.values())  # nothing half-done
