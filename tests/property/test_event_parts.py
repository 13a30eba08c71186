"""The events created together share one immutable part (core/models.py, ``_Shared``): after
every step of random scripts, every event reads exactly as the same event of a simulation
that shares nothing (each event its own part, made afresh at every change)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.core import models
from pytest_ecs_events.core.models import SystemEvent

from .test_answer_cache import _apply

START = "2024-05-01T00:00:00Z"
INSTANCES = ["i-0", "i-1", "i-2"]

steps = st.lists(
    st.tuples(st.sampled_from(["batch", "drill", "inquire", "advance", "cancel", "reboot",
                               "stop", "start", "reschedule", "accept", "nothing"]),
              st.integers(0, 2), st.integers(1, 50)),
    max_size=15,
)  # fmt: skip


def _unshared_part(values: tuple[object, ...], seq: int) -> Any:
    part = models._Shared.__new__(models._Shared)
    for name, value in zip(models._SHARED_FIELDS, (*values, seq), strict=True):
        setattr(part, name, value)
    part.successor = None
    return part, 0


def _view(event: SystemEvent) -> tuple[Any, ...]:
    """Everything the record shows (the public fields, the history, the counters)."""
    return (
        event.event_id, event.instance_id, event.region, event.event_type, event.state,
        event.not_before, event.publish_time, event.finish_time, event.execute_start_time,
        event.simulated, event.reason, event.reason_code, event.impact_level,
        dict(event.extended), event.history, event.trail, event.seq, event.version,
        event.revision, repr(event),
    )  # fmt: skip


def _step(sim: EcsSimulator, what: str, index: int, hours: int) -> None:
    with contextlib.suppress(EcsApiError):  # refused: nothing changes, on both sides alike
        if what == "batch":
            sim.create_events("SystemMaintenance.Reboot", INSTANCES, f"+{hours}h")
        elif what == "reschedule" and (scheduled := sim.events(state="Scheduled")):
            sim.reschedule_event(scheduled[index % len(scheduled)].event_id, f"+{hours}h")
        elif what == "accept" and (inquiring := sim.events(state="Inquiring")):
            sim.accept_event(inquiring[0].event_id)
        else:
            _apply(sim, what, index, hours)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
# Events of one part changed apart: canceled at two times, rescheduled to two times.
@example([("batch", 0, 9), ("cancel", 0, 1), ("advance", 0, 1), ("cancel", 0, 1)])
@example([("batch", 0, 9), ("reschedule", 0, 3), ("reschedule", 1, 4), ("advance", 0, 20)])
def test_shared_parts_read_as_parts_of_their_own(script: list[tuple[str, int, int]]) -> None:
    shared = EcsSimulator(now=START, instances=INSTANCES, seed=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(models, "_evolve", models._changed)
        patch.setattr(models, "_new_shared", _unshared_part)
        alone = EcsSimulator(now=START, instances=INSTANCES, seed=2)
    for what, index, hours in [("batch", 0, 1), *script]:
        _step(shared, what, index, hours)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(models, "_evolve", models._changed)
            patch.setattr(models, "_new_shared", _unshared_part)
            _step(alone, what, index, hours)
        assert [_view(e) for e in shared.events()] == [_view(e) for e in alone.events()]
    parts = [e._part for e in alone.events()]
    assert len({id(p) for p in parts}) == len(parts)  # the other side really shares nothing


def test_events_created_together_share_one_part_until_one_changes() -> None:
    sim = EcsSimulator(now=START, instances=INSTANCES, seed=2)
    events = sim.create_events("SystemMaintenance.Reboot", INSTANCES, "+1h")
    assert len({id(e._part) for e in events}) == 1
    sim.advance("2h")
    assert len({id(e._part) for e in events}) == 1
    assert all(e.state == "Executed" for e in events)
    sim.simulation.get_event(events[0].event_id).reason = "changed"
    assert [e.reason for e in events][1:] == [events[1].reason] * 2
    assert events[0].reason == "changed" != events[1].reason
