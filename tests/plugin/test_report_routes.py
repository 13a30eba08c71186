"""The report wrapper's short route (a run without timeline files or ``--ecs-timeline``,
read once from the configuration) leaves every report and test as the full route does (the
worst outcome, timeline_files.OUTCOME_KEY, is what a test's timeline file says: only a run
that writes them notes it)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.plugin import report


class Options:
    def __init__(self, timeline: bool) -> None:
        self.values = {"ecs_timeline": timeline, "ecs_timeline_html": None,
                       "ecs_timeline_json": None, "htmlpath": None}  # fmt: skip

    def getoption(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


class Item:
    def __init__(self, config: Options) -> None:
        self.config = config
        self.stash = pytest.Stash()
        self.nodeid = "test_x.py::test_x"


def run(plugin: report.ReportSections, config: Options, outcomes: tuple[str, ...],
        calls: int) -> list[Any]:  # fmt: skip
    """Three reports through the wrapper: what each report and the item hold after it."""
    sim = EcsSimulator(now="2018-08-22T10:39:49Z")
    sim.add_instance("i-a")
    item = Item(config)
    item.stash[report.TIMELINE_KEY] = report.Timeline(sim)
    for _ in range(calls):
        sim.call("DescribeInstances", RegionId="cn-hangzhou")
    seen = []
    for when, outcome in zip(("setup", "call", "teardown"), outcomes, strict=True):
        made = pytest.TestReport(item.nodeid, ("test_x.py", 0, "test_x"), {}, outcome, None, when)
        wrapper = plugin.pytest_runtest_makereport(item, None)  # type: ignore[arg-type]
        next(wrapper)
        with pytest.raises(StopIteration) as stopped:
            wrapper.send(made)
        assert stopped.value.value is made
        seen.append((
            when,
            [(name, text.splitlines()[1:]) for name, text in made.sections],
            item.stash.get(report.CALL_PASSED_KEY, None),
            report.TIMELINE_KEY in item.stash,
        ))  # fmt: skip
    return seen


@pytest.mark.parametrize("timeline", [False, True])
@pytest.mark.parametrize("calls", [0, 2])
def test_the_short_route_leaves_what_the_full_route_leaves(timeline: bool, calls: int) -> None:
    config = Options(timeline)
    short = report.ReportSections(config)  # type: ignore[arg-type]
    full = report.ReportSections()  # every report the full route
    assert short._files is False
    assert short._timeline is timeline
    for outcomes in itertools.product(("passed", "failed", "skipped"), repeat=3):
        kept = run(short, config, outcomes, calls)
        assert kept == run(full, config, outcomes, calls)
        assert kept[-1][3] is False  # the timeline is dropped at teardown either way


XFAIL_SUITE = """
import pytest


@pytest.mark.xfail(reason="known", strict=True)
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instances="i-1", not_before="+1h")
def test_expected_to_fail(ecs_sim):
    ecs_sim.advance("2h")
    assert False


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instances="i-2", not_before="+1h")
def test_skipped_inside(ecs_sim):
    ecs_sim.advance("2h")
    pytest.skip("not today")


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instances="i-3", not_before="+1h")
def test_passes(ecs_sim):
    ecs_sim.advance("2h")
"""


def test_a_run_writing_timeline_files_notes_each_outcome_end_to_end(
    ecs_pytester: pytest.Pytester,
) -> None:
    # The files route (timeline_files.wants_files read once from the configuration): each
    # test's file says its own outcome, xfail and a skip inside the test included.
    import json

    from pytest_ecs_events.plugin.timeline_files import file_stem

    ecs_pytester.makepyfile(test_outcomes=XFAIL_SUITE)
    result = ecs_pytester.runpytest("--ecs-timeline-json", "out")
    result.assert_outcomes(passed=1, skipped=1, xfailed=1)
    out = ecs_pytester.path / "out"
    outcomes = {}
    for name in ("test_expected_to_fail", "test_skipped_inside", "test_passes"):
        path = out / f"{file_stem(f'test_outcomes.py::{name}')}.json"
        outcomes[name] = json.loads(path.read_text("utf-8"))["outcome"]
    assert outcomes == {
        "test_expected_to_fail": "xfailed",
        "test_skipped_inside": "skipped",
        "test_passes": "passed",
    }
