"""The simulation under test, and what checks that a refused call changed nothing: shared by
the tests of ``core/simulation.py`` (``tests/core/test_simulation_*.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

from pytest_ecs_events.core.catalog import EventState, InstanceStatus
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.lifecycle import InstanceChange, Transition
from pytest_ecs_events.core.models import SystemEvent
from pytest_ecs_events.core.simulation import Simulation, SimulationConfig

UTC = timezone.utc
T0 = datetime(2018, 8, 22, 10, 39, 49, tzinfo=UTC)
SEC = timedelta(seconds=1)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
S = EventState

MAINTENANCE = ("SystemMaintenance.Reboot", "SystemMaintenance.Stop", "SystemMaintenance.Redeploy")
FAILURE = (
    "SystemFailure.Reboot",
    "SystemFailure.Redeploy",
    "SystemFailure.Stop",
    "InstanceFailure.Reboot",
)
SIMULATABLE = MAINTENANCE + FAILURE
INSTANCES = ("i-a", "i-b", "i-c")


def make_sim(*, seed: int = 1234, **config: object) -> Simulation:
    sim = Simulation(now=T0, config=SimulationConfig(seed=seed, **config))  # type: ignore[arg-type]
    for iid in INSTANCES:
        sim.add_instance(iid)
    sim.add_instance("i-bj", region="cn-beijing")
    return sim


def snapshot(sim: Simulation) -> tuple[object, ...]:
    """Everything a refused call must leave as it was."""
    store = sim.store
    events = tuple(
        sorted(
            (
                e.event_id, e.instance_id, e.state, tuple(e.history), e.not_before,
                e.finish_time, e.execute_start_time, tuple(sorted(e.extended.items())),
                e.reason_code,
            )
            for e in store.events.values()
        )
    )  # fmt: skip
    instances = tuple(
        sorted((i.instance_id, i.status, i.released) for i in store.instances.values())
    )
    indexes = tuple(
        (s, frozenset(e.event_id for e in store.events_in_state(s))) for s in EventState
    )
    counts = tuple(store.count([s], simulated=sim_) for s in EventState for sim_ in (True, False))
    return events, instances, indexes, counts, store.pending_timers(), sim.now


class Recorder:
    def __init__(self) -> None:
        self.changes: list[Transition | InstanceChange] = []

    def __call__(self, change: Transition | InstanceChange) -> None:
        self.changes.append(change)

    def instance(self, iid: str) -> list[InstanceStatus | None]:
        return [
            c.new_status
            for c in self.changes
            if isinstance(c, InstanceChange) and c.instance_id == iid
        ]


@contextmanager
def refused(sim: Simulation, code: str, status: int) -> Iterator[pytest.ExceptionInfo[EcsApiError]]:
    """The call in the block must fail with ``code``/``status`` and change nothing."""
    before = snapshot(sim)
    recorder = Recorder()
    sim.observers.append(recorder)
    try:
        with pytest.raises(EcsApiError) as info:
            yield info
    finally:
        sim.observers.remove(recorder)
    assert (info.value.code, info.value.status) == (code, status), info.value
    assert snapshot(sim) == before
    assert recorder.changes == []


def states(events: list[SystemEvent]) -> list[EventState]:
    return [e.state for e in events]


def scheduled_mix(sim: Simulation) -> dict[str, SystemEvent]:
    """One event of every simulatable type on i-a, and a maintenance reboot on i-b."""
    nb = T0 + HOUR
    events = {t: sim.create_simulated_events(t, ["i-a"], nb)[0] for t in SIMULATABLE}
    events["other"] = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-b"], nb)[0]
    return events
