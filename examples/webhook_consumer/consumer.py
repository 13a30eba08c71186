"""A CloudMonitor webhook for ECS system events: tickets, and early reboots.

CloudMonitor (or an EventBridge rule with an HTTP target) POSTs one JSON notification per
event state change to this WSGI app, for example::

    {"product": "ECS", "name": "Instance:SystemMaintenance.Reboot:Scheduled",
     "regionId": "cn-hangzhou", "resourceId": "acs:ecs:cn-hangzhou:123:instance/i-web1",
     "content": {"eventId": "e-...", "instanceId": "i-web1",
                 "eventType": "SystemMaintenance.Reboot", "eventStatus": "Scheduled",
                 "notBefore": "2024-05-01T02:00:00Z", ...}, ...}

What it does:

* ``Instance:SystemMaintenance.Reboot:Scheduled``: opens a ticket for the on-call team; if the
  instance is one that may be rebooted at any time (``auto_reboot``), reboots it now through
  the SDK, which makes the platform's event ``Avoided``;
* the same event reaching ``Executed``, ``Avoided``, ``Canceled`` or ``Failed``: closes the
  ticket with that outcome;
* ``Instance:SystemFailure.*``: opens an urgent ticket (the platform is already acting);
* anything else is acknowledged and ignored. CloudMonitor retries deliveries, so every
  action is idempotent (keyed on ``eventId``).

Run it with any WSGI server (``gunicorn consumer:app``) or ``python consumer.py``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config

log = logging.getLogger("webhook_consumer")

PATH = "/cloudmonitor/ecs"
REBOOT = "SystemMaintenance.Reboot"
FINAL = {"Executed", "Avoided", "Canceled", "Failed"}
MAX_BODY = 64 * 1024

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def make_client(access_key_id: str, access_key_secret: str, region_id: str) -> Client:
    return Client(
        Config(
            access_key_id=access_key_id, access_key_secret=access_key_secret, region_id=region_id
        )
    )


@dataclass
class Ticket:
    event_id: str
    instance_id: str
    title: str
    urgent: bool = False
    status: str = "open"
    outcome: str | None = None
    notes: list[str] = field(default_factory=list)


class TicketDesk:
    """Stands in for Jira/ServiceNow: tickets keyed on the event id."""

    def __init__(self) -> None:
        self.tickets: dict[str, Ticket] = {}
        self._lock = threading.Lock()

    def open(self, event_id: str, instance_id: str, title: str, *, urgent: bool = False) -> bool:
        with self._lock:
            if event_id in self.tickets:
                return False
            self.tickets[event_id] = Ticket(event_id, instance_id, title, urgent)
            return True

    def note(self, event_id: str, text: str) -> None:
        with self._lock:
            self.tickets[event_id].notes.append(text)

    def close(self, event_id: str, outcome: str) -> None:
        with self._lock:
            ticket = self.tickets.get(event_id)
            if ticket is not None and ticket.status == "open":
                ticket.status, ticket.outcome = "closed", outcome


class MaintenanceWebhook:
    """The WSGI application."""

    def __init__(
        self, desk: TicketDesk, client: Client | None = None, auto_reboot: Iterable[str] = ()
    ) -> None:
        self.desk = desk
        self.client = client
        self.auto_reboot = set(auto_reboot)

    # -- WSGI -----------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return _reply(start_response, "404 Not Found", {"error": "no such path"})
        if environ.get("REQUEST_METHOD") != "POST":
            return _reply(start_response, "405 Method Not Allowed", {"error": "POST only"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY:
            return _reply(start_response, "400 Bad Request", {"error": "bad Content-Length"})
        try:
            notification = json.loads(environ["wsgi.input"].read(length))
            if not isinstance(notification, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            return _reply(start_response, "400 Bad Request", {"error": f"bad JSON: {exc}"})
        result = self.handle(notification)
        return _reply(start_response, "200 OK", {"result": result})

    # -- the logic --------------------------------------------------------------------------
    def handle(self, notification: dict[str, Any]) -> str:
        """Act on one notification; returns what was done (for the response and the logs)."""
        name = str(notification.get("name", ""))
        content = notification.get("content")
        if notification.get("product") != "ECS" or not isinstance(content, dict):
            return "ignored"
        kind, _, status = name.rpartition(":")  # "Instance:SystemMaintenance.Reboot", "Scheduled"
        event_type = kind.partition(":")[2]
        event_id = str(content.get("eventId", ""))
        instance_id = str(content.get("instanceId", ""))
        if not event_id or not instance_id:
            return "ignored"

        if event_type == REBOOT and status == "Scheduled":
            title = f"{instance_id}: maintenance reboot at {content.get('notBefore')}"
            if not self.desk.open(event_id, instance_id, title):
                return "duplicate"
            if instance_id in self.auto_reboot and self.client is not None:
                return self._reboot_early(event_id, instance_id)
            return "ticket opened"
        if event_type.startswith("SystemFailure.") and status in ("Executing", "Executed"):
            opened = self.desk.open(
                event_id, instance_id, f"{instance_id}: {event_type} ({status})", urgent=True
            )
            return "urgent ticket opened" if opened else "duplicate"
        if event_id in self.desk.tickets and status in FINAL:
            self.desk.close(event_id, status)
            return f"ticket closed ({status})"
        return "ignored"

    def _reboot_early(self, event_id: str, instance_id: str) -> str:
        assert self.client is not None
        try:
            self.client.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=instance_id))
        except AlibabaCloudException as exc:
            log.error("RebootInstance %s failed: %s", instance_id, exc.code)
            self.desk.note(event_id, f"early reboot failed: {exc.code}")
            return "ticket opened, reboot failed"
        self.desk.note(event_id, "rebooted early")
        return "ticket opened, rebooted"


def _reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


def serve_in_thread(app: MaintenanceWebhook, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """Serve ``app`` from a daemon thread; ``server.server_port`` is the port, and
    ``server.shutdown()`` followed by ``server.server_close()`` stops it."""
    server = make_server(host, port, app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def main() -> None:  # pragma: no cover - the real thing
    logging.basicConfig(level=logging.INFO)
    client = make_client(
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        os.environ.get("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou"),
    )
    auto = [i for i in os.environ.get("AUTO_REBOOT_INSTANCES", "").split(",") if i]
    app = MaintenanceWebhook(TicketDesk(), client, auto_reboot=auto)
    with make_server("0.0.0.0", int(os.environ.get("PORT", "8000")), app) as server:
        server.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
