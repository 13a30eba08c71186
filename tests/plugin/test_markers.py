"""The ``ecs_sim`` / ``ecs_event`` markers (plugin/markers.py): reading and merging them, and
through ``pytester`` their registration, misuse failing only that test at setup, the events
they create before the body, and credentials."""

from __future__ import annotations

import textwrap
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


# ------------------------------------------------------------ registration, strict markers
def test_markers_are_registered(ecs_pytester: pytest.Pytester) -> None:
    result = ecs_pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.ecs_sim(now=None, region=None*", "@pytest.mark.ecs_event(event_type*"]
    )
    assert result.ret == 0


def test_markers_work_with_strict_markers(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(region="cn-beijing", instances=["i-a"])
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        def test_marked(ecs_sim):
            assert len(ecs_sim.events()) == 1

        @pytest.mark.ecs_simm
        def test_typo():
            pass
        """
    )
    result = ecs_pytester.runpytest("--strict-markers", "-p", "no:cacheprovider")
    # The typo is refused (strict markers are on); our markers are not.
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*'ecs_simm' not found in `markers` configuration option*"])
    assert "'ecs_sim' not found" not in result.stdout.str()
    assert "'ecs_event' not found" not in result.stdout.str()


def test_strict_markers_run_passes(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(instances=["i-a"])
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        def test_marked(ecs_sim):
            assert len(ecs_sim.events()) == 1
        """
    )
    ecs_pytester.runpytest("--strict-markers", "-p", "no:cacheprovider").assert_outcomes(passed=1)


# ---------------------------------------------------------------------------- misuse
MISUSE = [
    pytest.param(
        '@pytest.mark.ecs_event("SystemMaintenance.Bogus", instance="i-a")',
        ["@pytest.mark.ecs_event(", "'SystemMaintenance.Bogus'", "unknown event type"],
        id="unknown-event-type",
    ),
    pytest.param(
        '@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a", not_before="soonish")',
        ["@pytest.mark.ecs_event(", "not_before='soonish'"],
        id="bad-not-before",
    ),
    pytest.param(
        '@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a",'
        ' not_before="2000-01-01T00:00:00Z")',
        ["@pytest.mark.ecs_event(", "not_before='2000-01-01T00:00:00Z'", "InvalidNotBefore.Passed"],
        id="not-before-passed",
    ),
    pytest.param(
        '@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a", instances=["i-b"])',
        ["@pytest.mark.ecs_event(", "instance='i-a'", "instances=['i-b']", "not both"],
        id="instance-and-instances",
    ),
    pytest.param(
        '@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance_id="i-a")',
        ["@pytest.mark.ecs_event(", "instance_id"],
        id="wrong-event-argument",
    ),
    pytest.param(
        '@pytest.mark.ecs_sim(regoin="cn-beijing")',
        ["@pytest.mark.ecs_sim(", "regoin"],
        id="wrong-sim-argument",
    ),
    pytest.param(
        '@pytest.mark.ecs_sim(now="the day after tomorrow")',
        ["@pytest.mark.ecs_sim(", "now='the day after tomorrow'"],
        id="bad-now",
    ),
    pytest.param(
        '@pytest.mark.ecs_sim(credentials=("AK", "SECRET"))',
        ["@pytest.mark.ecs_sim(", "credentials=('AK', 'SECRET')"],
        id="bad-credentials-type",
    ),
    pytest.param(
        '@pytest.mark.ecs_sim(execution_duration="a while")',
        ["@pytest.mark.ecs_sim(", "execution_duration='a while'"],
        id="bad-execution-duration",
    ),
    pytest.param(
        '@pytest.mark.ecs_event("SystemFailure.Delete", instance="i-a")',
        ["@pytest.mark.ecs_event(", "'SystemFailure.Delete'", "platform=True"],
        id="not-simulatable-without-platform",
    ),
    pytest.param(
        '@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a", state="Inquiring")',
        ["@pytest.mark.ecs_event(", "state='Inquiring'", "platform=True"],
        id="state-without-platform",
    ),
    pytest.param(
        '@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a", platform=True,'
        ' state="Dozing")',
        ["@pytest.mark.ecs_event(", "state='Dozing'"],
        id="unknown-state",
    ),
    pytest.param(
        '@pytest.mark.ecs_sim(region="cn-nowhere")',
        [
            "@pytest.mark.ecs_sim(region='cn-nowhere')",
            "unknown region 'cn-nowhere'",
            "ecs_sim_extra_regions",
        ],
        id="unknown-region",
    ),
    pytest.param(
        '@pytest.mark.ecs_sim(region="cn-hangzou")',
        ["region='cn-hangzou'", "did you mean 'cn-hangzhou'?"],
        id="misspelt-region",
    ),
    pytest.param(
        '@pytest.mark.ecs_sim(instances=[{"instance_id": "i-x", "region": "cn-nowhere"}])',
        ["@pytest.mark.ecs_sim(instances=...)", "'i-x'", "unknown region 'cn-nowhere'"],
        id="unknown-instance-region",
    ),
]


def misuse_file(decorator: str) -> str:
    return textwrap.dedent(
        """
        import pytest

        {decorator}
        def test_bad(ecs_sim):
            raise AssertionError("the body of a misconfigured test must not run")

        @pytest.mark.ecs_sim(instances=["i-a"])
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        def test_good(ecs_sim):
            assert [e.instance_id for e in ecs_sim.events()] == ["i-a"]

        def test_plain():
            pass
        """
    ).format(decorator=decorator)


@pytest.mark.parametrize(("decorator", "fragments"), MISUSE)
def test_marker_misuse_fails_only_that_test_at_setup(
    ecs_pytester: pytest.Pytester, decorator: str, fragments: list[str]
) -> None:
    ecs_pytester.makepyfile(test_misuse=misuse_file(decorator))
    result = ecs_pytester.runpytest("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_bad*"])
    assert "must not run" not in result.stdout.str()
    # One line of the report names the test, the marker and the bad value together.
    lines = [
        line
        for line in result.stdout.lines
        if line.startswith("test_misuse.py::test_bad: ") and all(f in line for f in fragments)
    ]
    assert lines, result.stdout.str()


def test_marker_misuse_message_is_shown_once_without_chained_traceback(
    ecs_pytester: pytest.Pytester,
) -> None:
    ecs_pytester.makepyfile(
        test_misuse=misuse_file('@pytest.mark.ecs_event("SystemMaintenance.Bogus")')
    )
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    output = result.stdout.str()
    assert "During handling of the above exception" not in output
    # Once in the error report; pytest >= 9.2 repeats it in the short summary, which is fine.
    report = output.split("short test summary info")[0]
    assert report.count("unknown event type 'SystemMaintenance.Bogus'") == 1


def test_class_level_misuse_fails_the_tests_of_the_class_only(
    ecs_pytester: pytest.Pytester,
) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(region=42)
        class TestBroken:
            def test_one(self, ecs_sim): pass
            def test_two(self, ecs_sim): pass

        def test_fine(ecs_sim):
            assert ecs_sim.region == "cn-hangzhou"
        """
    )
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*TestBroken::test_one: @pytest.mark.ecs_sim(region=42)*"])


def test_marker_events_are_created_before_the_body(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makepyfile(
        """
        import pytest
        from datetime import timedelta

        from ecs_sdk_helpers import legacy_call

        @pytest.mark.ecs_sim(now="2018-08-22T10:39:49Z", region="cn-beijing",
                             instances=["i-a", "i-b"], credentials={"AK": "SECRET"})
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instances=["i-a", "i-b"],
                               not_before="+2h")
        @pytest.mark.ecs_event("SystemFailure.Reboot", instance="i-c", not_before="+10m")
        def test_design_example(ecs_sim):
            assert ecs_sim.region == "cn-beijing"
            assert sorted(i.instance_id for i in ecs_sim.instances) == ["i-a", "i-b", "i-c"]
            events = ecs_sim.events()
            assert [(e.event_type, e.instance_id, e.state) for e in events] == [
                ("SystemMaintenance.Reboot", "i-a", "Scheduled"),
                ("SystemMaintenance.Reboot", "i-b", "Scheduled"),
                ("SystemFailure.Reboot", "i-c", "Executing"),
            ]
            assert [e.not_before.isoformat() for e in events] == [
                "2018-08-22T12:39:49+00:00", "2018-08-22T12:39:49+00:00",
                "2018-08-22T10:49:49+00:00"]
            assert all(e.simulated for e in events)
            body = legacy_call(ecs_sim, "DescribeInstancesFullStatus")
            assert body["TotalCount"] == 3

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z")
        @pytest.mark.ecs_event("SystemMaintenance.Reboot")
        def test_generated_instance_and_default_not_before(ecs_sim):
            (instance,) = ecs_sim.instances
            assert instance.instance_id.startswith("i-bp1")
            (event,) = ecs_sim.events()
            assert event.instance_id == instance.instance_id
            assert event.not_before.isoformat() == "2024-01-01T01:00:00+00:00"

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z")
        @pytest.mark.ecs_event("SystemFailure.Delete", instance="i-a", platform=True,
                               not_before=timedelta(minutes=5), reason="disk")
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-b", platform=True,
                               state="Inquiring")
        @pytest.mark.ecs_event("SystemMaintenance.Stop", instance="i-b",
                               not_before="2024-01-02T00:00:00Z")
        def test_platform_events(ecs_sim):
            delete, inquiring, stop = ecs_sim.events()
            assert (delete.simulated, delete.reason) == (False, "disk")
            assert inquiring.state == "Inquiring" and inquiring.simulated is False
            assert stop.simulated is True
            assert stop.not_before.isoformat() == "2024-01-02T00:00:00+00:00"
            ecs_sim.advance("10m")
            assert delete.state == "Executed"
            assert [i.instance_id for i in ecs_sim.instances] == ["i-b"]
        """
    )
    sdk_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


# ------------------------------------------------------------------------- credentials
def test_credentials_marker(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makepyfile(
        """
        import pytest
        from aliyunsdkcore.acs_exception.exceptions import ServerException
        from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest
        from ecs_sdk_helpers import legacy_client

        @pytest.mark.ecs_sim(credentials={"AK": "SECRET"})
        def test_keys(ecs_sim):
            legacy_client(ecs_sim).do_action_with_exception(DescribeRegionsRequest())
            with pytest.raises(ServerException) as info:
                legacy_client(ecs_sim, key="OTHER").do_action_with_exception(
                    DescribeRegionsRequest())
            assert info.value.get_error_code() == "InvalidAccessKeyId.NotFound"
            with pytest.raises(ServerException) as info:
                legacy_client(ecs_sim, secret="WRONG").do_action_with_exception(
                    DescribeRegionsRequest())
            # The simulator answers SignatureDoesNotMatch with the server string to sign; the
            # legacy SDK sees that it equals its own and rewrites the code (docs/fidelity.md).
            assert info.value.get_error_code() == "InvalidAccessKeySecret"
            assert info.value.get_http_status() == 400

        def test_any_key_without_credentials(ecs_sim):
            legacy_client(ecs_sim, key="WHATEVER", secret="X").do_action_with_exception(
                DescribeRegionsRequest())
        """
    )
    sdk_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


# ------------------------------------------------------ a marker without the fixture (17)
def test_a_marked_test_without_the_fixture_uses_it(sdk_pytester: pytest.Pytester) -> None:
    """The marker alone: the handler's own SDK call sees the marker's event (it used to
    escape to the network, the marker ignored)."""
    sdk_pytester.makepyfile(
        """
        import json
        import pytest
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
            DescribeInstanceHistoryEventsRequest,
        )


        def pending_event_types():
            client = AcsClient("AK", "SECRET", "cn-hangzhou", auto_retry=False)
            request = DescribeInstanceHistoryEventsRequest()
            request.set_InstanceEventCycleStatuss(["Scheduled"])
            body = json.loads(client.do_action_with_exception(request))
            rows = body["InstanceSystemEventSet"]["InstanceSystemEventType"]
            return [(r["InstanceId"], r["EventType"]["Name"]) for r in rows]


        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        def test_handler_sees_the_event():
            assert pending_event_types() == [("i-a", "SystemMaintenance.Reboot")]


        @pytest.mark.ecs_sim(instances=["i-b"])
        class TestFleet:
            def test_sim_marker_alone(self, request):
                assert "ecs_sim" in request.fixturenames
                assert pending_event_types() == []


        def test_unmarked_is_untouched(request):
            assert "ecs_sim" not in request.fixturenames
        """
    )
    sdk_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_a_misused_marker_without_the_fixture_fails_the_test(
    ecs_pytester: pytest.Pytester,
) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_event("SystemMaintenance.Bogus")
        def test_bad():
            raise AssertionError("the body of a misconfigured test must not run")
        """
    )
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test_bad: @pytest.mark.ecs_event(*unknown event type*"])


def test_markers_found_on_any_node_make_a_test_use_the_fixture(
    ecs_pytester: pytest.Pytester,
) -> None:
    """A module's marker, a class's, and one a conftest adds at collection (before the
    plugin looks): each test uses ``ecs_sim``; an unmarked one does not."""
    ecs_pytester.makeconftest(
        """
        import pytest

        @pytest.hookimpl(tryfirst=True)
        def pytest_collection_modifyitems(items):
            for item in items:
                if item.name == "test_added":
                    item.add_marker(pytest.mark.ecs_sim(instances=["i-added"]))
        """
    )
    ecs_pytester.makepyfile(
        test_module="""
        import pytest

        pytestmark = pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-mod")

        def test_module_marker(request):
            assert request.fixturenames[0] == "ecs_sim"
            sim = request.getfixturevalue("ecs_sim")
            assert [e.instance_id for e in sim.events()] == ["i-mod"]
        """,
        test_other="""
        import pytest

        class TestGroup:
            pytestmark = pytest.mark.ecs_sim(instances=["i-class"])

            def test_class_marker(self, request):
                sim = request.getfixturevalue("ecs_sim")
                assert [i.instance_id for i in sim.instances] == ["i-class"]

        def test_added(request):
            sim = request.getfixturevalue("ecs_sim")
            assert [i.instance_id for i in sim.instances] == ["i-added"]

        def test_unmarked(request):
            assert "ecs_sim" not in request.fixturenames
        """,
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_the_marker_fixture_comes_first(ecs_pytester: pytest.Pytester) -> None:
    """The test's other fixtures already find the simulator (and its events) active."""
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def seen(request):
            return list(request.fixturenames)

        @pytest.mark.ecs_event("SystemMaintenance.Reboot")
        def test_order(seen):
            assert seen.index("ecs_sim") < seen.index("seen")
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_region_of_the_runs_own_is_accepted(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_extra_regions = cn-lab-1 cn-lab-2\n")
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(region="cn-lab-1", instances=[{"instance_id": "i-a",
                                                             "region": "cn-lab-2"}])
        def test_lab(ecs_sim):
            assert ecs_sim.region == "cn-lab-1"
            assert ecs_sim.instance("i-a").region == "cn-lab-2"
            ids = [r["RegionId"] for r in ecs_sim.call("DescribeRegions")["Regions"]["Region"]]
            assert {"cn-lab-1", "cn-lab-2", "cn-hangzhou"} <= set(ids)
            assert ecs_sim.call("DescribeInstances", RegionId="cn-lab-2")["TotalCount"] == 1
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_test_without_marker_values_gets_the_defaults(ecs_pytester: pytest.Pytester) -> None:
    none, empty, seeded = ecs_pytester.getitems(
        """
        import pytest
        def test_none(): pass
        @pytest.mark.ecs_sim()
        def test_empty(): pass
        @pytest.mark.ecs_sim(seed=3)
        def test_seeded(): pass
        """
    )
    assert sim_settings(none) == sim_settings(empty) == SimSettings()
    assert sim_settings(seeded) == SimSettings(seed=3)
