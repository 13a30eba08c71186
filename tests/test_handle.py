"""The ``EcsHandle`` Protocol (handle.py): the argument normalisers both handles share, and
the public members it implements on top of a handle's primitives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.catalog import DEFAULT_CATALOG, Catalog, EventState
from pytest_ecs_events.core.clock import TimeFormatError, format_api_time
from pytest_ecs_events.core.lifecycle import Transition
from pytest_ecs_events.core.models import SystemEvent
from pytest_ecs_events.handle import (
    EcsHandle,
    Target,
    TimeAt,
    advance_target,
    id_list,
    matching_events,
    param_text,
    state_set,
    time_at,
)

UTC = timezone.utc
T0 = datetime(2024, 1, 1, tzinfo=UTC)
FAST = settings(max_examples=100, deadline=None, database=None, derandomize=True)
IDS = st.lists(st.text(min_size=1, max_size=8), max_size=5)


# ------------------------------------------------------------------------------ id_list
def test_id_list_of_one_id() -> None:
    assert id_list("i-1", "instance_ids") == ["i-1"]


@pytest.mark.parametrize("value", [["i-1", "i-2"], ("i-1", "i-2"), iter(["i-1", "i-2"])])
def test_id_list_of_an_iterable(value: Any) -> None:
    assert id_list(value, "instance_ids") == ["i-1", "i-2"]


@pytest.mark.parametrize("value", [42, None, ["i-1", 2], [b"i-1"], {"i-1": 1.5}.values()])
def test_id_list_names_the_argument_and_the_value(value: Any) -> None:
    with pytest.raises(TypeError, match=r"^event_ids must be a str or a list of str, got "):
        id_list(value, "event_ids")


@FAST
@given(ids=IDS)
def test_id_list_keeps_order_and_duplicates(ids: list[str]) -> None:
    assert id_list(ids, "x") == ids
    assert id_list(tuple(ids), "x") == ids


@FAST
@given(text=st.text(max_size=20))
def test_id_list_never_splits_a_str(text: str) -> None:
    assert id_list(text, "x") == [text]


# ---------------------------------------------------------------------------- state_set
def test_state_set_of_nothing_is_every_state() -> None:
    assert state_set(None) is None


@pytest.mark.parametrize("state", ["Executing", EventState.Executing])
def test_state_set_of_one_state(state: EventState | str) -> None:
    assert state_set(state) == {EventState.Executing}


def test_state_set_of_several() -> None:
    assert state_set(["Scheduled", EventState.Executed, "Scheduled"]) == {
        EventState.Scheduled,
        EventState.Executed,
    }
    assert state_set([]) == set()


def test_state_set_refuses_an_unknown_state() -> None:
    with pytest.raises(ValueError, match="Dozing"):
        state_set("Dozing")
    with pytest.raises(ValueError, match="Dozing"):
        state_set(["Scheduled", "Dozing"])


@FAST
@given(states=st.sets(st.sampled_from(list(EventState))), as_text=st.booleans())
def test_state_set_of_any_states(states: set[EventState], as_text: bool) -> None:
    given_states = [s.value if as_text else s for s in states]
    assert state_set(given_states) == states


# ---------------------------------------------------------------------- matching_events
def event(n: int, state: EventState, event_type: str) -> SystemEvent:
    return SystemEvent(f"e-{n}", "i-a", "cn-hangzhou", event_type, state, None, T0, True)


EVENTS = [
    event(0, EventState.Scheduled, "SystemMaintenance.Reboot"),
    event(1, EventState.Executed, "SystemMaintenance.Stop"),
    event(2, EventState.Executing, "SystemMaintenance.Reboot"),
    event(3, EventState.Scheduled, "SystemFailure.Reboot"),
]


def ids(events: list[SystemEvent]) -> list[str]:
    return [e.event_id for e in events]


def test_matching_events_without_a_filter_is_every_event_in_order() -> None:
    assert ids(matching_events(EVENTS, None, None)) == ["e-0", "e-1", "e-2", "e-3"]


def test_matching_events_by_state_type_or_both() -> None:
    assert ids(matching_events(EVENTS, "Scheduled", None)) == ["e-0", "e-3"]
    assert ids(matching_events(EVENTS, ["Executed", "Executing"], None)) == ["e-1", "e-2"]
    assert ids(matching_events(EVENTS, None, "SystemMaintenance.Reboot")) == ["e-0", "e-2"]
    assert ids(matching_events(EVENTS, "Scheduled", "SystemMaintenance.Reboot")) == ["e-0"]
    assert matching_events(EVENTS, [], None) == []
    assert matching_events(EVENTS, None, "Nope.Reboot") == []


def test_matching_events_reads_the_candidates_once() -> None:
    def once() -> Iterator[SystemEvent]:
        yield from EVENTS

    assert ids(matching_events(once(), EventState.Scheduled, None)) == ["e-0", "e-3"]


@FAST
@given(
    picked=st.lists(st.sampled_from(EVENTS)),
    states=st.none() | st.sets(st.sampled_from(list(EventState))),
    event_type=st.none() | st.sampled_from(sorted({e.event_type for e in EVENTS})),
)
def test_matching_events_is_an_order_keeping_filter(
    picked: list[SystemEvent], states: set[EventState] | None, event_type: str | None
) -> None:
    found = matching_events(picked, states, event_type)
    expected = [
        e
        for e in picked
        if (states is None or e.state in states) and event_type in (None, e.event_type)
    ]
    assert found == expected


# --------------------------------------------------------------------------- param_text
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (1.5, "1.5"),
        ("i-1", "i-1"),
        (datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=8))), "2024-01-01T00:00:00Z"),
        (["i-1", "i-2"], '["i-1", "i-2"]'),
        (("i-1",), '["i-1"]'),
        ([True, 3, T0], '["true", "3", "2024-01-01T00:00:00Z"]'),
        ([], "[]"),
    ],
)
def test_param_text(value: Any, text: str) -> None:
    assert param_text(value) == text


@FAST
@given(values=st.lists(st.booleans() | st.integers() | st.text(max_size=10), max_size=5))
def test_param_text_of_a_list_is_a_json_array_of_each_value_s_text(values: list[Any]) -> None:
    assert json.loads(param_text(values)) == [param_text(v) for v in values]


@FAST
@given(when=st.datetimes(timezones=st.just(UTC)))
def test_param_text_of_a_datetime_is_the_api_time(when: datetime) -> None:
    assert param_text(when) == format_api_time(when)


# ------------------------------------------------------------------------ advance_target
def test_advance_target_by_a_duration() -> None:
    until, label = advance_target("2h", to=None, parts=timedelta(0))
    assert until(T0) == T0 + timedelta(hours=2)
    assert label == "'2h'"


def test_advance_target_by_parts_and_a_duration_adds_them() -> None:
    until, label = advance_target("1h", to=None, parts=timedelta(minutes=30))
    assert until(T0) == T0 + timedelta(hours=1, minutes=30)
    assert label == "1:30:00"
    until, label = advance_target(None, to=None, parts=timedelta(seconds=90))
    assert until(T0) == T0 + timedelta(seconds=90)
    assert label == "0:01:30"


def test_advance_target_of_nothing_stays() -> None:
    until, label = advance_target(None, to=None, parts=timedelta(0))
    assert until(T0) == T0
    assert label == "0:00:00"


def test_advance_target_is_computed_from_now_when_the_move_starts() -> None:
    until, _ = advance_target(timedelta(minutes=5), to=None, parts=timedelta(0))
    later = T0 + timedelta(days=3)
    assert until(later) == later + timedelta(minutes=5)


def test_advance_target_to_a_time() -> None:
    until, label = advance_target(None, to="2024-01-01T10:00:00+08:00", parts=timedelta(0))
    assert until(T0) == datetime(2024, 1, 1, 2, tzinfo=UTC)
    assert until(T0 + timedelta(days=9)) == datetime(2024, 1, 1, 2, tzinfo=UTC)
    assert label == "to=2024-01-01T02:00:00Z"


@pytest.mark.parametrize(
    ("by", "parts"), [("1h", timedelta(0)), (None, timedelta(seconds=1)), ("0s", timedelta(0))]
)
def test_advance_target_to_and_a_duration_together_is_an_error(
    by: str | None, parts: timedelta
) -> None:
    with pytest.raises(TypeError, match="either 'to' or a duration"):
        advance_target(by, to=T0, parts=parts)


def test_advance_target_refuses_going_backwards() -> None:
    with pytest.raises(ValueError, match="cannot go backwards"):
        advance_target(None, to=None, parts=timedelta(seconds=-1))
    with pytest.raises(TimeFormatError, match="negative"):
        advance_target(timedelta(seconds=-1), to=None, parts=timedelta(0))
    with pytest.raises(TimeFormatError):
        advance_target("soonish", to=None, parts=timedelta(0))
    with pytest.raises(TimeFormatError):
        advance_target(None, to="the day after tomorrow", parts=timedelta(0))


@FAST
@given(
    by=st.integers(min_value=0, max_value=10**6),
    parts=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_advance_target_moves_by_the_sum(by: int, parts: timedelta) -> None:
    until, _ = advance_target(by, to=None, parts=parts)
    assert until(T0) == T0 + timedelta(seconds=by) + parts


# ------------------------------------------------------------- the members it implements
class RecordingHandle(EcsHandle):
    """The primitives only, recording what the shared members pass them."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []

    @property
    def now(self) -> datetime:
        return T0

    @property
    def catalog(self) -> Catalog:
        return DEFAULT_CATALOG

    def _advance(self, target: Target) -> list[Transition]:
        until, label = target
        self.seen.append(("advance", until(self.now), label))
        return []

    def _create_events(
        self, event_type: str, instance_ids: list[str], at: TimeAt, region: str | None
    ) -> list[SystemEvent]:
        self.seen.append(("create", event_type, instance_ids, at(self.now), region))
        return []

    def _reschedule_event(self, event_id: str, at: TimeAt) -> Any:
        self.seen.append(("reschedule", event_id, at(self.now)))

    def _inject_event(
        self,
        event_type: str,
        instance_id: str,
        at: TimeAt | None,
        state: EventState | str | None,
        reason: str | None,
    ) -> Any:
        when = at(self.now) if at is not None else None
        self.seen.append(("inject", event_type, instance_id, when, state, reason))

    def _fail_next(self, action: str, fault: dict[str, Any]) -> None:
        self.seen.append(("fail_next", action, fault))

    def _cancel_events(self, event_ids: list[str], region: str | None) -> list[SystemEvent]:
        self.seen.append(("cancel", event_ids, region))
        return []

    def _event_candidates(self, instance_id: str | None) -> list[SystemEvent]:
        self.seen.append(("candidates", instance_id))
        return EVENTS

    def _reboot_instances(self, instance_ids: list[str]) -> list[Any]:
        self.seen.append(("reboot", instance_ids))
        return []


def _advanced(by: Any, to: Any, **parts: float) -> tuple[Any, ...]:
    """What ``advance`` handed the primitive (the target at T0 and at its end, its label), or
    the error it raised, as something to compare."""
    handle = RecordingHandle()
    try:
        handle.advance(by, to=to, **parts)
    except Exception as exc:  # the error itself is what is compared
        return (type(exc), str(exc))
    return tuple(handle.seen)


@pytest.mark.parametrize(
    ("by", "to"),
    [
        ("3h", None), (None, None), (timedelta(minutes=5), None), (90, None), ("soonish", None),
        (-1, None), ("999999999d", None), (None, "2024-01-02T00:00:00Z"),
        ("1h", "2024-01-02T00:00:00Z"), (None, "the day after tomorrow"),
    ],
)  # fmt: skip
def test_advance_with_no_parts_given_is_advance_with_parts_of_zero(by: Any, to: Any) -> None:
    # No part given takes a shorter way than parts given as 0.0 (the general way): the same
    # target, label and errors.
    zero = _advanced(by, to, days=0.0, hours=0.0, minutes=0.0, seconds=0.0)
    assert _advanced(by, to) == zero
    assert _advanced(by, to, hours=0) == zero


def test_events_with_no_filter_are_every_candidate_in_a_list_of_their_own() -> None:
    handle = RecordingHandle()
    found = handle.events()
    assert found == EVENTS
    assert found == handle.events(state=list(EventState))
    found.clear()  # the caller's list: the candidates are untouched
    assert len(EVENTS) == len(handle.events(instance_id="i-a")) > 0
    assert handle.seen == [("candidates", None)] * 2 + [("candidates", "i-a")]


def test_the_shared_members_normalise_then_call_the_primitives() -> None:
    handle = RecordingHandle()
    handle.advance("1h", minutes=30)
    handle.advance(to="2024-01-02T00:00:00Z")
    handle.create_events("SystemMaintenance.Reboot", "i-a")
    handle.create_events("SystemMaintenance.Stop", ("i-a", "i-b"), "+2h", region="cn-beijing")
    handle.cancel_events("e-1")
    handle.cancel_events(["e-1", "e-2"], region="cn-beijing")
    handle.reboot_instances("i-a")
    found = handle.events(instance_id="i-a", state="Scheduled", event_type="SystemFailure.Reboot")
    assert ids(found) == ["e-3"]
    handle.reschedule_event("e-1", "+30m")
    handle.reschedule_event("e-2", datetime(2024, 1, 3, tzinfo=UTC))
    handle.inject_event("SystemFailure.Reboot", "i-a")
    handle.inject_event("SystemMaintenance.Redeploy", "i-b", not_before=timedelta(hours=3),
                        state="Inquiring", reason="disk")  # fmt: skip
    handle.fail_next("RebootInstance")
    handle.fail_next("*", code="ServiceUnavailable", status=503, times=2, fault="reset",
                     required=False)  # fmt: skip
    assert handle.seen == [
        ("advance", T0 + timedelta(hours=1, minutes=30), "1:30:00"),
        ("advance", datetime(2024, 1, 2, tzinfo=UTC), "to=2024-01-02T00:00:00Z"),
        ("create", "SystemMaintenance.Reboot", ["i-a"], T0 + timedelta(hours=1), None),
        ("create", "SystemMaintenance.Stop", ["i-a", "i-b"], T0 + timedelta(hours=2),
         "cn-beijing"),
        ("cancel", ["e-1"], None),
        ("cancel", ["e-1", "e-2"], "cn-beijing"),
        ("reboot", ["i-a"]),
        ("candidates", "i-a"),
        ("reschedule", "e-1", T0 + timedelta(minutes=30)),
        ("reschedule", "e-2", datetime(2024, 1, 3, tzinfo=UTC)),
        ("inject", "SystemFailure.Reboot", "i-a", None, None, None),
        ("inject", "SystemMaintenance.Redeploy", "i-b", T0 + timedelta(hours=3), "Inquiring",
         "disk"),
        ("fail_next", "RebootInstance",
         {"code": "Throttling", "status": 400, "message": None, "times": 1, "fault": None,
          "required": True}),
        ("fail_next", "*",
         {"code": "ServiceUnavailable", "status": 503, "message": None, "times": 2,
          "fault": "reset", "required": False}),
    ]  # fmt: skip


def test_the_shared_members_check_before_calling_a_primitive() -> None:
    handle = RecordingHandle()
    with pytest.raises(TypeError, match="instance_ids"):
        handle.create_events("SystemMaintenance.Reboot", 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="event_ids"):
        handle.cancel_events([1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="either 'to' or a duration"):
        handle.advance("1h", to=T0)
    with pytest.raises(ValueError, match="backwards"):
        handle.advance(hours=-1)
    assert handle.seen == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("+2h", T0 + timedelta(hours=2)), ("-90m", T0 - timedelta(minutes=90)),
     (timedelta(days=1), T0 + timedelta(days=1)),
     ("2024-05-01T00:00:00Z", datetime(2024, 5, 1, tzinfo=UTC)),
     (datetime(2024, 5, 1, 8, tzinfo=timezone(timedelta(hours=8))),
      datetime(2024, 5, 1, tzinfo=UTC))],
)  # fmt: skip
def test_time_at_resolves_against_the_now_it_is_given(value: Any, expected: datetime) -> None:
    at = time_at(value)
    assert at(T0) == expected
    if isinstance(value, timedelta) or str(value).startswith(("+", "-")):
        assert at(T0 + timedelta(hours=1)) == expected + timedelta(hours=1)  # relative


@pytest.mark.parametrize("value", ["tomorrow", "+2x", 42, None])
def test_time_at_raises_a_clear_error_when_evaluated(value: Any) -> None:
    at = time_at(value)  # evaluated when the handle acts, under its lock
    with pytest.raises(TimeFormatError, match="expected"):
        at(T0)
