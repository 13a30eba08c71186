"""``--ecs-timeline-html`` / ``--ecs-timeline-json`` and the SVG in pytest-html's report
(plugin/timeline_files.py), through pytester: in process, under xdist, with pytest-html."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pytest_ecs_events
from pytest_ecs_events.plugin.timeline_files import file_stem

SVG = "{http://www.w3.org/2000/svg}"

SUITE = """
import pytest

EVIL = "i-<script>alert(1)</script>"


@pytest.mark.ecs_sim(now="2024-05-01T08:00:00Z", instances=["i-1", EVIL])
def test_reboots_and_fails(ecs_sim):
    ecs_sim.reboot_instance("i-1")
    ecs_sim.advance("1m")
    with pytest.raises(Exception):
        ecs_sim.call("RebootInstance", InstanceId="i-404", RegionId="cn-hangzhou")
    assert False, "to be listed first"


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instances="i-2", not_before="+1h")
def test_event_passes(ecs_sim):
    ecs_sim.advance("2h")


def test_without_the_simulator():
    pass
"""


@pytest.fixture
def suite(ecs_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # subprocesses (xdist's workers too) import the package under test, not another copy
    root = str(Path(pytest_ecs_events.__file__).parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.getenv("PYTHONPATH")])))
    ecs_pytester.makepyfile(test_suite=SUITE)
    return ecs_pytester


def _page(path: Path) -> ET.Element:
    """A page parsed as XML (it is well-formed), without its doctype line."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(text.split("\n", 1)[1])


def _check_files(root: Path) -> None:
    html_dir, json_dir = root / "html", root / "json"
    failing, passing = "test_suite.py::test_reboots_and_fails", "test_suite.py::test_event_passes"
    assert sorted(p.name for p in html_dir.iterdir()) == sorted(
        ["index.html", f"{file_stem(failing)}.html", f"{file_stem(passing)}.html"]
    )
    index = (html_dir / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', index)
    assert [title for _, title in links] == [failing, passing]  # failures first
    assert links[0][0] == f"{file_stem(failing)}.html"
    _page(html_dir / "index.html")

    page_text = (html_dir / links[0][0]).read_text(encoding="utf-8")
    page = _page(html_dir / links[0][0])
    # the name is text, never markup: no script element anywhere, the escaped name is shown
    assert not [e for e in page.iter() if e.tag.endswith("script")]
    assert "<script" not in page_text
    assert "i-&lt;script&gt;alert(1)&lt;/script&gt;" in page_text
    (svg,) = [e for e in page.iter() if e.tag == f"{SVG}svg"]
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title") is not None
    assert svg.find(f"{SVG}desc") is not None
    tips = [t.text or "" for t in svg.iter(f"{SVG}title")]
    assert any("RebootInstance i-404 -> 404 InvalidInstanceId.NotFound" in t for t in tips)
    assert any("i-1 status: Stopping" in t for t in tips)
    assert 'class="outcome failed"' in page_text

    documents = {p.name: json.loads(p.read_text("utf-8")) for p in json_dir.iterdir()}
    assert set(documents) == {
        "index.json",
        f"{file_stem(failing)}.json",
        f"{file_stem(passing)}.json",
    }
    assert [t["title"] for t in documents["index.json"]["tests"]] == [failing, passing]
    doc = documents[f"{file_stem(passing)}.json"]
    assert doc["schema"] == "pytest-ecs-events/timeline/1"
    assert doc["outcome"] == "passed"
    assert doc["lanes"] == ["i-2"]
    states = [r["value"] for r in doc["records"] if r["kind"] == "event"]
    assert states == ["Scheduled", "Executing", "Executed"]
    assert doc["duration"] == 7200.0
    failed_doc = documents[f"{file_stem(failing)}.json"]
    assert failed_doc["outcome"] == "failed"
    assert failed_doc["failures"] == 1
    assert {"kind", "instance_id", "subject", "value", "start", "end"} <= set(
        failed_doc["intervals"][0]
    )


def test_html_and_json_files(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--ecs-timeline-html", "out/html", "--ecs-timeline-json", "out/json")
    result.assert_outcomes(passed=2, failed=1)
    _check_files(suite.path / "out")


def test_under_xdist_each_worker_writes_its_tests_and_the_controller_the_index(
    suite: pytest.Pytester,
) -> None:
    pytest.importorskip("xdist")
    result = suite.runpytest_subprocess(
        "-p", "xdist", "-n", "2", "--ecs-timeline-html", "out/html", "--ecs-timeline-json",
        "out/json",
    )  # fmt: skip
    result.assert_outcomes(passed=2, failed=1)
    _check_files(suite.path / "out")


def test_no_option_no_files(suite: pytest.Pytester) -> None:
    result = suite.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    assert not (suite.path / "out").exists()
    assert not list(suite.path.glob("**/index.html"))


def test_pytest_html_gets_the_svg_of_failing_tests(suite: pytest.Pytester) -> None:
    pytest.importorskip("pytest_html")
    result = suite.runpytest_subprocess("-p", "metadata", "-p", "html", "--html", "report.html")
    result.assert_outcomes(passed=2, failed=1)
    report = (suite.path / "report.html").read_text(encoding="utf-8")
    # pytest-html keeps the tests' data as JSON in an attribute: the SVG is in it once,
    # for the failing test only (passing tests need --ecs-timeline)
    assert report.count("Timeline: test_suite.py::test_reboots_and_fails") == 1
    assert "Timeline: test_suite.py::test_event_passes" not in report
    assert "<script>alert(1)" not in report
    everything = suite.runpytest_subprocess(
        "-p", "metadata", "-p", "html", "--html", "all.html", "--ecs-timeline"
    )  # fmt: skip
    everything.assert_outcomes(passed=2, failed=1)
    assert "Timeline: test_suite.py::test_event_passes" in (suite.path / "all.html").read_text(
        encoding="utf-8"
    )


def test_the_options_are_listed(ecs_pytester: pytest.Pytester) -> None:
    result = ecs_pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--ecs-timeline-html=DIR*", "*--ecs-timeline-json=DIR*"])
