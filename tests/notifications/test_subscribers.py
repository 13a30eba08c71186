"""In-process subscribers (notifications/subscribers.py): ``ecs_sim.subscribe`` callbacks get
each change at its virtual time; what they raise is kept, and fails the test, not the run."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.catalog import InstanceStatus
from pytest_ecs_events.core.lifecycle import InstanceChange
from pytest_ecs_events.core.simulation import Simulation, SimulationConfig
from pytest_ecs_events.notifications.payloads import Payload
from pytest_ecs_events.notifications.subscribers import Subscription

START = "2019-04-09T04:18:26Z"


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


def test_a_subscription_records_what_it_delivered_and_what_its_callback_raised() -> None:
    sim = Simulation(now=datetime(2019, 4, 9, tzinfo=timezone.utc), config=SimulationConfig())
    sim.add_instance("i-1")
    calls: list[Payload] = []

    def callback(payload: Payload) -> None:
        calls.append(payload)
        raise RuntimeError(f"bug {len(calls)}")

    subscription = Subscription(callback, "cloudmonitor", instance_changes=False)
    sim.observers.append(lambda change: subscription(change, sim))
    sim.create_simulated_events("SystemFailure.Reboot", ["i-1"], sim.now)
    assert [p["name"] for p in subscription.delivered] == [
        "Instance:SystemFailure.Reboot:Executing",
        "Instance:SystemFailure.Reboot:Executed",
    ]
    assert subscription.delivered == calls
    assert [str(e) for e in subscription.errors] == ["bug 1", "bug 2"]


def test_a_subscription_skips_instance_changes_unless_asked() -> None:
    sim = Simulation(now=datetime(2019, 4, 9, tzinfo=timezone.utc), config=SimulationConfig())
    sim.add_instance("i-1")
    change = InstanceChange(
        sim.now, "i-1", InstanceStatus.Running, InstanceStatus.Stopping, "StopInstance"
    )
    added = InstanceChange(sim.now, "i-1", None, InstanceStatus.Running, "added")
    quiet = Subscription(print, "cloudmonitor", instance_changes=False)
    quiet(change, sim)
    assert quiet.delivered == []
    got: list[Payload] = []
    asked = Subscription(got.append, "eventbridge", instance_changes=True)
    asked(added, sim)  # an instance coming into being is not a state change
    asked(change, sim)
    assert [p["type"] for p in got] == ["ecs:Instance:StateChange"]
    assert asked.delivered == got
