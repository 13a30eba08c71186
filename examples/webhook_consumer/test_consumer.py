"""The CloudMonitor webhook, receiving the simulator's notifications over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.ecs_sim(now="2024-05-01T00:00:00Z", instances=["i-web1", "i-cache1"])


def post(url: str, body: bytes, method: str = "POST") -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_scheduled_reboot_opens_a_ticket_that_closes_when_it_is_done(ecs_sim, cloudmonitor, desk):
    [event] = ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+2h")

    ticket = desk.tickets[event.event_id]
    assert ticket.title == "i-web1: maintenance reboot at 2024-05-01T02:00:00Z"
    assert ticket.status == "open"

    ecs_sim.advance("2h30s")  # Executing at NotBefore, Executed 30 s later

    assert (ticket.status, ticket.outcome) == ("closed", "Executed")
    names = [p["name"] for p in cloudmonitor.delivered]
    assert names == [
        "Instance:SystemMaintenance.Reboot:Scheduled",
        "Instance:SystemMaintenance.Reboot:Executing",
        "Instance:SystemMaintenance.Reboot:Executed",
    ]
    assert not cloudmonitor.failures


def test_an_opted_in_instance_is_rebooted_early_and_the_event_avoided(ecs_sim, cloudmonitor, desk):
    [event] = ecs_sim.create_events("SystemMaintenance.Reboot", "i-cache1", "+6h")

    # The webhook called RebootInstance back while handling the Scheduled notification.
    assert event.state == "Avoided"
    assert [c.action for c in ecs_sim.calls] == ["RebootInstance"]
    ticket = desk.tickets[event.event_id]
    assert ticket.notes == ["rebooted early"]
    assert (ticket.status, ticket.outcome) == ("closed", "Avoided")


def test_a_failed_early_reboot_leaves_the_ticket_open(ecs_sim, cloudmonitor, desk):
    ecs_sim.stop_instance("i-cache1")
    ecs_sim.advance("5s")  # Stopped: RebootInstance now gets IncorrectInstanceStatus

    [event] = ecs_sim.create_events("SystemMaintenance.Reboot", "i-cache1", "+6h")

    ticket = desk.tickets[event.event_id]
    assert ticket.notes == ["early reboot failed: IncorrectInstanceStatus"]
    assert ticket.status == "open"
    assert event.state == "Scheduled"


def test_a_cancelled_drill_closes_its_ticket(ecs_sim, cloudmonitor, desk):
    [event] = ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+1d")
    ecs_sim.cancel_events(event.event_id)

    assert desk.tickets[event.event_id].outcome == "Canceled"


def test_a_host_failure_opens_one_urgent_ticket(ecs_sim, cloudmonitor, desk):
    event = ecs_sim.inject_event("SystemFailure.Reboot", "i-web1")  # Executing now
    ecs_sim.advance("1m")  # Executed: the same event again, no second ticket

    [ticket] = desk.tickets.values()
    assert ticket.event_id == event.event_id
    assert ticket.urgent
    assert ecs_sim.instance("i-web1").status == "Running"


def test_a_redelivered_notification_is_handled_once(ecs_sim, cloudmonitor, desk, webhook_url):
    ecs_sim.create_events("SystemMaintenance.Reboot", "i-web1", "+2h")
    [payload] = cloudmonitor.delivered

    status, body = post(webhook_url, json.dumps(payload).encode())  # CloudMonitor retries

    assert (status, body) == (200, {"result": "duplicate"})
    assert len(desk.tickets) == 1


def test_bad_requests_are_refused(webhook_url):
    assert post(webhook_url, b"{not json")[0] == 400
    assert post(webhook_url, b"[]")[0] == 400
    assert post(webhook_url, b"", method="GET")[0] == 405
    assert post(webhook_url.replace("/ecs", "/rds"), b"{}")[0] == 404
    status, body = post(webhook_url, json.dumps({"product": "RDS", "content": {}}).encode())
    assert (status, body) == (200, {"result": "ignored"})
