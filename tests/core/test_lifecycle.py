"""The lifecycle table (core/lifecycle.py): which trigger moves which state where."""

from __future__ import annotations

import pytest

from pytest_ecs_events.core.catalog import FINAL_STATES, EventState
from pytest_ecs_events.core.lifecycle import TRANSITIONS, Trigger, next_state
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
