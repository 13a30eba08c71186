"""The pages of ``--ecs-timeline-html`` in headless Chromium: the index (failures first)
links each test's page, whose SVG has a lane per instance with the status band, the
backend's health and traffic, the command runs and the events, and whose table (the text
alternative) lists every record. Screenshots go to the test's tmp dir (and docs/images/ with
``ECS_DOCS_SCREENSHOTS=1``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pytest_ecs_events
from pytest_ecs_events.plugin.timeline_files import file_stem

pytestmark = pytest.mark.browser

Shot = Callable[..., Path]

SUITE = """
import json

import pytest

LB = [{"name": "web", "listeners": [(80, "web")],
       "vserver_groups": {"web": [("i-web1", 100, 80), ("i-web2", 100, 80)]}}]


def weigh(sim, weight):
    group = sim.load_balancers[0].vserver_group_ids["web"]
    old = [{"ServerId": "i-web1", "Port": 80}]
    new = [{"ServerId": "i-web1", "Port": 80, "Weight": weight}]
    sim.call("ModifyVServerGroupBackendServers", RegionId=sim.region, VServerGroupId=group,
             OldBackendServers=json.dumps(old), NewBackendServers=json.dumps(new))


def run(sim, instance_id, content):
    body = sim.call("RunCommand", RegionId=sim.region, Type="RunShellScript",
                    CommandContent=content, **{"InstanceId.1": instance_id})
    return body["InvokeId"]


@pytest.mark.ecs_sim(now="2030-01-01T08:00:00Z", seed=3, load_balancers=LB,
                     instances=["i-web1", "i-web2"])
def test_drain_reboot_then_check(ecs_sim):
    ecs_sim.on_command("nginx", duration="20s")
    ecs_sim.on_command("curl", exit_code=7, duration="10s")
    ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+10m")
    weigh(ecs_sim, 0)
    run(ecs_sim, "i-web1", "nginx -s quit")
    ecs_sim.advance("1m")
    ecs_sim.reboot_instance("i-web1")
    ecs_sim.advance("1m")
    check = run(ecs_sim, "i-web1", "curl -f localhost/health")
    ecs_sim.advance("1m")
    weigh(ecs_sim, 100)
    ecs_sim.advance("2m")
    with pytest.raises(Exception):
        ecs_sim.call("RebootInstance", InstanceId="i-404", RegionId=ecs_sim.region)
    status = [r.status for r in ecs_sim.invocations if r.invoke_id == check]
    assert status == ["Success"], "the health check after the reboot failed"


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instances="i-2", not_before="+1h")
def test_event_passes(ecs_sim):
    ecs_sim.advance("2h")
"""

FAILING = "test_suite.py::test_drain_reboot_then_check"
PASSING = "test_suite.py::test_event_passes"


@pytest.fixture
def pages(ecs_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The suite run with ``--ecs-timeline-html out/html --ecs-timeline-json out/json``."""
    root = str(Path(pytest_ecs_events.__file__).parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.getenv("PYTHONPATH")])))
    ecs_pytester.makepyfile(test_suite=SUITE)
    result = ecs_pytester.runpytest(
        "--ecs-timeline-html", "out/html", "--ecs-timeline-json", "out/json"
    )
    result.assert_outcomes(passed=1, failed=1)
    return ecs_pytester.path / "out"


def test_the_index_and_a_page_in_chromium(pages: Path, page: Any, screenshot: Shot) -> None:
    html = pages / "html"
    page.goto((html / "index.html").as_uri())
    # the index: failing tests first, each a link to its page
    links = page.locator("main table tbody a")
    assert links.all_text_contents() == [FAILING, PASSING]
    assert [links.nth(n).get_attribute("href") for n in range(2)] == [
        f"{file_stem(FAILING)}.html",
        f"{file_stem(PASSING)}.html",
    ]
    first_row = page.locator("main table tbody tr").first
    assert first_row.get_attribute("class") == "failure"
    assert first_row.locator(".outcome").text_content() == "failed"
    assert page.locator("header p").text_content() == "2 test(s), 1 failed."
    screenshot("timeline-index", docs=True)

    links.first.click()
    page.wait_for_url(f"**/{file_stem(FAILING)}.html")
    assert page.locator("h1").text_content() == FAILING
    document = json.loads((pages / "json" / f"{file_stem(FAILING)}.json").read_text("utf-8"))

    chart = page.locator("figure svg")
    # accessible: an image named by its title and described
    assert chart.get_attribute("role") == "img"
    title_id, desc_id = (chart.get_attribute("aria-labelledby") or "").split()
    assert page.locator(f"[id='{title_id}']").text_content() == f"Timeline: {FAILING}"
    description = page.locator(f"[id='{desc_id}']").text_content() or ""
    assert f"{len(document['records'])} record(s)" in description
    assert f"{document['failures']} failure(s)" in description

    # a lane per instance, with its rows
    labels = chart.locator("text").evaluate_all(
        "ts => ts.map(t => t.querySelector('title') ? t.querySelector('title').textContent"
        " : t.textContent)"
    )
    assert {"i-web1", "i-web2", "i-404"} <= set(labels)
    assert {"status", "commands", "calls"} <= set(labels)
    lb_id = next(r["subject"] for r in document["records"] if r["kind"] == "weight")
    assert lb_id in labels  # the backend's row, named by its load balancer and group
    tips = chart.locator("title").all_text_contents()
    assert any(t.startswith("i-web1 status: Stopping") for t in tips)
    assert any(t.startswith("i-web1 event e-") and "Avoided" in t for t in tips)
    health = [t for t in tips if t.startswith(f"i-web1 backend {lb_id}: ")]
    assert [t.split(": ")[1].split(",")[0] for t in health if "weight" not in t] == [
        "normal",
        "abnormal",
        "normal",
    ]
    assert any("weight 0 (no traffic)" in t for t in health)
    runs = [t.splitlines()[0] for t in tips if t.startswith("i-web1 command run ")]
    assert sorted(r.rsplit(": ", 1)[1] for r in runs) == ["Failed", "Success"]
    # the failures drawn red: the failed run's mark, the abnormal band, the refused call
    red = chart.locator("[fill='#c62828'], [stroke='#c62828']").count()
    assert red >= 3
    assert any("RebootInstance i-404 -> 404 InvalidInstanceId.NotFound" in t for t in tips)
    # nothing but the page itself: no script, nothing fetched (file:// has no server)
    assert page.locator("script").count() == 0

    # the text alternative: every record in the table, the failures marked
    rows = page.locator("main table tbody tr")
    assert rows.count() == len(document["records"])
    assert page.locator("main table tbody tr.failure").count() == document["failures"] >= 3
    kinds = set(page.locator("main table tbody tr td:nth-child(3)").all_text_contents())
    assert kinds == {"instance", "event", "call", "command", "backend", "weight"}
    screenshot("timeline-page")
    screenshot("timeline-svg", element=page.locator("figure"), docs=True)

    page.get_by_role("link", name="All timelines").click()
    page.wait_for_url("**/index.html")
    page.locator("main table tbody a").nth(1).click()
    page.wait_for_url(f"**/{file_stem(PASSING)}.html")
    assert page.locator(".outcome").text_content() == "passed"
    assert page.locator("figure svg title").first.text_content() == f"Timeline: {PASSING}"
