"""The disk events' lifecycle on the virtual clock (core/disk_events.py and its timer)."""

from __future__ import annotations

import pytest

from pytest_ecs_events.core.disk_events import DISK_EVENT_TYPES, DiskEventLog
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.models import Disk
from pytest_ecs_events.core.simulation import Simulation
from tests.helpers.simulation import HOUR, MIN, T0


@pytest.fixture
def disk(sim: Simulation) -> Disk:
    return sim.add_disk("i-a")


def health(sim: Simulation, disk: Disk) -> str:
    return sim.store.disk_events.health(disk, sim.now)


def test_an_event_is_active_from_its_time_until_its_end(sim: Simulation, disk: Disk) -> None:
    event = sim.inject_disk_event("Stalled", disk.disk_id, end=T0 + 10 * MIN)

    assert (event.event_time, event.end_time) == (T0, T0 + 10 * MIN)
    assert event.active(sim.now)
    assert health(sim, disk) == "Impaired"
    sim.advance_to(T0 + 10 * MIN - MIN)
    assert event.active(sim.now)
    sim.advance_to(T0 + 10 * MIN)
    assert event.ended(sim.now)
    assert not event.active(sim.now)
    assert health(sim, disk) == "Ok"


def test_a_future_event_starts_at_its_time(sim: Simulation, disk: Disk) -> None:
    event = sim.inject_disk_event("Degraded", disk.disk_id, at=T0 + HOUR, end=T0 + 2 * HOUR)

    assert not event.started(sim.now)
    assert health(sim, disk) == "Ok"
    assert sim.next_due() == T0 + HOUR
    sim.advance_to(T0 + HOUR)
    assert health(sim, disk) == "Warning"
    assert sim.next_due() == T0 + 2 * HOUR


def test_advance_to_next_stops_at_the_start_then_the_end(sim: Simulation, disk: Disk) -> None:
    sim.inject_disk_event("ErrorDetected", disk.disk_id, at=T0 + MIN, end=T0 + 5 * MIN)
    stops = []
    while (due := sim.next_due()) is not None:
        sim.advance_to(due)
        stops.append(sim.now)
    assert stops == [T0 + MIN, T0 + 5 * MIN]


def test_the_worst_active_event_decides_the_health(sim: Simulation, disk: Disk) -> None:
    sim.inject_disk_event("SeverelyDegraded", disk.disk_id)
    assert health(sim, disk) == "Warning"
    stalled = sim.inject_disk_event("Stalled", disk.disk_id)
    assert health(sim, disk) == "Impaired"
    sim.end_disk_event(stalled.event_id)
    assert health(sim, disk) == "Warning"


def test_an_open_event_lasts_until_it_is_ended(sim: Simulation, disk: Disk) -> None:
    event = sim.inject_disk_event("Stalled", disk.disk_id)
    assert sim.next_due() is None  # nothing pending: it has started and has no end
    sim.advance_to(T0 + 30 * 24 * HOUR)
    assert event.active(sim.now)
    before = sim.mutations
    sim.end_disk_event(event.event_id, at=sim.now + MIN)
    assert sim.mutations > before
    assert sim.next_due() == sim.now + MIN
    sim.advance_to(sim.now + MIN)
    assert event.ended(sim.now)


def test_ending_is_checked(sim: Simulation, disk: Disk) -> None:
    event = sim.inject_disk_event("Stalled", disk.disk_id, end=T0 + MIN)
    with pytest.raises(ValueError, match="cannot end at"):
        sim.end_disk_event(event.event_id, at=T0 - MIN)
    sim.advance_to(T0 + 2 * MIN)
    with pytest.raises(ValueError, match="cannot end at"):
        sim.end_disk_event(event.event_id)
    with pytest.raises(EcsApiError, match="Cannot find EventId"):
        sim.end_disk_event("e-nope")


def test_injection_is_checked(sim: Simulation, disk: Disk) -> None:
    with pytest.raises(ValueError, match="unknown disk event type 'Melted'"):
        sim.inject_disk_event("Melted", disk.disk_id)
    with pytest.raises(ValueError, match="must end after it starts"):
        sim.inject_disk_event("Stalled", disk.disk_id, end=T0)
    with pytest.raises(EcsApiError, match="disk does not exist"):
        sim.inject_disk_event("Stalled", "d-nope")
    assert len(sim.store.disk_events) == 0


def test_a_simulation_without_disk_events_has_no_disk_timers(sim: Simulation) -> None:
    sim.add_disk("i-a")
    assert all(t.kind != "disk_event" for t in sim.store.heap_timers())


def test_a_stale_timer_is_skipped(sim: Simulation, disk: Disk) -> None:
    event = sim.inject_disk_event("Stalled", disk.disk_id, end=T0 + HOUR)
    sim.end_disk_event(event.event_id, at=T0 + MIN)  # replaces the end timer
    assert sim.store.pending_timers() == 1
    assert sim.next_due() == T0 + MIN


def test_the_types_and_codes() -> None:
    assert {n: (s.code, s.health) for n, s in DISK_EVENT_TYPES.items()} == {
        "Degraded": (1, "Warning"),
        "SeverelyDegraded": (2, "Warning"),
        "Stalled": (7, "Impaired"),
        "ErrorDetected": (8, "Impaired"),
    }
    assert [s.name for s in DISK_EVENT_TYPES.values() if s.code_confirmed] == [
        "Degraded",
        "Stalled",
    ]


def test_a_disk_being_initialised_is_initializing(sim: Simulation, disk: Disk) -> None:
    disk.status = "ReIniting"
    assert DiskEventLog().health(disk, sim.now) == "Initializing"
