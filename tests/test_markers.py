"""Reading and merging the ``ecs_sim`` / ``ecs_event`` markers (``markers.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pytest_ecs_events import EventState
from pytest_ecs_events.core.catalog import DEFAULT_CATALOG, Category, EventTypeSpec
from pytest_ecs_events.plugin.markers import MarkerError, SimSettings, event_marks, sim_settings

UTC = timezone.utc
NOW = datetime(2024, 5, 1, tzinfo=UTC)


def item_named(pytester: pytest.Pytester, source: str, name: str) -> pytest.Item:
    items = pytester.getitems(source)
    return next(i for i in items if i.name == name)


def test_no_markers_gives_defaults(ecs_pytester: pytest.Pytester) -> None:
    item = item_named(ecs_pytester, "def test_x(): pass", "test_x")
    assert sim_settings(item) == SimSettings()
    assert event_marks(item, now=NOW) == []


def test_sim_values_are_converted(ecs_pytester: pytest.Pytester) -> None:
    item = item_named(
        ecs_pytester,
        """
        import pytest
        @pytest.mark.ecs_sim(now="2018-08-22T18:39:49+08:00", region="cn-beijing",
                             instances="i-one", credentials={"AK": "SECRET"},
                             execution_duration="2m", seed=7, account_id="42")
        def test_x(): pass
        """,
        "test_x",
    )
    settings = sim_settings(item)
    assert settings.now == datetime(2018, 8, 22, 10, 39, 49, tzinfo=UTC)
    assert settings.region == "cn-beijing"
    assert settings.instances == ("i-one",)
    assert settings.credentials == {"AK": "SECRET"}
    assert settings.execution_duration == timedelta(minutes=2)
    assert settings.seed == 7
    assert settings.account_id == "42"
    assert "now" in settings.live_only_keys


def test_closest_sim_marker_wins_per_key(ecs_pytester: pytest.Pytester) -> None:
    items = ecs_pytester.getitems(
        """
        import pytest
        pytestmark = pytest.mark.ecs_sim(region="cn-shanghai", instances=["i-mod"],
                                         now="2020-01-01T00:00:00Z", seed=1)

        @pytest.mark.ecs_sim(region="cn-beijing", seed=2)
        class TestGroup:
            @pytest.mark.ecs_sim(now="2021-06-01T00:00:00Z")
            def test_function_level(self): pass

            def test_class_level(self): pass

        def test_module_level(): pass
        """
    )
    by_name = {i.name: sim_settings(i) for i in items}
    function = by_name["test_function_level"]
    assert function.now == datetime(2021, 6, 1, tzinfo=UTC)
    assert function.region == "cn-beijing"
    assert function.seed == 2
    assert function.instances == ("i-mod",)
    klass = by_name["test_class_level"]
    assert klass.now == datetime(2020, 1, 1, tzinfo=UTC)
    assert (klass.region, klass.seed) == ("cn-beijing", 2)
    module = by_name["test_module_level"]
    assert (module.region, module.seed) == ("cn-shanghai", 1)


def test_two_sim_markers_on_one_function_the_one_next_to_def_wins(
    ecs_pytester: pytest.Pytester,
) -> None:
    item = item_named(
        ecs_pytester,
        """
        import pytest
        @pytest.mark.ecs_sim(region="cn-shanghai", seed=1)
        @pytest.mark.ecs_sim(region="cn-beijing")
        def test_x(): pass
        """,
        "test_x",
    )
    settings = sim_settings(item)
    assert settings.region == "cn-beijing"
    assert settings.seed == 1


def test_event_marks_in_written_order(ecs_pytester: pytest.Pytester) -> None:
    items = ecs_pytester.getitems(
        """
        import pytest
        pytestmark = pytest.mark.ecs_event("SystemFailure.Stop", instance="i-mod")

        @pytest.mark.ecs_event("SystemFailure.Redeploy", instance="i-cls")
        class TestGroup:
            @pytest.mark.ecs_event("SystemMaintenance.Reboot", instances=["i-a", "i-b"],
                                   not_before="+2h")
            @pytest.mark.ecs_event("SystemFailure.Reboot", instance="i-c", not_before="+10m")
            @pytest.mark.ecs_event("SystemMaintenance.Stop")
            def test_x(self): pass
        """
    )
    (item,) = items
    marks = event_marks(item, now=NOW)
    assert [(m.event_type, m.instances) for m in marks] == [
        ("SystemFailure.Stop", ("i-mod",)),
        ("SystemFailure.Redeploy", ("i-cls",)),
        ("SystemMaintenance.Reboot", ("i-a", "i-b")),
        ("SystemFailure.Reboot", ("i-c",)),
        ("SystemMaintenance.Stop", ()),
    ]
    assert [m.not_before for m in marks] == ["+1h", "+1h", "+2h", "+10m", "+1h"]
    assert not any(m.platform for m in marks)
    assert "@pytest.mark.ecs_event('SystemFailure.Reboot'" in marks[3].text
    assert "instance='i-c'" in marks[3].text


def test_platform_event_mark(ecs_pytester: pytest.Pytester) -> None:
    item = item_named(
        ecs_pytester,
        """
        import pytest
        @pytest.mark.ecs_event("SystemFailure.Delete", "i-a", platform=True, state="Executing",
                               reason="disk")
        def test_x(): pass
        """,
        "test_x",
    )
    (mark,) = event_marks(item, now=NOW)
    assert mark.platform is True
    assert mark.state is EventState.Executing
    assert mark.reason == "disk"
    assert mark.instances == ("i-a",)


def test_event_marks_use_the_given_catalog(ecs_pytester: pytest.Pytester) -> None:
    item = item_named(
        ecs_pytester,
        """
        import pytest
        @pytest.mark.ecs_event("Custom.Thing", instance="i-a")
        def test_x(): pass
        """,
        "test_x",
    )
    with pytest.raises(MarkerError, match=r"unknown event type 'Custom\.Thing'"):
        event_marks(item, now=NOW)
    custom = DEFAULT_CATALOG.with_changes(
        event_types=[
            EventTypeSpec("Custom.Thing", 4242, True, Category.MAINTENANCE, simulatable=True)
        ]
    )
    (mark,) = event_marks(item, now=NOW, catalog=custom)
    assert mark.event_type == "Custom.Thing"


@pytest.mark.parametrize(
    ("decorator", "fragments"),
    [
        ('ecs_sim(now="soon")', ["now='soon'"]),
        ('ecs_sim(regoin="cn-beijing")', ["regoin"]),
        ('ecs_sim("cn-beijing")', ["@pytest.mark.ecs_sim('cn-beijing')"]),
        ("ecs_sim(region=5)", ["region=5"]),
        ('ecs_sim(credentials=["AK", "SECRET"])', ["credentials=['AK', 'SECRET']"]),
        ('ecs_sim(credentials={"AK": 1})', ["credentials={'AK': 1}"]),
        ('ecs_sim(execution_duration="forever")', ["execution_duration='forever'"]),
        ("ecs_sim(instances=[])", ["instances"]),
        ("ecs_sim(seed=True)", ["seed=True"]),
    ],
)
def test_bad_sim_markers(
    ecs_pytester: pytest.Pytester, decorator: str, fragments: list[str]
) -> None:
    item = item_named(
        ecs_pytester, f"import pytest\n@pytest.mark.{decorator}\ndef test_x(): pass\n", "test_x"
    )
    with pytest.raises(MarkerError) as info:
        sim_settings(item)
    message = str(info.value)
    assert "@pytest.mark.ecs_sim(" in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("decorator", "fragments"),
    [
        ('ecs_event("SystemMaintenance.Bogus")', ["'SystemMaintenance.Bogus'", "unknown"]),
        ("ecs_event(42)", ["42"]),
        ('ecs_event(instance="i-a")', ["event_type"]),
        ('ecs_event("SystemMaintenance.Reboot", instance_id="i-a")', ["instance_id"]),
        ('ecs_event("SystemMaintenance.Reboot", instance="i-a", instances=["i-b"])',
         ["instance=", "instances="]),
        ('ecs_event("SystemMaintenance.Reboot", instance="")', ["instance=''"]),
        ('ecs_event("SystemMaintenance.Reboot", instances=[1])', ["instances=[1]"]),
        ('ecs_event("SystemMaintenance.Reboot", not_before="someday")', ["not_before='someday'"]),
        ('ecs_event("SystemMaintenance.Reboot", not_before=3.5j)', ["not_before=3.5j"]),
        ('ecs_event("SystemFailure.Delete")', ["'SystemFailure.Delete'", "platform=True"]),
        ('ecs_event("SystemMaintenance.Reboot", state="Inquiring")',
         ["state='Inquiring'", "platform=True"]),
        ('ecs_event("SystemMaintenance.Reboot", platform=True, state="Sleeping")',
         ["state='Sleeping'"]),
        ('ecs_event("SystemMaintenance.Reboot", platform="yes")', ["platform='yes'"]),
        ('ecs_event("SystemMaintenance.Reboot", platform=True, reason=5)', ["reason=5"]),
    ],
)  # fmt: skip
def test_bad_event_markers(
    ecs_pytester: pytest.Pytester, decorator: str, fragments: list[str]
) -> None:
    item = item_named(
        ecs_pytester, f"import pytest\n@pytest.mark.{decorator}\ndef test_x(): pass\n", "test_x"
    )
    with pytest.raises(MarkerError) as info:
        event_marks(item, now=NOW)
    message = str(info.value)
    assert "@pytest.mark.ecs_event(" in message
    for fragment in fragments:
        assert fragment in message


def test_merged_markers_configure_the_fixture(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.ecs_sim(region="cn-beijing", now="2020-01-01T00:00:00Z")

        @pytest.mark.ecs_sim(instances=["i-cls"], execution_duration="1m")
        @pytest.mark.ecs_event("SystemFailure.Reboot", instance="i-cls", not_before="+5m")
        class TestGroup:
            @pytest.mark.ecs_sim(now="2021-01-01T00:00:00Z")
            @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-fn")
            def test_x(self, ecs_sim):
                assert ecs_sim.region == "cn-beijing"
                assert ecs_sim.now.isoformat() == "2021-01-01T00:00:00+00:00"
                assert sorted(i.instance_id for i in ecs_sim.instances) == ["i-cls", "i-fn"]
                assert [e.event_type for e in ecs_sim.events()] == [
                    "SystemFailure.Reboot", "SystemMaintenance.Reboot"]
                (reboot,) = ecs_sim.events(instance_id="i-fn")
                assert reboot.not_before.isoformat() == "2021-01-01T01:00:00+00:00"
                ecs_sim.advance("1h59s")
                assert reboot.state == "Executing"
                ecs_sim.advance("1s")
                assert reboot.state == "Executed"
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
