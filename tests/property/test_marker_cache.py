"""The ``ecs_event`` markers checked once per marker object (plugin/markers.py) give, for
any marker, catalog and "now", in any order and with repeats, the events or the error that
checking each marker afresh gives."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_ecs_events.core.catalog import DEFAULT_CATALOG, Catalog
from pytest_ecs_events.plugin import markers
from pytest_ecs_events.plugin.markers import EventMark, MarkerError, event_marks

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)
# a catalog where SystemMaintenance.Reboot cannot be simulated and Custom.Event is known
OTHER_CATALOG = DEFAULT_CATALOG.with_changes(
    event_types=[
        dataclasses.replace(DEFAULT_CATALOG.spec("SystemMaintenance.Reboot"), simulatable=False),
        dataclasses.replace(DEFAULT_CATALOG.spec("SystemFailure.Reboot"), name="Custom.Event"),
    ]
)

event_types = st.sampled_from(
    [
        "SystemMaintenance.Reboot",
        "SystemFailure.Reboot",
        "Nope",
        3,
        *sorted(DEFAULT_CATALOG.event_types)[:4],
    ]
)
instance_values = st.sampled_from([None, "i-1", ["i-1", "i-2"], [], [""], 5, {"a": 1}])
not_befores = st.sampled_from(["+2h", "+1h", "-1h", "2024-05-01T03:00:00Z", "soon", 7, None])
marker_kwargs = st.fixed_dictionaries(
    {},
    optional={
        "instance": instance_values,
        "instances": instance_values,
        "not_before": not_befores,
        "platform": st.sampled_from([True, False, "yes"]),
        "state": st.sampled_from(["Executed", "Executing", "Bogus"]),
        "reason": st.sampled_from(["why", 3]),
        "unknown": st.just(1),
    },
)
random_marker = st.builds(
    lambda event_type, kwargs: pytest.Mark("ecs_event", (event_type,), kwargs, _ispytest=True),
    event_types,
    marker_kwargs,
)
valid_marker = st.builds(
    lambda event_type, instance, not_before, platform: pytest.Mark(
        "ecs_event",
        (event_type,),
        {"instance": instance, "not_before": not_before, "platform": platform},
        _ispytest=True,
    ),
    st.sampled_from(["SystemMaintenance.Reboot", "SystemFailure.Reboot", "Custom.Event"]),
    st.sampled_from(["i-1", ["i-1", "i-2"]]),
    st.sampled_from(["+2h", "-1h", "2024-05-01T03:00:00Z"]),
    st.booleans(),
)
a_marker = st.one_of(valid_marker, random_marker)


class Item:
    """What event_marks reads of an item: its markers, closest first."""

    def __init__(self, marks: list[pytest.Mark]) -> None:
        self.marks = marks

    def iter_markers(self, name: str) -> Iterator[pytest.Mark]:
        assert name == "ecs_event"
        return iter(self.marks)


def outcome(item: Item, now: datetime, catalog: Catalog) -> list[EventMark] | str:
    try:
        return event_marks(item, now=now, catalog=catalog)  # type: ignore[arg-type]
    except MarkerError as exc:
        return f"MarkerError: {exc}"


def fresh(item: Item, now: datetime, catalog: Catalog) -> list[EventMark] | str:
    markers._CHECKED_EVENTS.clear()
    try:
        return outcome(item, now, catalog)
    finally:
        markers._CHECKED_EVENTS.clear()


def fields(result: list[EventMark] | str) -> Any:
    """Everything of each event mark, the marker object itself included."""
    if isinstance(result, str):
        return result
    return [(m.event_type, m.instances, m.not_before, m.platform, m.state, m.reason, m.mark)
            for m in result]  # fmt: skip


@given(
    pool=st.lists(a_marker, min_size=1, max_size=5),
    steps=st.lists(
        st.tuples(
            st.lists(st.integers(0, 4), min_size=0, max_size=3),
            st.integers(-48, 48),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_checked_once_is_checked_afresh(pool: list[pytest.Mark], steps: Any) -> None:
    markers._CHECKED_EVENTS.clear()
    for picks, hours, other_catalog in steps:
        item = Item([pool[i % len(pool)] for i in picks])
        now = NOW + timedelta(hours=hours)
        catalog = OTHER_CATALOG if other_catalog else DEFAULT_CATALOG
        kept = outcome(item, now, catalog)
        cached_before = dict(markers._CHECKED_EVENTS)
        assert fields(kept) == fields(fresh(item, now, catalog))
        markers._CHECKED_EVENTS.update(cached_before)  # go on with what was kept


def test_a_parametrized_test_reads_its_marker_once(ecs_pytester: pytest.Pytester) -> None:
    items = ecs_pytester.getitems(
        """
        import pytest
        @pytest.mark.parametrize("n", range(3))
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-1", not_before="+2h")
        def test_x(n): pass
        """
    )
    markers._CHECKED_EVENTS.clear()
    first, *others = [event_marks(item, now=NOW) for item in items]
    assert len(markers._CHECKED_EVENTS) == 1
    assert all(marks == first and marks[0] is first[0] for marks in others)


class Config:
    """What ini_execution_duration reads of a config."""

    def __init__(self, raw: str) -> None:
        self.raw = raw

    def getini(self, name: str) -> str:
        assert name == "ecs_sim_execution_duration"
        return self.raw


@given(st.lists(st.sampled_from(["30s", "2m", "1h30m", "", "0s", "soon", "-5s", "90"]), max_size=8))
def test_the_ini_duration_parsed_once_is_parsed_afresh(raws: list[str]) -> None:
    from pytest_ecs_events.core.clock import TimeFormatError, parse_duration
    from pytest_ecs_events.plugin import config

    def afresh(raw: str) -> object:
        try:
            return parse_duration(raw or "30s")
        except TimeFormatError as exc:
            return f"ini option ecs_sim_execution_duration = {raw or '30s'!r}: {exc}"

    for raw in raws:
        try:
            kept: object = config.ini_execution_duration(Config(raw))  # type: ignore[arg-type]
        except MarkerError as exc:
            kept = str(exc)
        assert kept == afresh(raw)
