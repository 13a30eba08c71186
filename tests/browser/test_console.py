"""The web console in headless Chromium: what it shows, its forms, and that nothing a test
(or a caller of the API) names can run as script in it.

The console is loaded from the ``ecs_server`` fixture (and once from an ``ecs-sim serve``
subprocess); each test checks the page against ``ecs_sim`` itself, and saves screenshots to
its tmp dir.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.timeline import is_failure
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.serve import Server, start_serve

pytestmark = [
    pytest.mark.browser,
    pytest.mark.ecs_sim(
        now="2030-01-01T08:00:00Z",
        seed=7,
        instances=[
            {"instance_id": "i-web1", "name": "web-1", "tags": {"team": "sre", "env": "prod"}},
            {"instance_id": "i-web2", "name": "web-2", "public_ip": "47.98.1.2"},
        ],
    ),
]

Shot = Callable[..., Path]

#: Markup that would run if the page ever inserted text as HTML.
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def open_console(page: Any, url: str) -> None:
    page.goto(url + "/")
    # the first refresh has drawn the tables
    page.locator("#instances tbody tr[data-instance]").first.wait_for()


def row(page: Any, table: str, key: str, value: str) -> Any:
    return page.locator(f"#{table} tbody tr[data-{key}='{value}']")


def status_says(page: Any, pattern: str) -> None:
    page.wait_for_function(
        "pattern => new RegExp(pattern).test(document.getElementById('status').textContent)",
        arg=pattern,
    )


def weigh(sim: EcsSimulator, group_id: str, instance_id: str, weight: int) -> None:
    old = [{"ServerId": instance_id, "Port": 80}]
    new = [{"ServerId": instance_id, "Port": 80, "Weight": weight}]
    sim.call("ModifyVServerGroupBackendServers", RegionId=sim.region, VServerGroupId=group_id,
             OldBackendServers=json.dumps(old), NewBackendServers=json.dumps(new))  # fmt: skip


def run_command(sim: EcsSimulator, instance_id: str, content: str) -> None:
    sim.call("RunCommand", RegionId=sim.region, Type="RunShellScript", CommandContent=content,
             **{"InstanceId.1": instance_id})  # fmt: skip


def titles(chart: Any, selector: str) -> list[str]:
    return list(
        chart.locator(selector).evaluate_all(
            "shapes => shapes.map(s => s.querySelector('title').textContent)"
        )
    )


def test_console_shows_instances_events_and_timeline(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, page: Any, screenshot: Shot
) -> None:
    """A drain, a reboot and a failing check: every kind the recorder has is drawn."""
    lb = ecs_sim.add_load_balancer(
        name="web",
        listeners=[(80, "web")],
        vserver_groups={"web": [("i-web1", 100, 80), ("i-web2", 100, 80)]},
    )
    group = lb.vserver_group_ids["web"]
    ecs_sim.on_command(r"nginx", duration="40s")
    ecs_sim.on_command(r"curl", exit_code=7, duration="30s")
    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+30m")
    run_command(ecs_sim, "i-web2", "systemctl reload nginx")  # interrupted by the redeploy
    ecs_sim.inject_event("SystemFailure.Redeploy", "i-web2", state="Executing")
    weigh(ecs_sim, group, "i-web1", 0)
    run_command(ecs_sim, "i-web1", "nginx -s quit")
    ecs_sim.advance("5m")
    ecs_sim.reboot_instance("i-web1")
    ecs_sim.advance("5m")
    run_command(ecs_sim, "i-web1", "curl -f localhost/health")
    ecs_sim.advance("5m")
    weigh(ecs_sim, group, "i-web1", 100)
    ecs_sim.advance("5m")
    response = page.goto(ecs_server.url + "/")
    assert response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    page.locator("#instances tbody tr[data-instance]").first.wait_for()

    web1 = ecs_sim.instance("i-web1")
    cells = row(page, "instances", "instance", "i-web1").locator("td")
    assert cells.nth(0).text_content() == "i-web1"
    assert cells.nth(1).text_content() == "web-1"
    assert cells.nth(2).text_content() == "Running"
    assert cells.nth(3).text_content() == web1.private_ip
    assert cells.nth(7).text_content() == "team=sreenv=prod"
    assert row(page, "instances", "instance", "i-web2").locator("td").nth(4).text_content() == (
        "47.98.1.2"
    )
    assert page.locator("#now").text_content() == "2030-01-01T08:20:00Z"

    event_cells = row(page, "events", "event", event.event_id).locator("td")
    assert event_cells.nth(2).text_content() == "SystemMaintenance.Reboot (simulated)"
    assert event_cells.nth(3).text_content() == "Avoided"  # the reboot avoided it
    assert event_cells.nth(4).text_content() == "2030-01-01T08:30:00Z"

    # the chart: the statuses from each instance's creation, a row per event
    chart = page.locator("#timeline svg")
    assert chart.get_attribute("role") == "img"
    web1_statuses = [t.split(" from ")[0] for t in titles(chart, "rect[data-status]")]
    assert web1_statuses[:4] == ["i-web1 Running", "i-web1 Stopping", "i-web1 Starting",
                                 "i-web1 Running"]  # fmt: skip
    assert any(s.startswith("i-web2 Stopping") for s in web1_statuses), web1_statuses
    assert chart.locator(f"rect[data-event='{event.event_id}']").count() == 2
    with_not_before = [e for e in ecs_sim.events() if e.not_before is not None]
    assert chart.locator("polygon.not-before").count() == len(with_not_before) >= 1
    assert chart.locator("line.now").count() == 1
    # the backends: health as a band (abnormal while i-web1 rebooted), weight as a strip
    health = chart.locator("rect[data-health]").evaluate_all(
        "rs => rs.map(r => [r.querySelector('title').textContent.split(':')[0],"
        " r.dataset.health, r.classList.contains('failure')])"
    )
    web1_health = [(h, bad) for who, h, bad in health if who.startswith("i-web1")]
    assert web1_health == [("normal", False), ("abnormal", True), ("normal", False)]
    weights = [w.split(" from ")[0] for w in titles(chart, "rect[data-weight]")]
    backend = f"{lb.load_balancer_id}/{group}:80"  # the backend: group and port
    assert [w for w in weights if w.startswith("i-web1")] == [
        f"i-web1 backend {backend}: weight 100",
        f"i-web1 backend {backend}: weight 0 (no traffic)",
        f"i-web1 backend {backend}: weight 100",
    ]
    # the command runs, each marked where it ended; the failures red
    runs = {run.invoke_id: run.status for run in ecs_sim.invocations}  # one instance each
    marks = chart.locator("[data-command]").evaluate_all(
        "ms => ms.map(m => [m.dataset.command.split('/')[0], m.dataset.commandStatus,"
        " m.classList.contains('m-failed')])"
    )
    assert sorted(map(tuple, marks)) == sorted(
        (invoke, status, status != "Success") for invoke, status in runs.items()
    )
    assert sorted(runs.values()) == ["Aborted", "Failed", "Success"]
    # the same as text, under the chart, newest first
    page.locator("#changes-text summary").click()
    text_rows = page.locator("#changes tbody tr")
    recorded = [c for c in ecs_sim.timeline if c.kind not in ("call", "event")]
    assert text_rows.count() == len(recorded)
    assert text_rows.first.locator("td").nth(2).text_content() == recorded[-1].kind
    assert page.locator("#changes tbody tr.failure").count() == sum(
        1 for c in recorded if is_failure(c)
    )
    page.locator("#changes-text summary").click()  # closed again for the screenshots
    legend = page.locator("#legend li").all_text_contents()
    assert {"backend abnormal", "drained (weight 0)", "command failed or timed out"} <= set(legend)
    screenshot("console", docs=True)
    screenshot("console-timeline", element=page.locator("#timeline"), docs=True)


def test_advance_form_moves_the_clock_and_the_events(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, page: Any, screenshot: Shot
) -> None:
    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+2h")
    open_console(page, ecs_server.url)
    page.get_by_label("By (a duration: 30m, 2h, 1d)").fill("2h1m")
    page.get_by_role("button", name="Advance").click()
    status_says(page, "The clock is at 2030-01-01T10:01:00Z")
    assert ecs_sim.now.isoformat() == "2030-01-01T10:01:00+00:00"
    state = ecs_sim.events()[0].state.value
    assert state == "Executed"
    state_cell = row(page, "events", "event", event.event_id).locator("td").nth(3)
    assert state_cell.text_content() == state
    history = row(page, "events", "event", event.event_id).locator("td").nth(5)
    assert [s.split(" ")[-1] for s in history.locator("li").all_text_contents()] == [
        "Scheduled",
        "Executing",
        "Executed",
    ]
    assert page.locator("#now").text_content() == "2030-01-01T10:01:00Z"
    # the status region is a polite live region, so screen readers hear the result
    assert page.locator("#status").get_attribute("aria-live") == "polite"
    screenshot("console-advanced")


def test_create_then_cancel_a_simulated_event(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, page: Any, screenshot: Shot
) -> None:
    open_console(page, ecs_server.url)
    page.get_by_label("Event type").first.select_option("SystemMaintenance.Reboot")
    page.locator("#simulate-instance").select_option("i-web2")
    page.get_by_label("NotBefore (+2h, or a UTC time)").fill("+3h")
    page.get_by_role("button", name="Create").click()
    status_says(page, "^Created e-")
    (event,) = ecs_sim.events()
    assert (event.instance_id, event.simulated, event.state.value) == ("i-web2", True, "Scheduled")
    assert event.not_before is not None
    assert event.not_before.isoformat() == "2030-01-01T11:00:00+00:00"
    event_row = row(page, "events", "event", event.event_id)
    event_row.wait_for()
    screenshot("console-created")

    event_row.get_by_role("button", name=f"Cancel {event.event_id}").click()
    status_says(page, f"Event {event.event_id} is Canceled")
    assert ecs_sim.events()[0].state.value == "Canceled"
    assert event_row.locator("td").nth(3).text_content() == "Canceled"
    assert event_row.get_by_role("button").count() == 0  # nothing left to cancel


def test_reboot_form_and_polling_follow_the_instance(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, page: Any, screenshot: Shot
) -> None:
    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+2h")
    open_console(page, ecs_server.url)
    page.locator("#instance-target").select_option("i-web1")
    page.get_by_label("Reboot").check()
    page.get_by_role("button", name="Apply").click()
    status_says(page, "i-web1: reboot accepted, now Stopping")
    status_cell = row(page, "instances", "instance", "i-web1").locator("td").nth(2)
    assert status_cell.text_content() == "Stopping"
    # the reboot avoided the Scheduled maintenance reboot
    assert ecs_sim.events()[0].state.value == "Avoided"
    assert row(page, "events", "event", event.event_id).locator("td").nth(3).text_content() == (
        "Avoided"
    )

    # a change made by the test, not the page: the console picks it up by polling
    ecs_sim.advance("1m")
    page.wait_for_function(
        "() => document.querySelector(\"#instances tr[data-instance='i-web1'] td:nth-child(3)\")"
        ".textContent === 'Running'"
    )
    assert page.locator("#now").text_content() == "2030-01-01T08:01:00Z"
    titles = page.locator("#timeline rect[data-status]").evaluate_all(
        "rects => rects.map(r => r.querySelector('title').textContent)"
    )
    assert [t.split(" from ")[0] for t in titles if t.startswith("i-web1")] == [
        "i-web1 Running",
        "i-web1 Stopping",
        "i-web1 Starting",
        "i-web1 Running",
    ]

    # stop, then a start refused by the API is announced, and changes nothing
    page.refusals_expected = True
    page.get_by_label("Stop").check()
    page.get_by_role("button", name="Apply").click()
    status_says(page, "i-web1: stop accepted")
    page.locator("#instance-target").select_option("i-web2")
    page.get_by_label("Start").check()
    page.get_by_role("button", name="Apply").click()
    status_says(page, "^Refused: IncorrectInstanceStatus")
    assert "error" in (page.locator("#status").get_attribute("class") or "")
    assert ecs_sim.instance("i-web2").status.value == "Running"
    screenshot("console-refused", docs=True)


def test_injected_names_tags_and_reasons_are_inert(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, page: Any, screenshot: Shot
) -> None:
    ecs_sim.add_instance("i-evil", name=HOSTILE, tags={HOSTILE: HOSTILE})
    open_console(page, ecs_server.url)
    # a platform event whose reason is markup, through the page's own inject form
    page.locator("#inject-type").select_option("SystemMaintenance.Reboot")
    page.locator("#inject-instance").select_option("i-evil")
    page.get_by_label("Reason (optional)").fill(HOSTILE)
    page.get_by_role("button", name="Inject").click()
    status_says(page, "^Injected e-")
    (event,) = ecs_sim.events(instance_id="i-evil")
    assert event.reason == HOSTILE

    evil = row(page, "instances", "instance", "i-evil").locator("td")
    assert evil.nth(1).text_content() == HOSTILE
    assert evil.nth(7).text_content() == f"{HOSTILE}={HOSTILE}"
    reason = row(page, "events", "event", event.event_id).locator("td").nth(6)
    assert reason.text_content() == HOSTILE
    option = page.locator("#instance-target option[value='i-evil']")
    assert option.text_content() == f"i-evil ({HOSTILE})"
    # the text stayed text: no element was made of it, and no script ran
    assert page.locator("main img").count() == 0
    assert page.locator("body script").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    screenshot("console-inert", docs=True)


def test_keyboard_only_use_and_labels(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, page: Any
) -> None:
    open_console(page, ecs_server.url)
    # every form control has an accessible name, from a label
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
              .filter(c => !(c.labels && c.labels.length))
              .map(c => c.id || c.name)"""
    )
    assert unlabeled == []
    landmarks = page.evaluate(
        "() => ['header', 'nav', 'main', 'footer'].filter(t => document.querySelector(t))"
    )
    assert landmarks == ["header", "nav", "main", "footer"]
    # the skip link comes first, then the clock field is reachable and Enter submits its form
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to the content"
    page.locator("#advance-by").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("30m")
    page.keyboard.press("Enter")
    status_says(page, "The clock is at 2030-01-01T08:30:00Z")
    assert ecs_sim.now.isoformat() == "2030-01-01T08:30:00+00:00"
    # bad input is announced, not thrown
    page.refusals_expected = True
    page.locator("#advance-by").fill("soon")
    page.keyboard.press("Enter")
    status_says(page, "^Refused: InvalidParameter")


def test_an_sdk_call_to_the_same_url_is_still_an_api_call(
    ecs_sim: EcsSimulator, ecs_server: EcsServer, page: Any
) -> None:
    """The browser gets the page at ``/``; the same URL with API parameters is the API."""
    open_console(page, ecs_server.url)
    api = page.request.get(
        ecs_server.url + "/?Action=DescribeInstanceStatus&RegionId=cn-hangzhou",
        headers={"Accept": "text/html,application/json"},
    )
    assert api.status == 200
    assert api.headers["content-type"].startswith("application/json")
    assert api.json()["TotalCount"] == 2
    assert ecs_sim.calls[-1].action == "DescribeInstanceStatus"


@pytest.fixture
def served() -> Iterator[Server]:
    proc, _scheme, port = start_serve(
        "--quiet", "--now", "2030-01-01T00:00:00Z", "--instances", "i-a",
        "--event", "SystemMaintenance.Reboot:i-a:+1h",
    )  # fmt: skip
    server = Server(proc, port)
    try:
        yield server
    finally:
        if proc.poll() is None:
            server.stop(signal.SIGTERM)


def test_ecs_sim_serve_serves_the_console(served: Server, page: Any, screenshot: Shot) -> None:
    open_console(page, served.url)
    (event,) = served.events()
    event_row = row(page, "events", "event", event["event_id"])
    assert event_row.locator("td").nth(3).text_content() == "Scheduled"
    page.get_by_label("By (a duration: 30m, 2h, 1d)").fill("1h5m")
    page.get_by_role("button", name="Advance").click()
    status_says(page, "The clock is at 2030-01-01T01:0")
    assert served.events()[0]["state"] == "Executed"
    assert event_row.locator("td").nth(3).text_content() == "Executed"
    # the clock follows the wall clock there: the page shows it ticking on
    shown = page.locator("#now").text_content()
    assert re.fullmatch(r"2030-01-01T01:0\d:\d\dZ", shown or ""), shown
    screenshot("console-serve")
