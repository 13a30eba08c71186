"""An MNS queue consumer for ECS system events: reboot early, exactly once.

A CloudMonitor event rule sends each ECS event notification to an MNS queue (the message
body is the notification's JSON, Base64-encoded as the MNS SDK's default encoding expects).
This consumer long-polls the queue with the MNS SDK, the way Alibaba's best-practice page
does::

    queue = Account(endpoint, access_key_id, secret).get_queue("ecs-events")
    message = queue.receive_message(wait_seconds)
    notification = json.loads(message.message_body)
    ...
    queue.delete_message(message.receipt_handle)

What it does with each notification:

* ``Instance:SystemMaintenance.Reboot:Scheduled``: reboots the instance now (``RebootInstance``),
  which makes the platform's event ``Avoided``, at a time we chose rather than the platform;
* anything else is acknowledged (deleted) and ignored.

Delivery is at least once, and messages may arrive out of order: the consumer is idempotent.
It remembers the events it has acted on (``Ledger``, keyed on ``eventId``: a database table
in production) and, before rebooting, asks the ECS API whether the event is still
``Scheduled`` (a late or duplicated ``Scheduled`` of an event that has moved on is ignored).
A message whose handling fails is not deleted: MNS makes it visible again after the queue's
visibility timeout, and it is retried.

``LegacyEcs`` (aliyun-python-sdk-ecs) and ``NewEcs`` (alibabacloud_ecs20140526) are the two
ECS client kinds; either will do.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest
from mns.account import Account
from mns.mns_exception import MNSExceptionBase

log = logging.getLogger("mns_consumer")

#: The queue the CloudMonitor event rule delivers to (a setting of the deployment).
QUEUE = "ecs-events"

REBOOT_SCHEDULED = "Instance:SystemMaintenance.Reboot:Scheduled"
# Without a status filter DescribeInstanceHistoryEvents lists only finished events: ask for all.
ALL_STATUSES = ["Scheduled", "Inquiring", "Executing", "Executed", "Avoided", "Canceled", "Failed"]


class Ecs(Protocol):
    """What the consumer needs of ECS."""

    def event_status(self, event_id: str) -> str | None: ...
    def reboot(self, instance_id: str) -> None: ...


class LegacyEcs:
    """The legacy SDK. ``endpoint`` (``host:port``, http) only for a loopback server."""

    def __init__(
        self, access_key_id: str, secret: str, region_id: str, *, endpoint: str | None = None
    ) -> None:
        self._client = AcsClient(access_key_id, secret, region_id, auto_retry=False)
        self._endpoint = endpoint

    def _call(self, request: Any) -> dict[str, Any]:
        if self._endpoint is not None:
            request.set_endpoint(self._endpoint)
            request.set_protocol_type("http")
        body: dict[str, Any] = json.loads(self._client.do_action_with_exception(request))
        return body

    def event_status(self, event_id: str) -> str | None:
        request = DescribeInstanceHistoryEventsRequest()
        request.set_EventIds([event_id])
        request.set_InstanceEventCycleStatuss(ALL_STATUSES)
        events = self._call(request)["InstanceSystemEventSet"]["InstanceSystemEventType"]
        return events[0]["EventCycleStatus"]["Name"] if events else None

    def reboot(self, instance_id: str) -> None:
        request = RebootInstanceRequest()
        request.set_InstanceId(instance_id)
        self._call(request)


class NewEcs:
    """The new SDK. ``endpoint`` (``host:port``, http) only for a loopback server."""

    def __init__(
        self, access_key_id: str, secret: str, region_id: str, *, endpoint: str | None = None
    ) -> None:
        config = Config(access_key_id=access_key_id, access_key_secret=secret, region_id=region_id)
        if endpoint is not None:
            config.endpoint, config.protocol = endpoint, "http"
        self._client = Client(config)
        self._region_id = region_id

    def event_status(self, event_id: str) -> str | None:
        request = ecs_models.DescribeInstanceHistoryEventsRequest(
            region_id=self._region_id, event_id=[event_id], instance_event_cycle_status=ALL_STATUSES
        )
        body = self._client.describe_instance_history_events(request).body
        events = body.instance_system_event_set.instance_system_event_type
        return events[0].event_cycle_status.name if events else None

    def reboot(self, instance_id: str) -> None:
        self._client.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=instance_id))


@dataclass
class Ledger:
    """The events already acted on, by ``eventId`` (a database table in production)."""

    rebooted: dict[str, str] = field(default_factory=dict)  # eventId -> instanceId
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def claim(self, event_id: str, instance_id: str) -> bool:
        """True the first time an event is claimed, False ever after."""
        with self._lock:
            if event_id in self.rebooted:
                return False
            self.rebooted[event_id] = instance_id
            return True

    def release(self, event_id: str) -> None:
        with self._lock:
            self.rebooted.pop(event_id, None)


@dataclass
class Outcome:
    """What one message led to."""

    name: str
    event_id: str | None
    action: str  # "rebooted", "duplicate", "moved-on", "ignored", "failed"


class QueueConsumer:
    """Consumes the CloudMonitor notifications of one MNS queue."""

    def __init__(
        self,
        mns_endpoint: str,
        access_key_id: str,
        secret: str,
        queue_name: str,
        ecs: Ecs,
        ledger: Ledger | None = None,
    ) -> None:
        self._account = Account(mns_endpoint, access_key_id, secret)
        # the default (Base64) encoding: CloudMonitor's bodies decode to the JSON text
        self._queue = self._account.get_queue(queue_name)
        self._ecs = ecs
        self.ledger = ledger if ledger is not None else Ledger()
        self.outcomes: list[Outcome] = []

    def close(self) -> None:
        self._account.mns_client.close_connection()

    def poll_once(self, wait_seconds: int = 1) -> Outcome | None:
        """Receive one message (waiting up to ``wait_seconds``), handle it, delete it.
        None when the queue had nothing to give."""
        try:
            message = self._queue.receive_message(wait_seconds)
        except MNSExceptionBase as exc:
            if getattr(exc, "type", "") == "MessageNotExist":
                return None
            raise
        outcome = self._handle(message.message_body)
        self.outcomes.append(outcome)
        if outcome.action != "failed":
            self._queue.delete_message(message.receipt_handle)
        return outcome

    def drain(self, wait_seconds: int = 1, limit: int = 1000) -> list[Outcome]:
        """Handle messages until the queue is empty (or ``limit`` messages)."""
        handled: list[Outcome] = []
        while len(handled) < limit:
            outcome = self.poll_once(wait_seconds)
            if outcome is None:
                break
            handled.append(outcome)
        return handled

    def _handle(self, body: bytes | str) -> Outcome:
        try:
            notification = json.loads(body)
            name = notification["name"]
            content = notification.get("content") or {}
        except (ValueError, KeyError, TypeError):
            log.warning("not a CloudMonitor notification: %r", body[:200])
            return Outcome("?", None, "ignored")  # deleted: retrying cannot fix it
        event_id = content.get("eventId")
        if name != REBOOT_SCHEDULED or not event_id:
            return Outcome(name, event_id, "ignored")
        instance_id = content["instanceId"]
        if not self.ledger.claim(event_id, instance_id):
            return Outcome(name, event_id, "duplicate")
        try:
            # a late (reordered) or redelivered Scheduled of an event that has moved on
            if self._ecs.event_status(event_id) not in ("Scheduled", "Inquiring"):
                return Outcome(name, event_id, "moved-on")
            self._ecs.reboot(instance_id)
        except Exception:
            log.exception("could not reboot %s for %s; the message will come back", instance_id,
                          event_id)  # fmt: skip
            self.ledger.release(event_id)
            return Outcome(name, event_id, "failed")
        log.info("rebooted %s early for %s", instance_id, event_id)
        return Outcome(name, event_id, "rebooted")
