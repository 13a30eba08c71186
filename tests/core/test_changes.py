"""Areas outside the event lifecycle (core/changes.py, Simulation.call_at/notify): their own
timers on the one heap, their own kinds of change, which the notification channels pass
over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from pytest_ecs_events.core.changes import Change
from pytest_ecs_events.core.lifecycle import InstanceChange, Transition
from pytest_ecs_events.core.simulation import Simulation
from pytest_ecs_events.notifications.payloads import build_payload
from tests.helpers.simulation import HOUR, MIN, SEC, T0


@dataclass(frozen=True)
class Ping:
    kind: ClassVar[str] = "ping"
    time: datetime
    instance_id: str


def test_callback_timers_run_in_time_order_with_the_lifecycle(sim: Simulation) -> None:
    seen: list[tuple[str, datetime]] = []
    sim.observers.append(lambda change: seen.append((change.kind, change.time)))
    sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + 2 * MIN)
    for minutes in (3, 1):
        at = T0 + minutes * MIN
        sim.call_at(at, lambda at=at: sim.notify(Ping(sim.now, "i-a")) if sim.now == at else None)
    sim.advance_to(T0 + HOUR)
    pings = [when for kind, when in seen if kind == "ping"]
    assert pings == [T0 + MIN, T0 + 3 * MIN]  # each ran with the clock at its own time
    order = [kind for kind, _ in seen if kind in ("ping", "event")]
    # created (T0), ping (+1m), Executing (+2m), Executed (+2m30s), ping (+3m)
    assert order == ["event", "ping", "event", "event", "ping"]
    assert sim.next_due() is None


def test_a_cancelled_timer_never_runs_and_is_not_pending(sim: Simulation) -> None:
    ran: list[datetime] = []
    timer = sim.call_at(T0 + MIN, lambda: ran.append(sim.now))
    assert sim.next_due() == T0 + MIN
    assert sim.store.pending_timers() == 1
    sim.cancel_timer(timer)
    assert sim.next_due() is None
    sim.advance_to(T0 + HOUR)
    assert ran == []


def test_a_callback_may_schedule_the_next_step(sim: Simulation) -> None:
    ran: list[datetime] = []

    def step() -> None:
        ran.append(sim.now)
        if len(ran) < 3:
            sim.call_at(sim.now + 10 * SEC, step)

    sim.call_at(T0 + SEC, step)
    sim.advance_to(T0 + MIN)
    assert ran == [T0 + SEC, T0 + 11 * SEC, T0 + 21 * SEC]


def test_every_record_of_the_lifecycle_is_a_change(sim: Simulation) -> None:
    seen: list[Change] = []
    sim.observers.append(seen.append)
    sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + MIN)
    sim.reboot_instance("i-b")
    kinds = {(type(c), c.kind) for c in seen}
    assert kinds == {(Transition, "event"), (InstanceChange, "instance")}
    assert all(c.instance_id in ("i-a", "i-b") for c in seen)


def test_the_notification_channels_pass_over_other_kinds(sim: Simulation) -> None:
    for fmt in ("eventbridge", "cloudmonitor"):
        assert build_payload(fmt, True, Ping(T0, "i-a"), sim) is None
