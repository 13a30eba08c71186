"""The pytest glue, through ``pytester``: markers, header, options, isolation, hooks, errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# What an inner test file needs to call the SDKs against the simulator.
SDK_HELPERS = """
import json


def legacy_client(sim, key="AK", secret="SECRET"):
    from aliyunsdkcore.client import AcsClient

    return AcsClient(key, secret, sim.region, auto_retry=False)


def legacy_call(sim, name, **params):
    import importlib

    module = importlib.import_module(f"aliyunsdkecs.request.v20140526.{name}Request")
    request = getattr(module, f"{name}Request")()
    for key, value in params.items():
        getattr(request, f"set_{key}")(value)
    return json.loads(legacy_client(sim).do_action_with_exception(request))


def new_client(sim):
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id="AK", access_key_secret="SECRET",
                         region_id=sim.region, endpoint=sim.endpoint))
"""


@pytest.fixture
def sdk_pytester(ecs_pytester: pytest.Pytester) -> pytest.Pytester:
    pytest.importorskip("aliyunsdkecs")
    pytest.importorskip("alibabacloud_ecs20140526")
    ecs_pytester.makepyfile(ecs_sdk_helpers=SDK_HELPERS)
    ecs_pytester.syspathinsert()
    return ecs_pytester


# ------------------------------------------------------------------- registration, header
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


def test_report_header(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile("def test_x(): pass")
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["ecs-events: 0.1.0, offline simulator, default region cn-hangzhou"]
    )


def test_report_header_shows_the_ini_region(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_region = cn-beijing\n")
    ecs_pytester.makepyfile("def test_x(): pass")
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["ecs-events: *default region cn-beijing"])


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


# ----------------------------------------------------------------------------- isolation
ISOLATION = """
import pytest
from requests.adapters import HTTPAdapter

from ecs_sdk_helpers import legacy_call

ORIGINAL_SEND = HTTPAdapter.send


def check_fresh_and_dirty(sim):
    assert sim.now.isoformat() == "2024-01-01T00:00:00+00:00"
    assert sorted(i.instance_id for i in sim.instances) == ["i-a", "i-b"]
    assert [i.status for i in sim.instances] == ["Running", "Running"]
    (event,) = sim.events()
    assert (event.instance_id, event.state) == ("i-a", "Scheduled")
    assert sim.calls == []
    body = legacy_call(sim, "DescribeInstancesFullStatus")
    rows = body["InstanceFullStatusSet"]["InstanceFullStatusType"]
    assert sorted(r["InstanceId"] for r in rows) == ["i-a", "i-b"]
    history = legacy_call(sim, "DescribeInstanceHistoryEvents")
    assert history["TotalCount"] == 0
    # Now leave a mess behind: instances, events, time, faults.
    sim.add_instance("i-c")
    sim.create_events("SystemFailure.Reboot", ["i-b", "i-c"], "+5m")
    sim.reboot_instance("i-a")
    sim.stop_instance("i-b")
    sim.advance("1d")
    sim.fail_next("*", times=50)


@pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", instances=["i-a", "i-b"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
@pytest.mark.parametrize("n", range(3))
def test_first(ecs_sim, n):
    check_fresh_and_dirty(ecs_sim)


def test_plain_in_between():
    assert HTTPAdapter.send is ORIGINAL_SEND


@pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", instances=["i-a", "i-b"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
@pytest.mark.parametrize("n", range(3))
def test_second(ecs_sim, n):
    check_fresh_and_dirty(ecs_sim)
"""


def test_no_state_leaks_between_tests(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makepyfile(test_isolation=ISOLATION)
    sdk_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=7)


def test_no_state_leaks_in_reversed_order(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makeconftest(
        """
        def pytest_collection_modifyitems(items):
            items.reverse()
        """
    )
    sdk_pytester.makepyfile(test_isolation=ISOLATION)
    result = sdk_pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["*test_second?2?*", "*test_plain_in_between*", "*test_first?0?*"])


def test_no_state_leaks_under_xdist(sdk_pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    sdk_pytester.makepyfile(test_isolation=ISOLATION)
    result = sdk_pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)


def test_a_test_without_ecs_sim_is_untouched(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import sys

        def test_plain():
            loaded = [m for m in ("responses", "aliyunsdkcore", "alibabacloud_ecs20140526",
                                  "darabonba") if m in sys.modules]
            assert loaded == []
        """
    )
    ecs_pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_report_hook_is_registered_by_the_first_ecs_sim_test(
    ecs_pytester: pytest.Pytester,
) -> None:
    """A suite that never uses ecs_sim pays no hook call for its reports; once a test uses
    it, failing reports get the section."""
    ecs_pytester.makepyfile(
        """
        def _registered(config):
            return config.pluginmanager.has_plugin("ecs-events-report-sections")

        def test_1_plain(request):
            assert not _registered(request.config)

        def test_2_sim(ecs_sim, request):
            assert _registered(request.config)
            ecs_sim.add_instance("i-1")
            assert False, "fails, to show the section"
        """
    )
    result = ecs_pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*- ecs events -*"])


def test_the_section_follows_the_final_outcome_of_xfail_tests(
    ecs_pytester: pytest.Pytester,
) -> None:
    """pytest rewrites the outcome of xfail tests in its own report wrapper: the section is
    added on the final outcome (a strict XPASS fails and shows it; an xfail does not)."""
    ecs_pytester.makeconftest(
        """
        def pytest_runtest_logreport(report):
            if report.when == "call":
                titles = [title for title, _ in report.sections if title == "ecs events"]
                print(f"SECTIONS {report.nodeid.split('::')[-1]} {report.outcome} {len(titles)}")
        """
    )
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.xfail(strict=True)
        def test_xpass_strict(ecs_sim):
            ecs_sim.add_instance("i-1")

        @pytest.mark.xfail
        def test_xfailed(ecs_sim):
            ecs_sim.add_instance("i-1")
            assert False
        """
    )
    result = ecs_pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(failed=1, xfailed=1)
    result.stdout.fnmatch_lines_random([
        "*SECTIONS test_xpass_strict failed 1",
        "*SECTIONS test_xfailed skipped 0",
    ])  # fmt: skip


def test_other_hosts_and_own_responses_mocks_keep_working(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makepyfile(
        """
        import requests
        import responses

        from ecs_sdk_helpers import legacy_call

        def test_mixed(ecs_sim):
            ecs_sim.add_instance("i-a")
            with responses.RequestsMock() as mock:
                mock.add(responses.GET, "https://example.invalid/ping", json={"pong": True})
                assert requests.get("https://example.invalid/ping").json() == {"pong": True}
                body = legacy_call(ecs_sim, "DescribeInstancesFullStatus")
                assert body["TotalCount"] == 1
            assert [c.action for c in ecs_sim.calls] == ["DescribeInstancesFullStatus"]
        """
    )
    sdk_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


# ----------------------------------------------------------------------------- ini options
def test_ini_options(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini(
        """
        [pytest]
        ecs_sim_region = cn-beijing
        ecs_sim_execution_duration = 2m
        """
    )
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z")
        def test_ini_values(ecs_sim):
            assert ecs_sim.region == "cn-beijing"
            assert ecs_sim.endpoint == "ecs.cn-beijing.aliyuncs.com"
            instance = ecs_sim.add_instance()
            assert instance.instance_id.startswith("i-2ze")
            (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", instance.instance_id,
                                             "+1h")
            ecs_sim.advance("1h1m59s")
            assert event.state == "Executing"
            ecs_sim.advance("1s")
            assert event.state == "Executed"

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", region="cn-shanghai",
                             execution_duration="10s", instances=["i-a"])
        def test_marker_overrides_ini(ecs_sim):
            assert ecs_sim.region == "cn-shanghai"
            (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
            ecs_sim.advance("1h10s")
            assert event.state == "Executed"
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_ini_defaults(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", instances=["i-a"])
        def test_defaults(ecs_sim):
            assert ecs_sim.region == "cn-hangzhou"
            (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
            ecs_sim.advance("1h29s")
            assert event.state == "Executing"
            ecs_sim.advance("1s")
            assert event.state == "Executed"
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_bad_ini_execution_duration_is_explained(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_execution_duration = forever\n")
    ecs_pytester.makepyfile("def test_x(ecs_sim): pass")
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    # One message names the option and the bad value (not just a traceback through the
    # plugin's source that happens to mention both).
    lines = [
        line
        for line in result.stdout.lines + result.stderr.lines
        if "ecs_sim_execution_duration" in line and "'forever'" in line
    ]
    assert lines, result.stdout.str()


# --------------------------------------------------------------------------------- hooks
HOOKS_CONFTEST = """
from pytest_ecs_events.core.catalog import Category, EventTypeSpec

def pytest_ecs_events_configure_catalog(catalog, config):
    return catalog.with_changes(
        event_type_codes={"SystemMaintenance.Reboot": 1001},
        event_types=[EventTypeSpec("SystemMaintenance.Custom", 4242, True,
                                   Category.MAINTENANCE, simulatable=True)],
    )

def pytest_ecs_events_simulator_created(simulator, item):
    simulator.created_for = (item.nodeid, [e.event_type for e in simulator.events()])

def pytest_ecs_events_transition(transition, simulator):
    simulator.__dict__.setdefault("seen", []).append(transition)

def pytest_ecs_events_api_call(call, simulator):
    simulator.__dict__.setdefault("api_calls", []).append(call)
"""


def test_hooks(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makeconftest(HOOKS_CONFTEST)
    sdk_pytester.makepyfile(
        test_hooks="""
        import pytest
        from alibabacloud_ecs20140526 import models

        from ecs_sdk_helpers import legacy_call, new_client

        def test_simulator_created_after_markers(ecs_sim):
            assert ecs_sim.created_for == ("test_hooks.py::test_simulator_created_after_markers",
                                           [])

        @pytest.mark.ecs_event("SystemMaintenance.Custom", instance="i-m")
        def test_simulator_created_sees_marker_events(ecs_sim):
            nodeid, types = ecs_sim.created_for
            assert types == ["SystemMaintenance.Custom"]

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", instances=["i-a"])
        def test_transition_hook(ecs_sim):
            (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
            ecs_sim.advance("2h")
            assert [(t.event_id, t.old_state, t.new_state) for t in ecs_sim.seen] == [
                (event.event_id, None, "Scheduled"),
                (event.event_id, "Scheduled", "Executing"),
                (event.event_id, "Executing", "Executed"),
            ]
            assert [t.time.isoformat() for t in ecs_sim.seen] == [
                "2024-01-01T00:00:00+00:00", "2024-01-01T01:00:00+00:00",
                "2024-01-01T01:00:30+00:00"]

        def test_api_call_hook(ecs_sim):
            ecs_sim.add_instance("i-a")
            assert not hasattr(ecs_sim, "api_calls")
            legacy_call(ecs_sim, "DescribeInstancesFullStatus")
            ecs_sim.fail_next("RebootInstance", code="Throttling")
            with pytest.raises(Exception):
                legacy_call(ecs_sim, "RebootInstance", InstanceId="i-a")
            assert [(c.action, c.status, c.error_code) for c in ecs_sim.api_calls] == [
                ("DescribeInstancesFullStatus", 200, None),
                ("RebootInstance", 400, "Throttling"),
            ]
            assert ecs_sim.api_calls == ecs_sim.calls

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        @pytest.mark.ecs_event("SystemMaintenance.Custom", instance="i-a", not_before="+2h")
        def test_catalog_hook_legacy_sdk(ecs_sim):
            body = legacy_call(ecs_sim, "DescribeInstancesFullStatus")
            (row,) = body["InstanceFullStatusSet"]["InstanceFullStatusType"]
            events = row["ScheduledSystemEventSet"]["ScheduledSystemEventType"]
            assert sorted((e["EventType"]["Name"], e["EventType"]["Code"]) for e in events) == [
                ("SystemMaintenance.Custom", 4242), ("SystemMaintenance.Reboot", 1001)]

        @pytest.mark.ecs_sim(instances=["i-a"])
        def test_catalog_hook_new_sdk(ecs_sim):
            client = new_client(ecs_sim)
            created = client.create_simulated_system_events(
                models.CreateSimulatedSystemEventsRequest(
                    region_id=ecs_sim.region, event_type="SystemMaintenance.Custom",
                    instance_id=["i-a"], not_before="2099-01-01T00:00:00Z"))
            (event_id,) = created.body.event_id_set.event_id
            ecs_sim.cancel_events(event_id)
            response = client.describe_instance_history_events(
                models.DescribeInstanceHistoryEventsRequest(region_id=ecs_sim.region))
            (item,) = response.body.instance_system_event_set.instance_system_event_type
            assert (item.event_id, item.event_type.name, item.event_type.code) == (
                event_id, "SystemMaintenance.Custom", 4242)
            assert item.event_cycle_status.name == "Canceled"
        """
    )
    result = sdk_pytester.runpytest("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=6)


def test_transition_hook_sees_the_creation_of_marker_events(ecs_pytester: pytest.Pytester) -> None:
    """The hookspec says creation is a transition (old_state None); marker events too."""
    ecs_pytester.makeconftest(HOOKS_CONFTEST)
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z")
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        def test_marker_event(ecs_sim):
            (event,) = ecs_sim.events()
            seen = getattr(ecs_sim, "seen", [])
            assert [(t.event_id, t.old_state, t.new_state) for t in seen] == [
                (event.event_id, None, "Scheduled")]
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_catalog_hook_does_not_leak_into_runs_without_it(sdk_pytester: pytest.Pytester) -> None:
    sub = sdk_pytester.mkpydir("with_hook")
    (sub / "conftest.py").write_text(HOOKS_CONFTEST)
    sdk_pytester.makepyfile(
        test_without_hook="""
        import pytest
        from ecs_sdk_helpers import legacy_call

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        def test_default_code(ecs_sim):
            body = legacy_call(ecs_sim, "DescribeInstancesFullStatus")
            (row,) = body["InstanceFullStatusSet"]["InstanceFullStatusType"]
            (event,) = row["ScheduledSystemEventSet"]["ScheduledSystemEventType"]
            assert event["EventType"]["Code"] == 1
            assert "SystemMaintenance.Custom" not in ecs_sim.catalog.event_types
        """
    )
    sdk_pytester.runpytest("-p", "no:cacheprovider", "test_without_hook.py").assert_outcomes(
        passed=1
    )


# ------------------------------------------------------------------------ internal errors
INTERNAL_ERROR = """
import dataclasses

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from Tea.exceptions import TeaException
from alibabacloud_ecs20140526 import models
from pytest_ecs_events.api import dispatch

from ecs_sdk_helpers import legacy_call, new_client

NAME = "DescribeInstancesFullStatus"


def boom(ctx):
    raise ZeroDivisionError("simulated bug 42")


@pytest.fixture
def broken(monkeypatch, ecs_sim):
    spec = dispatch.ACTIONS[NAME]
    broken_spec = dataclasses.replace(spec, handler=boom, prepare=boom)
    monkeypatch.setitem(dispatch.ACTIONS, NAME, broken_spec)


def test_bug_legacy(ecs_sim, broken):
    with pytest.raises(ServerException) as info:
        legacy_call(ecs_sim, NAME)
    assert info.value.get_http_status() == 500
    assert info.value.get_error_code() == "InternalError"
    assert "ZeroDivisionError: simulated bug 42" in info.value.get_error_msg()
    assert [(c.action, c.status, c.error_code) for c in ecs_sim.calls] == [
        (NAME, 500, "InternalError")]


def test_bug_new_sdk(ecs_sim, broken):
    with pytest.raises(TeaException) as info:
        new_client(ecs_sim).describe_instances_full_status(
            models.DescribeInstancesFullStatusRequest(region_id=ecs_sim.region))
    assert info.value.code == "InternalError"
    assert info.value.status_code == 500


def test_healthy(ecs_sim):
    assert legacy_call(ecs_sim, NAME)["TotalCount"] == 0
"""


def test_internal_errors_fail_the_test_at_teardown(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makepyfile(test_internal=INTERNAL_ERROR)
    result = sdk_pytester.runpytest("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_bug_legacy*",
            "*test_internal.py::test_bug_legacy: the ECS simulator met 1 internal error*"
            "ZeroDivisionError: simulated bug 42*",
            "*ERROR at teardown of test_bug_new_sdk*",
            "*test_internal.py::test_bug_new_sdk: the ECS simulator met*"
            "ZeroDivisionError: simulated bug 42*",
        ]
    )
    assert "ERROR at teardown of test_healthy" not in result.stdout.str()


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
            # legacy SDK sees that it equals its own and rewrites the code (fact sheet).
            assert info.value.get_error_code() == "InvalidAccessKeySecret"
            assert info.value.get_http_status() == 400

        def test_any_key_without_credentials(ecs_sim):
            legacy_client(ecs_sim, key="WHATEVER", secret="X").do_action_with_exception(
                DescribeRegionsRequest())
        """
    )
    sdk_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


# --------------------------------------------------------------------------- cheap import
def _loaded_by(imports: str, modules: tuple[str, ...], *, packages: bool = False) -> str:
    """Which of ``modules`` a fresh interpreter holds after ``import <imports>`` (with
    ``packages``, any module under them)."""
    name = "m.split('.')[0]" if packages else "m"
    code = f"import sys, {imports}; print(sorted(m for m in sys.modules if {name} in {modules!r}))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return output.strip()


def test_importing_the_plugin_imports_no_sdk() -> None:
    sdks = ("aliyunsdkcore", "aliyunsdkecs", "alibabacloud_ecs20140526", "darabonba", "Tea",
            "responses")  # fmt: skip
    assert _loaded_by("pytest_ecs_events.plugin, pytest_ecs_events", sdks, packages=True) == "[]"


def test_importing_the_plugin_does_not_import_time_machine() -> None:
    modules = ("time_machine", "http.server", "urllib.request")
    assert _loaded_by("pytest_ecs_events.plugin", modules) == "[]"


def test_the_plugin_loads_no_simulator_until_a_test_asks_for_one() -> None:
    """pytest imports the plugin in every run: the simulator, the API and live mode's client
    load only when used."""
    modules = ("pytest_ecs_events.simulator", "pytest_ecs_events.api.dispatch",
               "pytest_ecs_events.core.simulation", "pytest_ecs_events.live")  # fmt: skip
    assert _loaded_by("pytest_ecs_events.plugin, pytest_ecs_events.plugin.live", modules) == "[]"
