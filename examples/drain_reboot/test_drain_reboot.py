"""The drain-then-reboot handler with both SDK generations (the ``rebooter`` fixture runs each
test with each), its waits on the virtual clock, and what the timeline shows of the run."""

from __future__ import annotations

import pytest

WEB_1, WEB_2 = "i-web-1", "i-web-2"
MODIFY = "ModifyVServerGroupBackendServers"  # the cause of the handler's weight changes

# Two load balancers; each instance is a backend of a vServer group in each.
LOAD_BALANCERS = [
    {
        "name": "shop",
        "listeners": [(80, "web")],
        "vserver_groups": {"web": [(WEB_1, 100, 8080), (WEB_2, 100, 8080)]},
    },
    {
        "name": "shop-api",
        "listeners": [(443, "api")],
        "vserver_groups": {"api": [(WEB_1, 60, 9000), (WEB_2, 40, 9000)]},
    },
]

# strict_commands: a command the test did not script with ecs_sim.on_command fails the test,
# so the handler cannot run anything but the drain script unnoticed.
pytestmark = pytest.mark.ecs_sim(
    now="2024-05-01T00:00:00Z",
    instances=[WEB_1, WEB_2],
    load_balancers=LOAD_BALANCERS,
    strict_commands=True,
)


def weights(ecs_sim, instance_id):
    """The instance's traffic weight in each vServer group, now."""
    return {b.vserver_group_id: b.weight for b in ecs_sim.backends_of(instance_id)}


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance=WEB_1, not_before="+2h")
def test_drains_reboots_waits_for_health_and_restores(ecs_sim, rebooter):
    ecs_sim.on_command(r"drain", output="drained: 0 requests in flight\n", duration="30s")
    before = weights(ecs_sim, WEB_1)

    [outcome] = rebooter.run_once()

    assert (outcome.rebooted, outcome.restored, outcome.reason) == (True, True, "")
    assert outcome.drain_output == "drained: 0 requests in flight\n"
    assert len(outcome.drained) == 2  # both groups
    [event] = ecs_sim.events(instance_id=WEB_1)
    assert event.state == "Avoided"  # rebooted before NotBefore
    assert weights(ecs_sim, WEB_1) == before
    assert sorted(before.values()) == [60, 100]
    [run] = ecs_sim.invocations
    assert (run.instance_id, run.status, run.scripted) == (WEB_1, "Success", True)

    t = ecs_sim.timeline
    stopping = t.first(kind="instance", instance=WEB_1, value="Stopping")
    assert stopping is not None
    # Out of every group before it went down, and only after the drain command succeeded.
    assert list(t.values_at(stopping, kind="weight", instance=WEB_1).values()) == ["0", "0"]
    assert t.before(stopping).first(kind="command", instance=WEB_1, value="Success")
    # The health check saw it go, and saw it back before any weight was restored.
    restored = t.after(stopping).first(kind="weight", instance=WEB_1)
    assert restored is not None
    assert t.between(stopping, restored).of(kind="backend", instance=WEB_1, value="abnormal")
    assert set(t.values_at(restored, kind="backend", instance=WEB_1).values()) == {"normal"}
    # The other instance carried the traffic throughout.
    assert not t.of(kind="weight", instance=WEB_2, cause=MODIFY)


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance=WEB_1, not_before="+2h")
def test_a_failing_drain_command_stops_the_reboot(ecs_sim, rebooter):
    ecs_sim.on_command(r"drain", output="3 connections still open\n", exit_code=3, duration="20s")
    before = weights(ecs_sim, WEB_1)

    [outcome] = rebooter.run_once()

    assert (outcome.rebooted, outcome.restored) == (False, True)
    assert outcome.reason == "drain command Failed, exit code 3: not rebooted"
    assert outcome.drain_output == "3 connections still open\n"
    assert not [c for c in ecs_sim.calls if c.action == "RebootInstance"]
    assert ecs_sim.events(instance_id=WEB_1)[0].state == "Scheduled"  # still to be dealt with
    assert weights(ecs_sim, WEB_1) == before
    by_handler = ecs_sim.timeline.of(kind="weight", instance=WEB_1, cause=MODIFY)
    assert [r.value for r in by_handler] == ["0", "0", "100", "60"]  # drained, then back
    assert not ecs_sim.timeline.of(kind="instance", instance=WEB_1, value="Stopping")


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance=WEB_1, not_before="+2h")
def test_a_drain_command_that_times_out_stops_the_reboot(ecs_sim, rebooter):
    ecs_sim.on_command(r"drain", duration="10m")  # longer than the handler's Timeout (120 s)
    start = ecs_sim.now

    [outcome] = rebooter.run_once()

    assert (outcome.rebooted, outcome.restored) == (False, True)
    assert outcome.reason == "drain command Timeout: not rebooted"
    [run] = ecs_sim.invocations
    assert (run.status, run.exit_code) == ("Timeout", None)
    # The handler waited (on the virtual clock) for Cloud Assistant to end the command.
    assert 120 <= (ecs_sim.now - start).total_seconds() < 180
    assert ecs_sim.events(instance_id=WEB_1)[0].state == "Scheduled"
    assert set(weights(ecs_sim, WEB_1).values()) == {100, 60}


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance=WEB_1, not_before="+6h")
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance=WEB_2, not_before="+2h")
def test_two_events_are_handled_one_instance_at_a_time(ecs_sim, rebooter):
    ecs_sim.on_command(r"drain", duration="30s")

    outcomes = rebooter.run_once()

    assert [(o.instance_id, o.rebooted, o.restored) for o in outcomes] == [
        (WEB_2, True, True),  # the most urgent first
        (WEB_1, True, True),
    ]
    assert {e.state for e in ecs_sim.events()} == {"Avoided"}
    t = ecs_sim.timeline
    # Never two instances rebooting at once...
    assert t.most_at_once("instance", value=lambda status: status != "Running") == 1
    # ...nor abnormal at once, nor out of rotation at once: each instance has a backend in
    # two groups, so its own stretches overlap, but every overlap is one instance's.
    for kind, value in (("backend", "abnormal"), ("weight", "0")):
        stretches = t.intervals(kind, value=value)
        assert {i.instance_id for i in stretches} == {WEB_1, WEB_2}
        assert all(a.instance_id == b.instance_id for a, b in t.overlapping(stretches))


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance=WEB_2, not_before="+2h")
def test_a_refused_reboot_puts_the_instance_back(ecs_sim, rebooter):
    ecs_sim.on_command(r"drain", duration="10s")
    ecs_sim.fail_next("RebootInstance", code="IncorrectInstanceStatus", status=403)

    [outcome] = rebooter.run_once()

    assert (outcome.rebooted, outcome.restored) == (False, True)
    assert outcome.reason.startswith("RebootInstance failed:")
    assert "IncorrectInstanceStatus" in outcome.reason
    assert set(weights(ecs_sim, WEB_2).values()) == {100, 40}


def test_nothing_scheduled_nothing_touched(ecs_sim, rebooter):
    assert rebooter.run_once() == []
    assert {c.action for c in ecs_sim.calls} == {"DescribeInstanceHistoryEvents"}
