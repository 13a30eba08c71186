"""The lifecycle table (core/lifecycle.py): which trigger moves which state where."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pytest_ecs_events.core.catalog import FINAL_STATES, EventState
from pytest_ecs_events.core.lifecycle import (
    TRANSITIONS,
    InstanceChange,
    Transition,
    Trigger,
    next_state,
)
from tests.helpers.simulation import S


def test_final_states_have_no_way_out() -> None:
    for (source, trigger), target in TRANSITIONS.items():
        assert source not in FINAL_STATES, (source, trigger)
        assert source is not target
    for state in FINAL_STATES:
        for trigger in Trigger:
            assert next_state(state, trigger) is None


@pytest.mark.parametrize(
    ("state", "trigger", "expected"),
    [
        (S.Scheduled, Trigger.NOT_BEFORE, S.Executing),
        (S.Executing, Trigger.EXECUTION_DONE, S.Executed),
        (S.Scheduled, Trigger.AVOID, S.Avoided),
        (S.Executing, Trigger.AVOID, None),
        (S.Scheduled, Trigger.CANCEL, S.Canceled),
        (S.Executing, Trigger.CANCEL, S.Canceled),
        (S.Inquiring, Trigger.CANCEL, None),
        (S.Inquiring, Trigger.ACCEPT, S.Executing),
        (S.Scheduled, Trigger.ACCEPT, None),
        (S.Inquiring, Trigger.NOT_BEFORE, None),
    ],
)
def test_next_state(state: EventState, trigger: Trigger, expected: EventState | None) -> None:
    assert next_state(state, trigger) is expected


@pytest.mark.parametrize("cls", [Transition, InstanceChange])
def test_the_written_init_makes_what_the_dataclass_init_makes(cls: type[Any]) -> None:
    """lifecycle._setting_slots: the same fields by position or keyword, still frozen."""
    names = [f.name for f in dataclasses.fields(cls)]
    plain = dataclasses.dataclass(frozen=True, slots=True)(
        type(cls.__name__, (), {"__annotations__": dict.fromkeys(names, "object")})
    )
    values = [f"v{k}" for k in range(len(names))]
    by_position = cls(*values)
    by_keyword = cls(**dict(zip(names, values, strict=True)))
    reference = plain(*values)
    assert by_position == by_keyword
    assert dataclasses.astuple(by_position) == dataclasses.astuple(reference) == tuple(values)
    assert repr(by_position).split("(", 1)[1] == repr(reference).split("(", 1)[1]
    assert hash(by_position) == hash(by_keyword)
    with pytest.raises(dataclasses.FrozenInstanceError):
        by_position.time = "changed"
    with pytest.raises(TypeError):
        cls(*values[:-1])
