"""The lifecycle table (core/lifecycle.py): which trigger moves which state where."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.catalog import FINAL_STATES, EventState, InstanceStatus
from pytest_ecs_events.core.lifecycle import (
    TRANSITIONS,
    InstanceChange,
    Transition,
    Trigger,
    _drafting,
    new_instance_change,
    new_transition,
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


# ``new_transition`` and ``new_instance_change`` (core/lifecycle.py ``_drafting``): the records
# the simulation makes the cheap way are the records the class makes, as a user sees them.

_ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5))
_STATES = st.one_of(st.none(), st.sampled_from(list(EventState)))
_TIMES = st.datetimes(timezones=st.just(timezone.utc))


@settings(max_examples=100, deadline=None)
@given(st.tuples(_TIMES, st.text(max_size=8), st.text(max_size=8), st.text(max_size=8),
                 _STATES, st.sampled_from(list(EventState)), st.booleans(),
                 st.text(max_size=8)))  # fmt: skip
def test_a_drafted_transition_is_the_transition_the_class_makes(values: Any) -> None:
    made, drafted = Transition(*values), new_transition(*values)
    assert new_transition is not Transition  # CPython 3.11: the draft becomes one
    _same_record(made, drafted)
    assert str(drafted) == str(made)


@settings(max_examples=60, deadline=None)
@given(st.tuples(_TIMES, st.text(max_size=8), st.sampled_from([None, *InstanceStatus]),
                 st.sampled_from([None, *InstanceStatus]), _ANY))  # fmt: skip
def test_a_drafted_instance_change_is_the_one_the_class_makes(values: Any) -> None:
    made, drafted = InstanceChange(*values), new_instance_change(*values)
    _same_record(made, drafted)
    assert str(drafted) == str(made)


def _same_record(made: Any, drafted: Any) -> None:
    assert type(drafted) is type(made)
    assert drafted == made
    assert hash(drafted) == hash(made)
    assert repr(drafted) == repr(made)
    assert dataclasses.astuple(drafted) == dataclasses.astuple(made)
    assert dataclasses.replace(drafted) == made
    assert pickle.loads(pickle.dumps(drafted)) == made
    assert copy.copy(drafted) == made
    assert drafted.kind == made.kind
    with pytest.raises(dataclasses.FrozenInstanceError):
        drafted.time = None
    # Any other name: whatever the class's own record raises (CPython 3.11's frozen slots
    # dataclass raises a TypeError from its __setattr__'s super()).
    raised = []
    for record in (made, drafted):
        with pytest.raises(Exception) as caught:
            record.other = 1
        raised.append((type(caught.value), str(caught.value)))
    assert raised[0] == raised[1]


def test_a_record_of_another_layout_is_made_by_its_class() -> None:
    """Where the draft cannot become the record (here: a base giving it a ``__dict__``, or
    no slots at all), the maker is the class itself."""

    class Base:
        pass

    @dataclasses.dataclass(frozen=True, slots=True)
    class WithDict(Base):
        a: int
        b: str

    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        a: int

    assert _drafting(WithDict) is WithDict
    assert _drafting(Unslotted) is Unslotted
    assert _drafting(Transition) is not Transition
