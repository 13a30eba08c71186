"""The "ecs events" report section: what happened to the events, and the API calls, per test.

The ``ecs_sim`` fixture attaches a :class:`Timeline` to every simulator it builds. It reads, in
the order they happened, each event transition, each instance status change, each other
change and each API call answered from the simulator's recorder (the one ``ecs_sim.timeline``
reads; nothing is formatted until a report needs it). When a test fails,
:func:`add_section` adds the rendered timeline to its report as the section ``ecs events``;
with ``--ecs-timeline`` passing tests get it too, and
:class:`PassedTimelines` prints those at the end of the run (pytest shows the sections of
passing tests only with ``-rP``).

Rendering is compact: one line per entry, the virtual time first; runs of identical calls
(a poller asking the same question) fold into one line with a count; a long timeline keeps
its head and its tail.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Union

import pytest

from . import timeline_files

if TYPE_CHECKING:
    from ..api.calls import ApiCall
    from ..core.changes import Change
    from ..simulator import EcsSimulator

__all__ = [
    "SECTION",
    "TIMELINE_KEY",
    "PassedTimelines",
    "ReportSections",
    "Timeline",
    "add_section",
]

SECTION = "ecs events"
#: Most lines a rendered timeline has; past it the middle is left out.
MAX_LINES = 200
_HEAD = 40
_VALUE_WIDTH = 40
_PARAMS_WIDTH = 110
#: Causes that are the clock's doing: the lines do not repeat them.
_TIMER_CAUSES = frozenset({"created", "not_before", "execution_done", "transition"})

Entry = Union["Change", "ApiCall"]


class Timeline:
    """The report's view of a simulator's timeline: what was recorded since it was attached.

    It keeps no copy: the simulator's :class:`~pytest_ecs_events.core.timeline.Recorder`
    (what ``ecs_sim.timeline`` reads) holds the records.
    """

    def __init__(self, simulator: EcsSimulator) -> None:
        self.simulator = simulator
        self.start = simulator.now
        self.shown = False
        self._mark = simulator.recorder.mark()

    @property
    def entries(self) -> list[Entry]:
        """The records since the timeline was attached, in the order they came."""
        return self.simulator.recorder.records(self._mark)

    def snapshot(self) -> list[Entry]:
        return self.entries

    def render(self, *, max_lines: int = MAX_LINES) -> str:
        """The section's text: a summary line, then one line per entry."""
        from ..api.calls import ApiCall
        from ..core.lifecycle import Transition

        sim = self.simulator
        entries = self.snapshot()
        events = {e.event_id for e in entries if isinstance(e, Transition)}
        calls = [e for e in entries if isinstance(e, ApiCall)]
        failed = sum(1 for c in calls if c.error_code is not None)
        now = sim.now
        summary = (
            f"region {sim.region}, virtual time {_iso(self.start)} -> {_iso(now)} "
            f"({_span(now - self.start)}); {len(sim.simulation.store.instances)} instance(s), "
            f"{len(events)} event(s) changed, {len(calls)} API call(s)"
            + (f", {failed} failed" if failed else "")
        )
        if not entries:
            return summary + "\n(no event changes and no API calls)\n"
        day = self.start.date()
        one_day = now.date() == day and all(e.time.date() == day for e in entries)
        time_format = "%H:%M:%S" if one_day else "%Y-%m-%d %H:%M:%S"
        lines = list(_lines(entries, time_format, sim.region))
        if len(lines) > max_lines:
            tail = max_lines - _HEAD - 1
            left_out = len(lines) - _HEAD - tail
            lines = [*lines[:_HEAD], f"... {left_out} more line(s) ...", *lines[-tail:]]
        return "\n".join([summary, *lines]) + "\n"


def _lines(entries: Iterable[Entry], time_format: str, region: str) -> Iterable[str]:
    from ..api.calls import ApiCall
    from ..core.lifecycle import InstanceChange, Transition

    entries = list(entries)
    type_width = max((len(e.event_type) for e in entries if isinstance(e, Transition)), default=0)
    previous: tuple[str, str] | None = None  # (call text, time) of a run of identical calls
    count = 0
    last_time = ""

    def flush() -> Iterable[str]:
        if previous is None:
            return []
        text, first_time = previous
        if count == 1:
            return [f"{first_time}  {text}"]
        until = "" if last_time == first_time else f", last at {last_time}"
        return [f"{first_time}  {text}  (x{count}{until})"]

    for entry in entries:
        when = entry.time.strftime(time_format)
        if isinstance(entry, ApiCall):
            text = "call   " + _call_text(entry, region)
            if previous is not None and previous[0] == text:
                count += 1
                last_time = when
                continue
            yield from flush()
            previous, count, last_time = (text, when), 1, when
            continue
        yield from flush()
        previous, count = None, 0
        if isinstance(entry, Transition):
            old = entry.old_state.value if entry.old_state is not None else "(new)"
            line = (
                f"{when}  event  {entry.event_id}  {entry.event_type:<{type_width}}  "
                f"{entry.instance_id}  {old} -> {entry.new_state.value}"
            )
            notes = []
            if entry.trigger not in _TIMER_CAUSES:
                notes.append(entry.trigger)
            if not entry.simulated:
                notes.append("platform")
            yield line + (f"  ({', '.join(notes)})" if notes else "")
        elif isinstance(entry, InstanceChange):
            if entry.old_status is None:
                continue  # an instance added: counted in the summary, not a change
            new = entry.new_status.value if entry.new_status is not None else "Released"
            cause = "" if entry.cause in _TIMER_CAUSES else f"  ({entry.cause})"
            yield f"{when}  inst   {entry.instance_id}  {entry.old_status.value} -> {new}{cause}"
        else:  # a kind of change this report has no line of its own for
            yield f"{when}  {entry.kind:<6} {entry.instance_id}  {entry}"
    yield from flush()


def _call_text(call: ApiCall, region: str) -> str:
    params = [
        f"{k}={_short(v)}" for k, v in call.params.items() if not (k == "RegionId" and v == region)
    ]
    shown = " ".join(params)
    if len(shown) > _PARAMS_WIDTH:
        shown = shown[: _PARAMS_WIDTH - 3] + "..."
    if call.error_code is None:
        result = str(call.status)
    elif call.status == 0:
        result = f"no answer: {call.error_code}"
    else:
        result = f"{call.status} {call.error_code}"
    return f"{call.action}{' ' + shown if shown else ''} -> {result}"


def _short(value: str) -> str:
    return value if len(value) <= _VALUE_WIDTH else value[: _VALUE_WIDTH - 3] + "..."


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if hours or days:
        parts.append(f"{hours}h")
    if minutes or hours or days:
        parts.append(f"{minutes}m")
    parts.append(f"{seconds}s")
    return "+" + "".join(parts)


TIMELINE_KEY = pytest.StashKey[Timeline]()


def attach(item: pytest.Item, simulator: EcsSimulator) -> Timeline:
    """Start recording ``simulator`` for ``item``'s report."""
    timeline = Timeline(simulator)
    item.stash[TIMELINE_KEY] = timeline
    manager = item.config.pluginmanager
    if not manager.has_plugin(SECTIONS_PLUGIN):
        manager.register(ReportSections(item.config), SECTIONS_PLUGIN)
    return timeline


SECTIONS_PLUGIN = "ecs-events-report-sections"


class ReportSections:
    """Adds the 'ecs events' section to the reports: registered when a test first uses
    ``ecs_sim``, so a suite that never does pays no hook call for its tests' reports (three
    per test).

    Registered late, it wraps the wrappers registered at start-up, pytest's xfail handling
    among them, and so sees each report's final outcome. Live mode's scrubbing is
    ``tryfirst``: it wraps this one, and sees the section.

    ``config`` (the run's, its options final by the time a test sets up): whether the run
    writes timeline files (--ecs-timeline-html/-json, pytest-html) and shows passing tests'
    timelines (--ecs-timeline), read once. A report of a run with neither that passed or
    was skipped then costs a look at its outcome and, at teardown, dropping the timeline.
    Without ``config`` both are assumed wanted (every report takes the full route).
    """

    def __init__(self, config: pytest.Config | None = None) -> None:
        if config is None:
            self._files = self._timeline = True
        else:
            self._files = timeline_files.wants_files(config)
            self._timeline = bool(config.getoption("ecs_timeline", default=False))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        result = yield
        when = result.when
        outcome = result.outcome
        if when == "call":
            item.stash[CALL_PASSED_KEY] = outcome == "passed"
        if self._files:
            timeline_files.note_outcome(item, result)
            if when == "teardown":
                timeline = item.stash.get(TIMELINE_KEY, None)
                if timeline is not None:  # the files of --ecs-timeline-html/-json, pytest-html
                    timeline_files.finish_test(item, result, timeline.simulator)
        if outcome == "failed" or (self._timeline and when == "call"):
            add_section(item, result)
        elif when == "teardown":  # what add_section does with a report it adds nothing to
            stash = item.stash
            if TIMELINE_KEY in stash:
                del stash[TIMELINE_KEY]
        return result


#: Whether the test's call phase passed (read at the ``ecs_sim`` fixture's teardown).
CALL_PASSED_KEY = pytest.StashKey[bool]()


def call_passed(item: pytest.Item) -> bool:
    """Whether the item's test body ran and passed (False when it did not run)."""
    return item.stash.get(CALL_PASSED_KEY, False)


def add_section(item: pytest.Item, report: pytest.TestReport) -> None:
    """Add the ``ecs events`` section to a failing report (any report with --ecs-timeline)."""
    timeline = item.stash.get(TIMELINE_KEY, None)
    if timeline is None:
        return
    if report.when == "teardown":  # the last report: do not keep the simulator until the end
        del item.stash[TIMELINE_KEY]
    if report.failed:
        if timeline.shown:
            return  # the call failed and so did teardown: once is enough
        if report.when == "setup" and not timeline.entries:
            return  # failed before anything happened: nothing to tell
    elif not (
        report.when == "call"
        and report.passed
        and item.config.getoption("ecs_timeline", default=False)
    ):
        return
    timeline.shown = True
    report.sections.append((SECTION, timeline.render()))


class PassedTimelines:
    """With ``--ecs-timeline``: print the timelines of passing tests at the end of the run.

    Registered on the controller (and in a run without xdist); it reads the sections from
    the reports, so it works whichever process ran the test. Skipped when ``-rP`` already
    prints the sections of passing tests.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.sections: list[tuple[str, str]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and report.passed:
            for name, text in report.sections:
                if name == SECTION:
                    self.sections.append((report.nodeid, text))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.sections or terminalreporter.hasopt("P"):
            return
        terminalreporter.write_sep("=", "ecs events of passing tests")
        for nodeid, text in self.sections:
            terminalreporter.write_sep("-", nodeid)
            terminalreporter.write(text)
