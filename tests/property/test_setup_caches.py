"""What the ``ecs_sim`` set-up keeps between tests gives what reading afresh gives: a kept
``ecs_event`` marker's relative ``not_before`` checked by one addition (at any "now", the
ends of the calendar included), both markers read in one walk, and the configuration's
set-up values (plugin/config.py SetupValues) read once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_ecs_events.plugin import config as plugin_config
from pytest_ecs_events.plugin import marker_names, markers
from pytest_ecs_events.plugin.markers import MarkerError, event_marks, item_marks, sim_settings

UTC = timezone.utc
NOWS = [
    datetime(2024, 5, 1, tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC) - timedelta(hours=1),
    datetime.min.replace(tzinfo=UTC) + timedelta(hours=1),
    datetime(9999, 12, 31, 20, tzinfo=UTC),
]
not_befores = st.sampled_from(
    ["+2h", " +30m ", "-1h", "-2d", "+0s", "2024-05-01T03:00:00Z", "9999-12-31T23:00:00Z",
     timedelta(hours=3), timedelta(hours=-3), timedelta(0), "+soon"]
)  # fmt: skip


def mark(not_before: object) -> pytest.Mark:
    return pytest.Mark(
        "ecs_event",
        ("SystemMaintenance.Reboot",),
        {"instance": "i-1", "not_before": not_before},
        _ispytest=True,
    )


def checked(marks: list[pytest.Mark], now: datetime) -> object:
    try:
        return [(m.not_before, m.mark) for m in event_marks(None, now=now, marks=marks)]  # type: ignore[arg-type]
    except MarkerError as exc:
        return f"MarkerError: {exc}"


@given(
    pool=st.lists(not_befores, min_size=1, max_size=4),
    steps=st.lists(
        st.tuples(st.lists(st.integers(0, 3), max_size=3), st.integers(0, len(NOWS) - 1)),
        min_size=1,
        max_size=10,
    ),
)
def test_a_kept_not_before_is_checked_as_afresh_at_any_now(
    pool: list[object], steps: list[tuple[list[int], int]]
) -> None:
    marks = [mark(nb) for nb in pool]
    markers._CHECKED_EVENTS.clear()
    for picks, which in steps:
        chosen = [marks[i % len(marks)] for i in picks]
        now = NOWS[which]
        kept = checked(chosen, now)
        before = dict(markers._CHECKED_EVENTS)
        markers._CHECKED_EVENTS.clear()
        assert kept == checked(chosen, now)
        markers._CHECKED_EVENTS.clear()
        markers._CHECKED_EVENTS.update(before)
    markers._CHECKED_EVENTS.clear()


class Item:
    """iter_markers as pytest's: every marker closest first, or those of one name."""

    def __init__(self, marks: list[Any]) -> None:
        self.marks = marks

    def iter_markers(self, name: str | None = None) -> Iterator[Any]:
        return iter([m for m in self.marks if name is None or getattr(m, "name", None) == name])


names = st.sampled_from(["ecs_sim", "ecs_event", "parametrize", "skipif", "ecs_simx"])


@given(st.lists(names, max_size=8))
def test_one_walk_reads_what_two_walks_read(chosen: list[str]) -> None:
    marks = [pytest.Mark(n, (), {"seed": i} if n == "ecs_sim" else {}, _ispytest=True)
             for i, n in enumerate(chosen)]  # fmt: skip
    item = Item(marks)
    sims, events = item_marks(item)  # type: ignore[arg-type]
    assert sims == list(item.iter_markers("ecs_sim"))
    assert events == list(item.iter_markers("ecs_event"))
    assert sim_settings(item, sims) == sim_settings(item)  # type: ignore[arg-type]


class Config:
    """What SetupValues reads of a configuration; counts the reads."""

    def __init__(self, ini: dict[str, Any], live: bool) -> None:
        self.ini = ini
        self.live = live
        self.stash = pytest.Stash()
        self.reads = 0

    def getini(self, name: str) -> Any:
        self.reads += 1
        return self.ini[name]

    def getoption(self, name: str, default: Any = None) -> Any:
        self.reads += 1
        assert name == "ecs_live"
        return self.live


ini_values = st.fixed_dictionaries(
    {
        "ecs_sim_region": st.sampled_from(["", "cn-beijing", "my-region"]),
        "ecs_sim_extra_regions": st.sampled_from([[], ["my-region"], ["a", "b"]]),
        "ecs_sim_patch_time": st.sampled_from([True, False, "", "x"]),
        "ecs_sim_execution_duration": st.sampled_from(["", "30s", "2m", "soon", "-1s"]),
    }
)


def duration_afresh(config: Config, marked: timedelta | None) -> object:
    try:
        return plugin_config.execution_duration(marked, config)  # type: ignore[arg-type]
    except MarkerError as exc:
        return f"MarkerError: {exc}"


@given(ini_values, st.booleans(), st.lists(st.sampled_from([None, timedelta(0), timedelta(5)])))
def test_setup_values_are_the_configuration_read_afresh(
    ini: dict[str, Any], live: bool, marked: list[timedelta | None]
) -> None:
    config = Config(ini, live)
    values = plugin_config.setup_values(config)  # type: ignore[arg-type]
    assert plugin_config.setup_values(config) is values  # type: ignore[arg-type]
    assert values.live == bool(config.getoption("ecs_live", False))
    assert values.region == plugin_config.ini_region(config)  # type: ignore[arg-type]
    assert values.extra_regions == plugin_config.ini_extra_regions(config)  # type: ignore[arg-type]
    assert values.patch_time == bool(config.getini("ecs_sim_patch_time"))
    for given_duration in marked:
        try:
            kept: object = values.execution_duration(given_duration)
        except MarkerError as exc:
            kept = f"MarkerError: {exc}"
        assert kept == duration_afresh(config, given_duration)


def test_setup_values_read_the_configuration_once() -> None:
    config = Config(
        {"ecs_sim_region": "", "ecs_sim_extra_regions": [], "ecs_sim_patch_time": False,
         "ecs_sim_execution_duration": "2m"},
        live=False,
    )  # fmt: skip
    values = plugin_config.setup_values(config)  # type: ignore[arg-type]
    assert values.execution_duration(None) == timedelta(minutes=2)
    reads = config.reads
    for _ in range(3):
        again = plugin_config.setup_values(config)  # type: ignore[arg-type]
        assert again.execution_duration(None) == timedelta(minutes=2)
    assert config.reads == reads


def test_the_own_walk_reads_what_pytest_walks(ecs_pytester: pytest.Pytester) -> None:
    items = ecs_pytester.getitems(
        """
        import pytest
        pytestmark = [pytest.mark.ecs_sim(seed=1), pytest.mark.ecs_event("SystemFailure.Reboot")]

        @pytest.mark.ecs_sim(region="cn-beijing")
        class TestX:
            @pytest.mark.parametrize("n", [1, pytest.param(2, marks=pytest.mark.ecs_sim(seed=3))])
            @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-1")
            @pytest.mark.skipif(False, reason="no")
            @pytest.mark.ecs_event("SystemMaintenance.Redeploy", instance="i-2")
            def test_x(self, n): pass

        def test_y(): pass
        """
    )
    assert len(items) == 3
    items[2].add_marker(pytest.mark.ecs_event("SystemMaintenance.Stop"))
    items[2].add_marker(pytest.mark.ecs_sim(seed=9), append=False)
    for item in items:
        assert marker_names._reads_own_markers(type(item))
        assert item_marks(item) == (
            list(item.iter_markers("ecs_sim")),
            list(item.iter_markers("ecs_event")),
        )
    assert [len(item_marks(item)[1]) for item in items] == [3, 3, 2]


def test_an_item_class_with_its_own_walk_is_walked_its_way(ecs_pytester: pytest.Pytester) -> None:
    (item,) = ecs_pytester.getitems(
        """
        import pytest
        @pytest.mark.ecs_event("SystemMaintenance.Reboot")
        def test_x(): pass
        """
    )

    class Reversed(type(item)):  # type: ignore[misc]
        def iter_markers(self, name: str | None = None) -> Iterator[pytest.Mark]:
            return reversed([*super().iter_markers(name), pytest.mark.ecs_sim(seed=5).mark])

    assert not marker_names._reads_own_markers(Reversed)
    item.__class__ = Reversed
    sims, events = item_marks(item)
    assert [m.kwargs for m in sims] == [{"seed": 5}]
    assert [m.args for m in events] == [("SystemMaintenance.Reboot",)]
