"""The timeline document, its SVG and its pages (pytest_ecs_events/timelines/): well-formed
XML, every piece of text escaped, every kind drawn (known or not), calls folded per pixel."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from pytest_ecs_events.api.calls import ApiCall
from pytest_ecs_events.core.timeline import Recorder, Timeline
from pytest_ecs_events.simulator import EcsSimulator
from pytest_ecs_events.timelines import (
    SCHEMA,
    index_page,
    timeline_document,
    timeline_page,
    timeline_svg,
)
from pytest_ecs_events.timelines.document import iso
from pytest_ecs_events.timelines.svg import COLOURS, colour, span_text
from tests.helpers.changes import BackendChange

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
EVIL = 'i-<script>alert("x")</script>&'


def scenario() -> Timeline:
    sim = EcsSimulator(now=T0, instances=["i-1", EVIL], seed=1)
    sim.create_events("SystemMaintenance.Reboot", "i-1", "+1h")
    with pytest.raises(Exception, match="NotFound"):
        sim.call("RebootInstance", InstanceId="i-404", RegionId=sim.region)
    for _ in range(20):  # a poller: folded into one tick
        sim.call("DescribeInstanceHistoryEvents", RegionId=sim.region)
    sim.reboot_instance("i-1")
    sim.advance("2h")
    records = list(sim.timeline)
    records.append(
        BackendChange(T0 + timedelta(minutes=5), EVIL, "lb-<b>", None, "normal", reason="x")
    )
    records.append(
        BackendChange(T0 + timedelta(minutes=9), EVIL, "lb-<b>", "normal", "abnormal", reason="<i>")
    )
    records.sort(key=lambda r: r.time)
    return Timeline(records, start=T0, end=sim.now)


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)


def test_the_document_holds_every_record_and_interval_as_json() -> None:
    doc = timeline_document(scenario(), title="t::x", region="cn-hangzhou", outcome="failed")
    assert json.loads(json.dumps(doc)) == doc
    assert doc["schema"] == SCHEMA
    assert doc["lanes"] == ["i-1", EVIL, "i-404", ""]
    assert doc["duration"] == 7200.0
    kinds = doc["counts"]
    assert kinds["call"] == 21
    assert kinds["backend"] == 2
    failed = [r for r in doc["records"] if r["failure"]]
    assert [r["kind"] for r in failed] == ["call", "backend"]
    backend = failed[1]
    assert backend["fields"]["reason"] == "<i>"
    assert (
        backend["summary"]
        == f"{EVIL} health normal -> abnormal load_balancer_id=lb-<b> weight=100 reason=<i>"
    )
    assert backend["subject"] == "lb-<b>"
    reboot_call = next(r for r in doc["records"] if r["fields"].get("action") == "RebootInstance")
    assert reboot_call["fields"]["params"] == {"InstanceId": "i-404", "RegionId": "cn-hangzhou"}
    assert reboot_call["fields"]["time"] == reboot_call["time"]
    open_ones = [i for i in doc["intervals"] if i["end"] is None]
    assert all(i["end_offset"] is None for i in open_ones)
    assert {(i["kind"], i["subject"]) for i in open_ones} >= {
        ("instance", "i-1"),
        ("backend", "lb-<b>"),
    }
    assert "extra_key" not in doc
    assert timeline_document(scenario(), extra={"extra_key": 1})["extra_key"] == 1


def test_the_svg_is_well_formed_accessible_and_escapes_everything() -> None:
    doc = timeline_document(scenario(), title='t::x[<img src=x onerror="y">]')
    text = timeline_svg(doc)
    root = parse(text)  # well-formed
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}title").get("id") == title_id  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").get("id") == desc_id  # type: ignore[union-attr]
    assert "2 failure(s)" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    # no element but the drawing's own, whatever the names held
    tags = {e.tag.removeprefix(SVG) for e in root.iter()}
    assert tags <= {"svg", "title", "desc", "rect", "text", "g", "line", "path", "circle"}
    assert "<script" not in text
    assert "<img" not in text
    assert "<b>" not in text
    texts = " ".join(e.text or "" for e in root.iter())
    assert EVIL in texts  # shown as text
    assert 't::x[<img src=x onerror="y">]' in texts
    # no reference to anything outside
    assert "href" not in text
    assert "url(" not in text


def test_the_svg_draws_lanes_bars_ticks_and_markers() -> None:
    root = parse(timeline_svg(timeline_document(scenario())))
    tips = [t.text or "" for t in root.iter(f"{SVG}title")]
    # the poller's 20 calls at one moment: one tick saying so
    assert any(t.startswith("20 calls\n") for t in tips)
    assert any("i-404 -> 404 InvalidInstanceId.NotFound" in t for t in tips)
    assert any(t.startswith("i-1 status: Stopping") for t in tips)
    assert any("event e-" in t and "Avoided" in t for t in tips)
    assert any(t.startswith(f"{EVIL} backend lb-<b>: abnormal") for t in tips)
    # the failing backend value is outlined in red, its change marked by a red diamond
    red = [e for e in root.iter() if e.get("stroke") == "#c62828" or e.get("fill") == "#c62828"]
    assert len(red) >= 3
    labels = [  # a label's full text is its tooltip; what shows follows it
        e.find(f"{SVG}title").tail if e.find(f"{SVG}title") is not None else e.text  # type: ignore[union-attr]
        for e in root.iter(f"{SVG}text")
    ]
    assert "i-1" in labels
    assert "(no instance)" in labels
    assert "+0s" in labels
    assert "+2h" in labels


def drain_and_check() -> Timeline:
    """A backend drained, its instance rebooted (abnormal, then normal), two command runs:
    one succeeds, one fails."""
    sim = EcsSimulator(now=T0, instances=["i-1", "i-2"], seed=2)
    lb = sim.add_load_balancer(
        name="web", listeners=[(80, "web")], vserver_groups={"web": [("i-1", 100, 80)]}
    )
    group = lb.vserver_group_ids["web"]
    sim.on_command("curl", exit_code=7)
    old = json.dumps([{"ServerId": "i-1", "Port": 80}])
    new = json.dumps([{"ServerId": "i-1", "Port": 80, "Weight": 0}])
    sim.call("ModifyVServerGroupBackendServers", RegionId=sim.region, VServerGroupId=group,
             OldBackendServers=old, NewBackendServers=new)  # fmt: skip
    for content in ("nginx -s quit", "curl -f localhost"):
        sim.call("RunCommand", RegionId=sim.region, Type="RunShellScript",
                 CommandContent=content, **{"InstanceId.1": "i-1"})  # fmt: skip
    sim.advance("1m")
    sim.reboot_instance("i-1")
    sim.advance("1m")
    return sim.timeline


def test_backends_are_a_health_band_and_a_traffic_strip_runs_a_bar_and_a_mark() -> None:
    timeline = drain_and_check()
    doc = timeline_document(timeline, title="drain")
    root = parse(timeline_svg(doc))
    subject = next(r["subject"] for r in doc["records"] if r["kind"] == "weight")
    labels = [t.text or "" for t in root.iter(f"{SVG}title")]
    # one row per backend (not one per kind), one row of runs
    assert f"{subject}" in labels
    assert "commands" in labels
    assert not any(t.startswith(("weight ", "backend ", "command t-")) for t in labels)
    tips = [t for t in labels if t.startswith(f"i-1 backend {subject}: ")]
    health = [t.split(": ")[1].split(",")[0] for t in tips if "weight" not in t]
    # before the first verdict: the health it changed from
    assert health == ["normal", "abnormal", "normal"]
    weights = [t.split(": ")[1].split(",")[0] for t in tips if "weight" in t]
    assert weights == ["weight 100", "weight 0 (no traffic)"]
    shapes = {
        (e.find(f"{SVG}title").text or "").split(",")[0]: e  # type: ignore[union-attr]
        for e in root.iter(f"{SVG}rect")
        if e.find(f"{SVG}title") is not None
    }
    abnormal = shapes[f"i-1 backend {subject}: abnormal"]
    assert (abnormal.get("fill"), abnormal.get("stroke")) == (COLOURS["abnormal"], "#c62828")
    drained = shapes[f"i-1 backend {subject}: weight 0 (no traffic)"]
    assert (drained.get("fill"), drained.get("stroke-dasharray")) == ("#ffffff", "3 2")
    # each run: a group titled with its steps, its mark a green dot or a red diamond
    runs = [
        g for g in root.iter(f"{SVG}g")
        if (g.findtext(f"{SVG}title") or "").startswith("i-1 command run ")
    ]  # fmt: skip
    ends = sorted((g.findtext(f"{SVG}title") or "").splitlines()[0].rsplit(": ")[1] for g in runs)
    assert ends == ["Failed", "Success"]
    for g in runs:
        title = g.findtext(f"{SVG}title") or ""
        assert "(new) -> Pending" in title.splitlines()[1]
        if title.splitlines()[0].endswith("Failed"):
            assert g.find(f"{SVG}path").get("fill") == "#c62828"  # type: ignore[union-attr]
            assert "exit 7" in title
        else:
            assert g.find(f"{SVG}circle").get("fill") == "#2e7d32"  # type: ignore[union-attr]
    legend = [t.text or "" for t in root.iter(f"{SVG}text")]
    for name in ("backend normal", "backend abnormal", "traffic (weight > 0)",
                 "drained (weight 0)", "command succeeded", "command failed"):  # fmt: skip
        assert name in legend
    assert "Success" not in legend  # the runs' values are marks, not swatches
    # a run still going: a blue dot at the end of the drawing
    sim = EcsSimulator(now=T0, instances=["i-1"])
    sim.call("RunCommand", RegionId=sim.region, Type="RunShellScript", CommandContent="x",
             **{"InstanceId.1": "i-1"})  # fmt: skip
    going = parse(timeline_svg(timeline_document(sim.timeline)))
    assert "command running" in [t.text for t in going.iter(f"{SVG}text")]


def test_pages_are_well_formed_and_list_every_record() -> None:
    doc = timeline_document(scenario(), title="t::<x>", outcome="failed")
    page = timeline_page(doc)
    assert page.startswith("<!DOCTYPE html>\n")
    root = parse(page.split("\n", 1)[1])
    rows = root.findall(".//tbody/tr")
    assert len(rows) == len(doc["records"])
    assert sum(1 for r in rows if r.get("class") == "failure") == 2
    assert "<script" not in page
    assert "&lt;x&gt;" in page
    assert root.find(".//a").get("href") == "index.html"  # type: ignore[union-attr]
    assert "href" not in timeline_page(doc, index=None)
    empty = timeline_document(Timeline([], start=T0, end=T0))
    assert "Nothing happened" in timeline_page(empty)
    parse(timeline_svg(empty))  # an empty timeline still draws


def test_the_index_lists_failures_first_and_escapes_names() -> None:
    pages = [
        {"file": "a.html", "title": "a::ok", "outcome": "passed", "records": 3, "failures": 0,
         "duration": 60},
        {"file": "b&.html", "title": "b::<bad>", "outcome": "failed", "records": 1,
         "failures": 1, "duration": 0},
        {"file": "c.html", "title": "c::err", "outcome": "error", "records": 0, "failures": 0,
         "duration": 3600},
    ]  # fmt: skip
    text = index_page(pages)
    root = parse(text.split("\n", 1)[1])
    links = [(a.get("href"), a.text) for a in root.iter("a")]
    assert links == [("b&.html", "b::<bad>"), ("c.html", "c::err"), ("a.html", "a::ok")]
    assert "3 test(s), 2 failed." in text
    assert "No test used" in index_page([])


def test_colours_and_spans() -> None:
    assert colour("Running") == COLOURS["Running"]
    assert colour("SomethingNew") == colour("SomethingNew")  # stable for unknown values
    assert span_text(0) == "+0s"
    assert span_text(90) == "+1m30s"
    assert span_text(86400 + 3600) == "+1d1h"
    assert span_text(0.25) == "+0.25s"
    assert iso(T0 + timedelta(microseconds=500000)) == "2024-05-01T08:00:00.5Z"


def test_a_recorder_of_calls_only() -> None:
    calls: list[Any] = [ApiCall("DescribeRegions", {}, 200, None, T0, "r")]
    doc = timeline_document(Recorder(T0, calls).timeline(T0))
    assert doc["lanes"] == [""]
    parse(timeline_svg(doc))
