"""``--ecs-timeline-html DIR`` and ``--ecs-timeline-json DIR``, and the SVG in pytest-html.

For each test that used ``ecs_sim``, once its teardown is reported (the timeline is then
complete and the outcome known), :func:`finish_test` writes its page and/or its JSON
document (the rendering is :mod:`pytest_ecs_events.timelines`) and tells the index about it
through an attribute of the teardown report (``ecs_timeline_file``), which xdist carries to
the controller like the report's other attributes. :class:`TimelineIndex` runs where the
reports end up (the controller, or the only process) and writes ``index.html`` /
``index.json`` at the end of the session, so under xdist each worker writes its own tests'
files and one process writes the index.

With pytest-html (``--html``), the same SVG goes into its report as an ``extras`` entry
(pytest-html 4's documented ``pytest_html.extras.html``): for failing tests, and for every
test with ``--ecs-timeline``, as the text section.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..simulator import EcsSimulator

__all__ = [
    "OUTCOME_KEY",
    "TimelineIndex",
    "file_stem",
    "finish_test",
    "note_outcome",
    "wants_files",
]

#: The worst outcome of a test's phases so far (what its page says; noted only in a run
#: that can write pages or pytest-html extras, see :func:`wants_files`).
OUTCOME_KEY = pytest.StashKey[str]()
#: The teardown report's attribute naming the test's files (read by the index).
REPORT_ATTRIBUTE = "ecs_timeline_file"
_RANK = {"passed": 0, "skipped": 1, "xpassed": 1, "xfailed": 2, "error": 3, "failed": 4}


def output_dir(config: pytest.Config, option: str) -> Path | None:
    value = config.getoption(option, default=None)
    if not value:
        return None
    return Path(config.invocation_params.dir, value)


def file_stem(nodeid: str) -> str:
    """A file name for a test: readable, short enough, and unique (a digest of the id)."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_.")[:100]
    digest = hashlib.sha1(nodeid.encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


def note_outcome(item: pytest.Item, report: pytest.TestReport) -> None:
    """Keep the worst outcome of the test's phases (a failing teardown is an error)."""
    if report.failed:
        outcome = "failed" if report.when == "call" else "error"
    elif report.skipped:
        outcome = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    elif report.when == "call" and hasattr(report, "wasxfail"):
        outcome = "xpassed"
    else:
        outcome = "passed"
    before = item.stash.get(OUTCOME_KEY, "passed")
    if _RANK[outcome] >= _RANK[before]:
        item.stash[OUTCOME_KEY] = outcome


def _html_plugin(config: pytest.Config) -> Any:
    """pytest-html's extras module when it is writing a report, else None."""
    if not config.getoption("htmlpath", default=None):
        return None
    try:
        from pytest_html import extras  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - htmlpath is pytest-html's own option
        return None
    return extras


def wants_files(config: pytest.Config) -> bool:
    """Whether :func:`finish_test` can have anything to do in this run (its options)."""
    return (
        output_dir(config, "ecs_timeline_html") is not None
        or output_dir(config, "ecs_timeline_json") is not None
        or _html_plugin(config) is not None
    )


def finish_test(item: pytest.Item, report: pytest.TestReport, simulator: EcsSimulator) -> None:
    """At the test's teardown report: write its files, add the pytest-html extra."""
    config = item.config
    html_dir = output_dir(config, "ecs_timeline_html")
    json_dir = output_dir(config, "ecs_timeline_json")
    outcome = item.stash.get(OUTCOME_KEY, "passed")
    extras = _html_plugin(config)
    wants_extra = extras is not None and (
        outcome in ("failed", "error") or config.getoption("ecs_timeline", default=False)
    )
    if html_dir is None and json_dir is None and not wants_extra:
        return
    from ..timelines import timeline_document, timeline_page, timeline_svg

    document = timeline_document(
        simulator.timeline, title=item.nodeid, region=simulator.region, outcome=outcome
    )
    stem = file_stem(item.nodeid)
    entry = {
        "title": item.nodeid,
        "outcome": outcome,
        "records": len(document["records"]),
        "failures": document["failures"],
        "duration": document["duration"],
    }
    if html_dir is not None:
        html_dir.mkdir(parents=True, exist_ok=True)
        (html_dir / f"{stem}.html").write_text(timeline_page(document), encoding="utf-8")
        entry["file"] = f"{stem}.html"
    if json_dir is not None:
        json_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(document, indent=1, ensure_ascii=False)
        (json_dir / f"{stem}.json").write_text(text + "\n", encoding="utf-8")
        entry["json"] = f"{stem}.json"
    setattr(report, REPORT_ATTRIBUTE, entry)
    if wants_extra:
        shown = [*getattr(report, "extras", []), extras.html(timeline_svg(document))]
        setattr(report, "extras", shown)  # noqa: B010 - pytest-html's attribute, not pytest's


class TimelineIndex:
    """Collects the tests' files from the teardown reports and writes the index pages."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.entries: list[dict[str, Any]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = getattr(report, REPORT_ATTRIBUTE, None)
        if report.when == "teardown" and isinstance(entry, dict):
            self.entries.append(entry)

    def pytest_sessionfinish(self) -> None:
        html_dir = output_dir(self.config, "ecs_timeline_html")
        if html_dir is not None:
            from ..timelines import index_page

            html_dir.mkdir(parents=True, exist_ok=True)
            pages = [e for e in self.entries if "file" in e]
            (html_dir / "index.html").write_text(index_page(pages), encoding="utf-8")
        json_dir = output_dir(self.config, "ecs_timeline_json")
        if json_dir is not None:
            from ..timelines import SCHEMA

            json_dir.mkdir(parents=True, exist_ok=True)
            tests = [
                {k: v for k, v in e.items() if k != "file"} for e in self.entries if "json" in e
            ]
            tests.sort(key=lambda e: (e["outcome"] not in ("failed", "error"), e["title"]))
            index = {"schema": SCHEMA + "/index", "tests": tests}
            (json_dir / "index.json").write_text(json.dumps(index, indent=1) + "\n", "utf-8")
