"""``subscribe_url``: notifications POSTed as JSON to a real local webhook over HTTP.

The consumer is a tiny ``http.server`` in a thread, as a user's handler server would be; a
handler that calls the API back from its own thread shows that delivery happens with the
simulation unlocked, at the virtual time of the change.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator

START = "2030-01-01T00:00:00Z"


class Consumer:
    """A local webhook: records each JSON body; ``react`` runs on each (in the server thread)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200
        self.delay = 0.0
        self.location: str | None = None  # sent as Location (with a 3xx status)
        self.react: Callable[[dict[str, Any]], None] | None = None
        consumer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(body)
                consumer.received.append(payload)
                consumer.headers.append(dict(self.headers))
                if consumer.react is not None:
                    consumer.react(payload)
                if consumer.delay:
                    time.sleep(consumer.delay)
                self.send_response(consumer.status)
                if consumer.location is not None:
                    self.send_header("Location", consumer.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ecs-events"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def names(self) -> list[str]:
        return [p["name"] for p in self.received]


@pytest.fixture
def consumer() -> Iterator[Consumer]:
    running = Consumer()
    running.thread.start()
    try:
        yield running
    finally:
        running.httpd.shutdown()
        running.httpd.server_close()


@pytest.fixture
def sim() -> Iterator[EcsSimulator]:
    with EcsSimulator(now=START, instances=["i-a", "i-b"], seed=5) as simulator:
        yield simulator


def at(text: str) -> datetime:
    from pytest_ecs_events.core.clock import parse_datetime

    return parse_datetime(text)


def test_cloudmonitor_payloads_arrive_over_http_in_order(
    sim: EcsSimulator, consumer: Consumer
) -> None:
    hook = sim.subscribe_url(consumer.url)
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")
    assert consumer.names() == ["Instance:SystemMaintenance.Reboot:Scheduled"]

    sim.advance("3h")

    assert consumer.names() == [
        "Instance:SystemMaintenance.Reboot:Scheduled",
        "Instance:SystemMaintenance.Reboot:Executing",
        "Instance:SystemMaintenance.Reboot:Executed",
    ]
    first = consumer.received[0]
    assert first["product"] == "ECS"
    assert first["resourceId"] == "acs:ecs:cn-hangzhou:1234567890123456:instance/i-a"
    assert first["content"]["eventId"] == event.event_id
    assert first["content"]["notBefore"] == "2030-01-01T02:00:00Z"
    assert consumer.headers[0]["Content-Type"] == "application/json; charset=utf-8"
    assert consumer.headers[0]["User-Agent"].startswith("pytest-ecs-events/")
    # the record: status, no error, the virtual time of each change
    assert [(d.status, d.error, d.ok) for d in hook.deliveries] == [(200, None, True)] * 3
    assert [d.time for d in hook.deliveries] == [
        at("2030-01-01T00:00:00Z"),
        at("2030-01-01T02:00:00Z"),
        at("2030-01-01T02:00:30Z"),
    ]
    assert hook.delivered == consumer.received
    assert hook.failures == []


def test_delivery_happens_at_the_virtual_time_of_the_change(
    sim: EcsSimulator, consumer: Consumer
) -> None:
    seen: list[tuple[str, datetime]] = []
    consumer.react = lambda payload: seen.append((payload["name"], sim.now))
    sim.subscribe_url(consumer.url)
    sim.create_events("SystemMaintenance.Stop", "i-a", "+1h")
    sim.advance("5h")
    assert seen == [
        ("Instance:SystemMaintenance.Stop:Scheduled", at("2030-01-01T00:00:00Z")),
        ("Instance:SystemMaintenance.Stop:Executing", at("2030-01-01T01:00:00Z")),
        ("Instance:SystemMaintenance.Stop:Executed", at("2030-01-01T01:00:30Z")),
    ]
    assert sim.now == at("2030-01-01T05:00:00Z")


def test_a_webhook_handler_that_reboots_avoids_the_event(
    sim: EcsSimulator, consumer: Consumer
) -> None:
    """The handler calls RebootInstance through the legacy SDK from the server's thread."""
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

    client = AcsClient("AK", "SECRET", sim.region)

    def handler(payload: dict[str, Any]) -> None:
        content = payload["content"]
        if content.get("eventStatus") == "Scheduled":
            request = RebootInstanceRequest()
            request.set_InstanceId(content["instanceId"])
            client.do_action_with_exception(request)

    consumer.react = handler
    hook = sim.subscribe_url(consumer.url)
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")

    assert sim.event(event.event_id).state == "Avoided"
    assert consumer.names() == [
        "Instance:SystemMaintenance.Reboot:Scheduled",
        "Instance:SystemMaintenance.Reboot:Avoided",
    ]
    assert [c.action for c in sim.calls] == ["RebootInstance"]
    assert all(d.ok for d in hook.deliveries)


def test_instance_changes_and_eventbridge(sim: EcsSimulator, consumer: Consumer) -> None:
    sim.subscribe_url(consumer.url, format="eventbridge", instance_changes=True)
    sim.reboot_instance("i-b")
    sim.advance("5m")
    assert {p["type"] for p in consumer.received} == {"ecs:Instance:StateChange"}
    assert [p["data"]["state"] for p in consumer.received] == ["Stopping", "Starting", "Running"]
    assert all(p["source"] == "acs.ecs" for p in consumer.received)


def test_api_calls_deliver_too(sim: EcsSimulator, consumer: Consumer) -> None:
    sim.subscribe_url(consumer.url)
    sim.call(
        "CreateSimulatedSystemEvents",
        RegionId="cn-hangzhou",
        EventType="SystemMaintenance.Reboot",
        NotBefore="2030-01-01T03:00:00Z",
        **{"InstanceId.1": "i-b"},
    )
    assert consumer.names() == ["Instance:SystemMaintenance.Reboot:Scheduled"]


def test_failures_are_recorded_not_raised(sim: EcsSimulator, consumer: Consumer) -> None:
    consumer.status = 500
    failing = sim.subscribe_url(consumer.url)
    with socket.socket() as spare:  # a port where nothing listens
        spare.bind(("127.0.0.1", 0))
        closed_port = spare.getsockname()[1]
    refused = sim.subscribe_url(f"http://127.0.0.1:{closed_port}/hook")

    sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")

    (answer,) = failing.deliveries
    assert (answer.status, answer.ok) == (500, False)
    assert answer.error is not None
    assert "HTTP 500" in answer.error
    (nobody,) = refused.deliveries
    assert nobody.status is None
    assert nobody.error is not None
    assert "refused" in nobody.error.lower()
    assert failing.failures == failing.deliveries
    assert sim.subscriber_errors == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    "location", ["http://10.255.255.1:9/steal", "http://example.com/steal", "/elsewhere"]
)
def test_redirects_are_not_followed(
    sim: EcsSimulator, consumer: Consumer, monkeypatch: pytest.MonkeyPatch, status: int,
    location: str,
) -> None:  # fmt: skip
    """A webhook that redirects (to another host, or even to itself) gets no second request:
    the delivery is recorded as failed, naming the redirect, and no other host is contacted."""
    contacted: list[str] = []
    connect = socket.create_connection

    def watched(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        contacted.append(str(address[0]))
        if address[0] != "127.0.0.1":
            raise OSError("the test forbids this connection")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", watched)
    consumer.status = status
    consumer.location = location
    hook = sim.subscribe_url(consumer.url)
    sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    (delivery,) = hook.deliveries
    assert contacted == ["127.0.0.1"]
    assert len(consumer.received) == 1
    assert (delivery.status, delivery.ok) == (status, False)
    assert delivery.error is not None
    assert "redirect" in delivery.error
    assert location in delivery.error
    assert sim.subscriber_errors == []


def test_a_slow_webhook_times_out(sim: EcsSimulator, consumer: Consumer) -> None:
    consumer.delay = 1.0
    hook = sim.subscribe_url(consumer.url, timeout=0.2)
    sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    (delivery,) = hook.deliveries
    assert delivery.status is None
    assert delivery.error == "no answer within 0.2s"
    assert delivery.duration < 1.0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "https://[::1]:8443/hook",
        "http://127.10.0.1/",
    ],
)
def test_loopback_urls_are_accepted(sim: EcsSimulator, url: str) -> None:
    assert sim.subscribe_url(url).url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com/hook", "must be on this machine"),
        ("http://10.0.0.5:8080/hook", "must be on this machine"),
        ("http://100.100.100.200/latest", "must be on this machine"),
        ("ftp://127.0.0.1/x", "http:// or https:// URL"),
        ("127.0.0.1:8080", "http:// or https:// URL"),
    ],
)
def test_other_hosts_are_refused(sim: EcsSimulator, url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sim.subscribe_url(url)


def test_bad_format_and_timeout(sim: EcsSimulator) -> None:
    with pytest.raises(ValueError, match="format must be one of"):
        sim.subscribe_url("http://127.0.0.1/x", format="sns")
    with pytest.raises(ValueError, match="timeout must be a positive"):
        sim.subscribe_url("http://127.0.0.1/x", timeout=0)


def test_with_the_fixture_and_a_marker_event(ecs_sim: EcsSimulator, consumer: Consumer) -> None:
    hook = ecs_sim.subscribe_url(consumer.url)
    ecs_sim.add_instance("i-x")
    ecs_sim.create_events("SystemFailure.Reboot", "i-x", "+10m")
    ecs_sim.advance(timedelta(minutes=10))
    assert consumer.names() == [
        "Instance:SystemFailure.Reboot:Executing",
        "Instance:SystemFailure.Reboot:Executed",
    ]
    assert len(hook.deliveries) == 2
