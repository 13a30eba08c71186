"""The "ecs events" report section and ``--ecs-timeline`` (plugin/report.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.plugin.report import Timeline

START = "2018-08-22T10:39:49Z"

HANDLER_TEST = """
import pytest

@pytest.mark.ecs_sim(now="2018-08-22T10:39:49Z", instances=["i-a"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a", not_before="+2h")
def test_handler(ecs_sim):
    ecs_sim.call("DescribeInstancesFullStatus", RegionId="cn-hangzhou")
    ecs_sim.call("DescribeInstancesFullStatus", RegionId="cn-hangzhou")
    ecs_sim.fail_next("RebootInstance", code="IncorrectInstanceStatus", status=403)
    with pytest.raises(Exception):
        ecs_sim.call("RebootInstance", InstanceId="i-a")
    ecs_sim.advance("3h")
    assert OUTCOME
"""


def handler_test(outcome: bool) -> str:
    return HANDLER_TEST.replace("OUTCOME", repr(outcome))


def test_a_failing_test_shows_its_timeline(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(handler_test(False))
    result = ecs_pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- ecs events -*",
            "region cn-hangzhou, virtual time 2018-08-22T10:39:49Z -> 2018-08-22T13:39:49Z "
            "(+3h0m0s); 1 instance(s), 1 event(s) changed, 3 API call(s), 1 failed",
            "10:39:49  event  e-*  SystemMaintenance.Reboot  i-a  (new) -> Scheduled",
            "10:39:49  call   DescribeInstancesFullStatus -> 200  (x2)",
            "10:39:49  call   RebootInstance InstanceId=i-a -> 403 IncorrectInstanceStatus",
            "12:39:49  event  e-*  SystemMaintenance.Reboot  i-a  Scheduled -> Executing",
            "12:40:19  event  e-*  SystemMaintenance.Reboot  i-a  Executing -> Executed",
            "*short test summary info*",
        ]
    )


def test_a_passing_test_shows_nothing_by_default(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(handler_test(True))
    result = ecs_pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert "ecs events" not in result.stdout.str()
    result.stdout.fnmatch_lines(["ecs-events settings: *timeline on failures*"])


def test_ecs_timeline_shows_passing_tests_too(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(handler_test(True))
    result = ecs_pytester.runpytest("--ecs-timeline")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "ecs-events settings: *timeline on every test*",
            "*= ecs events of passing tests =*",
            "*- test_ecs_timeline_shows_passing_tests_too.py::test_handler -*",
            "region cn-hangzhou, virtual time *",
            "*RebootInstance InstanceId=i-a -> 403 IncorrectInstanceStatus",
        ]
    )


def test_ecs_timeline_with_rP_prints_each_once(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(handler_test(True))
    result = ecs_pytester.runpytest("--ecs-timeline", "-rP")
    result.assert_outcomes(passed=1)
    output = result.stdout.str()
    assert "ecs events of passing tests" not in output
    assert output.count("- ecs events -") == 1
    result.stdout.fnmatch_lines(["*= PASSES =*", "*- ecs events -*"])


def test_teardown_failure_and_call_failure_show_it_once(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        def test_both(ecs_sim):
            def broken(payload):
                raise RuntimeError("handler bug")

            ecs_sim.subscribe(broken)
            ecs_sim.add_instance("i-a")
            ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
            assert False

        def test_teardown_only(ecs_sim):
            ecs_sim.subscribe(lambda payload: 1 / 0)
            ecs_sim.add_instance("i-a")
            ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
        """
    )
    result = ecs_pytester.runpytest()
    result.assert_outcomes(failed=1, passed=1, errors=2)
    output = result.stdout.str()
    assert output.count("- ecs events -") == 2  # one per test
    assert output.count("(new) -> Scheduled") == 2


def test_tests_without_the_simulator_get_no_section(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile("def test_plain():\n    assert False\n")
    result = ecs_pytester.runpytest("--ecs-timeline")
    result.assert_outcomes(failed=1)
    assert "ecs events" not in result.stdout.str()


# ---------------------------------------------------------------------- rendering directly
def test_render_instance_changes_platform_events_and_transport_faults() -> None:
    sim = EcsSimulator(now=START, instances=["i-a"], seed=1, region="cn-beijing")
    timeline = Timeline(sim)
    sim.inject_event("SystemFailure.Delete", "i-a", not_before="+1h")
    sim.fail_next("DescribeRegions", fault="timeout")
    with pytest.raises(TimeoutError):
        sim.call("DescribeRegions", RegionId="cn-beijing")
    sim.call("DescribeRegions", RegionId="cn-hangzhou")
    sim.advance("2d")
    text = timeline.render()
    lines = text.splitlines()
    assert lines[0].startswith("region cn-beijing, virtual time 2018-08-22T10:39:49Z")
    assert "  call   DescribeRegions -> no answer: Transport.Timeout" in text
    assert "  call   DescribeRegions RegionId=cn-hangzhou -> 200" in text  # not the default
    assert "(new) -> Executing  (platform)" in text
    assert "inst   i-a  Stopping -> Released  (SystemFailure.Delete)" in text
    # the timeline spans days: dates on every line
    assert all(line.startswith("2018-08-") for line in lines[1:])


def test_render_keeps_head_and_tail_of_a_long_timeline() -> None:
    sim = EcsSimulator(now=START, seed=1)
    timeline = Timeline(sim)
    assert "(no event changes" in timeline.render()
    for i in range(300):
        sim.add_instance(f"i-{i:03d}")
        sim.create_events("SystemMaintenance.Reboot", f"i-{i:03d}", "+1h")
    text = timeline.render(max_lines=50)
    lines = text.splitlines()
    assert len(lines) == 1 + 50
    assert "i-000" in lines[1]
    assert lines[41] == "... 251 more line(s) ..."  # 300 lines: 40 kept, then the last 9
    assert "i-299" in lines[-1]


def test_render_shortens_long_parameters_and_folds_repeats() -> None:
    sim = EcsSimulator(now=START, seed=1)
    timeline = Timeline(sim)
    ids = [f"i-{'x' * 30}{n}" for n in range(10)]
    ids_params = {f"InstanceId.{n + 1}": i for n, i in enumerate(ids)}
    sim.call("DescribeInstancesFullStatus", RegionId="cn-hangzhou", **ids_params)
    for _ in range(3):
        sim.call("DescribeRegions")
        sim.advance(timedelta(minutes=1))
    text = timeline.render()
    (status_line,) = [line for line in text.splitlines() if "FullStatus" in line]
    assert "...  -> " not in status_line
    assert status_line.endswith("... -> 200")
    assert len(status_line) < 200
    assert "DescribeRegions -> 200  (x3, last at 10:41:49)" in text


def test_render_nothing_happened() -> None:
    sim = EcsSimulator(now=START)
    assert Timeline(sim).render().endswith("(no event changes and no API calls)\n")


# ------------------------------------------------------------------- registration
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


# ------------------------------------------------------------------- under xdist
WIRE_CONFTEST = """
import json

CONFIG = []

def pytest_configure(config):
    CONFIG.append(config)

def pytest_runtest_logreport(report):
    config = CONFIG[-1]
    if not hasattr(config, "workerinput"):  # the controller: what came over the wire
        data = config.hook.pytest_report_to_serializable(config=config, report=report)
        data.pop("node", None)  # the controller's handle on the worker, set on arrival
        with open("wire.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps(data) + "\\n")
"""

WIRE_TESTS = """
import pytest

@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-1", not_before="+2h")
def test_sim_passes(ecs_sim):
    ecs_sim.advance("3h")
    assert ecs_sim.events()[0].state == "Executed"

@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-1", not_before="+2h")
def test_sim_fails(ecs_sim):
    ecs_sim.advance("3h")
    assert False

def test_plain_passes():
    pass
"""


def test_under_xdist_a_passing_test_sends_what_a_plain_one_does(
    ecs_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each report goes from the worker to the controller: a passing ``ecs_sim`` test's
    reports carry no section and no attribute a plain test's do not (the timeline stays in
    the worker), while a failing one's call report brings its section to the controller."""
    import json
    import os
    from pathlib import Path

    import pytest_ecs_events

    pytest.importorskip("xdist")
    # the workers import the package under test, not another copy
    root = str(Path(pytest_ecs_events.__file__).parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.getenv("PYTHONPATH")])))
    ecs_pytester.makeconftest(WIRE_CONFTEST)
    ecs_pytester.makepyfile(test_wire=WIRE_TESTS)
    result = ecs_pytester.runpytest_subprocess(
        "-p", "xdist", "-n", "2", "-p", "no:cacheprovider", "-p", "no:randomly"
    )  # fmt: skip
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*- ecs events -*", "region *1 event(s) changed*"])
    lines = (ecs_pytester.path / "wire.jsonl").read_text(encoding="utf-8").splitlines()
    reports = {(d["nodeid"].split("::")[-1], d["when"]): d for d in map(json.loads, lines)}
    assert len(reports) == 9
    for when in ("setup", "call", "teardown"):
        sim, plain = reports["test_sim_passes", when], reports["test_plain_passes", when]
        assert sim.keys() == plain.keys()
        assert (sim["sections"], sim["user_properties"], sim["longrepr"]) == ([], [], None)
        # the test's own name and marker: the plugin adds no keyword
        extra_keywords = set(sim["keywords"]) - set(plain["keywords"])
        assert extra_keywords == {"test_sim_passes", "ecs_event", "pytestmark"}
    failed = reports["test_sim_fails", "call"]
    assert [title for title, _ in failed["sections"]] == ["ecs events"]
    assert failed["sections"][0][1].startswith("region cn-hangzhou, virtual time ")
