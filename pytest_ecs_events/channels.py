"""Notification payloads (CloudMonitor, EventBridge) and the subscribers that receive them.

Event-driven handlers get what the cloud would push: one payload per state change, built
from the transition at its virtual time. Formats follow the ECS "Instance event
notification" and EventBridge ECS-event documents (see the fact sheet, section 5).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .core.catalog import EventState
from .core.clock import format_api_time
from .core.lifecycle import InstanceChange, Transition
from .core.models import SystemEvent
from .core.simulation import Simulation

FORMATS = ("cloudmonitor", "eventbridge")
CHINA_TIME = timezone(timedelta(hours=8))
#: States whose notification carries executeStartTime/executeFinishTime (fact sheet).
_EXECUTION_STATES = {
    EventState.Executing,
    EventState.Executed,
    EventState.Canceled,
    EventState.Avoided,
}

Payload = dict[str, Any]


def _resource(sim: Simulation, region: str, instance_id: str) -> str:
    return f"acs:ecs:{region}:{sim.config.account_id}:instance/{instance_id}"


def _cms_time(when: datetime) -> str:
    """CloudMonitor's ``eventTime``: ``20190409T121826.922+0800``."""
    local = when.astimezone(CHINA_TIME)
    return local.strftime("%Y%m%dT%H%M%S.") + f"{local.microsecond // 1000:03d}+0800"


def _content(
    event: SystemEvent,
    sim: Simulation,
    state: EventState,
    started: datetime | None,
    finished: datetime | None,
) -> Payload:
    """The notification ``content`` of ``event`` in ``state`` (fields as the fact sheet)."""
    spec = sim.catalog.spec(event.event_type)
    content: Payload = {
        "eventId": event.event_id,
        "publishTime": format_api_time(event.publish_time),
    }
    if spec.category.value == "maintenance" and event.not_before is not None:
        content["notBefore"] = format_api_time(event.not_before)
    content["instanceId"] = event.instance_id
    content["eventType"] = event.event_type
    content["eventStatus"] = state.value
    if state in _EXECUTION_STATES and started is not None:
        content["executeStartTime"] = format_api_time(started)
        if state.is_final and finished is not None:
            content["executeFinishTime"] = format_api_time(finished)
    return content


def event_content(transition: Transition, sim: Simulation) -> Payload:
    """The ``content`` of the notification of one transition, at its time."""
    event = sim.store.events[transition.event_id]
    started = event.execute_start_time or transition.time
    return _content(event, sim, transition.new_state, started, transition.time)


def event_state_content(event: SystemEvent, sim: Simulation) -> Payload:
    """An event as it stands now, in the notification ``content`` vocabulary."""
    return _content(event, sim, event.state, event.execute_start_time, event.finish_time)


def cloudmonitor_event(transition: Transition, sim: Simulation) -> Payload:
    event = sim.store.events[transition.event_id]
    return {
        "ver": "1.0",
        "id": str(uuid.uuid4()).upper(),
        "product": "ECS",
        "resourceId": _resource(sim, event.region, event.instance_id),
        "level": sim.catalog.spec(event.event_type).level,
        "name": f"Instance:{event.event_type}:{transition.new_state.value}",
        "userId": sim.config.account_id,
        "eventTime": _cms_time(transition.time),
        "regionId": event.region,
        "content": event_content(transition, sim),
    }


def cloudmonitor_state_change(change: InstanceChange, sim: Simulation) -> Payload:
    instance = sim.store.instances[change.instance_id]
    state = change.new_status.value if change.new_status else "Deleted"
    return {
        "ver": "1.0",
        "id": str(uuid.uuid4()).upper(),
        "product": "ECS",
        "resourceId": _resource(sim, instance.region, instance.instance_id),
        "level": "INFO",
        "name": "Instance:StateChange",
        "userId": sim.config.account_id,
        "eventTime": _cms_time(change.time),
        "regionId": instance.region,
        "content": {
            "resourceId": instance.instance_id,
            "resourceType": "ALIYUN::ECS::Instance",
            "state": state,
        },
    }


def _cloudevent(
    sim: Simulation, region: str, instance_id: str, kind: str, when: datetime, data: Payload
) -> Payload:
    return {
        "id": str(uuid.uuid4()),
        "source": "acs.ecs",
        "specversion": "1.0",
        "subject": f"acs.ecs:{region}:{sim.config.account_id}:instance/{instance_id}",
        "time": when.astimezone(CHINA_TIME).isoformat(timespec="seconds"),
        "type": f"ecs:Instance:{kind}",
        "datacontenttype": "application/json;charset=utf-8",
        "aliyunaccountid": sim.config.account_id,
        "aliyunpublishtime": when.astimezone(CHINA_TIME).isoformat(timespec="milliseconds"),
        "aliyuneventbusname": "default",
        "aliyunregionid": region,
        "data": data,
    }


def eventbridge_event(transition: Transition, sim: Simulation) -> Payload:
    event = sim.store.events[transition.event_id]
    return _cloudevent(
        sim, event.region, event.instance_id, event.event_type, transition.time,
        event_content(transition, sim),
    )  # fmt: skip


def eventbridge_state_change(change: InstanceChange, sim: Simulation) -> Payload:
    payload = cloudmonitor_state_change(change, sim)
    instance = sim.store.instances[change.instance_id]
    return _cloudevent(
        sim, instance.region, instance.instance_id, "StateChange", change.time,
        payload["content"],
    )  # fmt: skip


BUILDERS: dict[str, tuple[Callable[[Transition, Simulation], Payload],
                          Callable[[InstanceChange, Simulation], Payload]]] = {
    "cloudmonitor": (cloudmonitor_event, cloudmonitor_state_change),
    "eventbridge": (eventbridge_event, eventbridge_state_change),
}  # fmt: skip


@dataclass
class Subscription:
    """One subscriber: a callback, the format it wants, and whether it wants StateChange."""

    callback: Callable[[Payload], object]
    format: str
    instance_changes: bool
    delivered: list[Payload] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def __call__(self, change: Transition | InstanceChange, sim: Simulation) -> None:
        payload = build_payload(self.format, self.instance_changes, change, sim)
        if payload is None:
            return
        self.delivered.append(payload)
        try:
            self.callback(payload)
        except Exception as exc:  # the subscriber's bug must not half-apply a transition
            self.errors.append(exc)


def build_payload(
    format: str, instance_changes: bool, change: Transition | InstanceChange, sim: Simulation
) -> Payload | None:
    """The payload of ``change`` in ``format``; None if this subscriber does not get it."""
    event_builder, change_builder = BUILDERS[format]
    if isinstance(change, Transition):
        return event_builder(change, sim)
    if instance_changes and change.old_status is not None:
        return change_builder(change, sim)
    return None


def check_format(value: str) -> str:
    if value not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {value!r}")
    return value


# ------------------------------------------------------------------------------ webhooks
#: Seconds a webhook may take to answer one delivery before it counts as failed.
WEBHOOK_TIMEOUT = 2.0


@dataclass(frozen=True)
class Delivery:
    """One POST of a payload to a webhook, and what came of it."""

    time: datetime  # the virtual time of the change (and of the delivery)
    payload: Payload
    status: int | None  # the webhook's HTTP status; None if it never answered
    error: str | None  # why the delivery failed (None: a 2xx answer)
    duration: float  # real seconds the POST took

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class WebhookSubscription:
    """A URL that gets each payload POSTed as JSON; see ``EcsSimulator.subscribe_url``.

    Payloads are built at the change and queued; the simulator POSTs them, in order, as
    soon as the operation that caused them returns (its lock released, so the webhook's
    handler may call the API back), at the virtual time of the change. Every attempt is
    kept in :attr:`deliveries`; a failed one is recorded, never raised.
    """

    url: str
    format: str
    instance_changes: bool
    timeout: float = WEBHOOK_TIMEOUT
    deliveries: list[Delivery] = field(default_factory=list)
    outbox: Callable[[WebhookSubscription, datetime, Payload], None] | None = None

    def __call__(self, change: Transition | InstanceChange, sim: Simulation) -> None:
        payload = build_payload(self.format, self.instance_changes, change, sim)
        if payload is not None and self.outbox is not None:
            self.outbox(self, change.time, payload)

    @property
    def delivered(self) -> list[Payload]:
        """The payloads the webhook accepted (answered 2xx), in order."""
        return [d.payload for d in self.deliveries if d.ok]

    @property
    def failures(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.ok]

    def deliver(self, when: datetime, payload: Payload) -> Delivery:
        """POST ``payload`` now; record and return the outcome (never raises)."""
        import json
        import time
        import urllib.error
        import urllib.request

        from . import __version__

        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": f"pytest-ecs-events/{__version__} (webhook)",
            },
        )
        # no proxy: the webhook is on loopback, and a proxy would not reach it
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                status = int(answer.status)
                answer.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            error = f"the webhook answered HTTP {exc.code} {exc.reason}"
            exc.close()
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                error = f"no answer within {self.timeout:g}s"
            else:
                error = f"{type(reason).__name__}: {reason}"
        except Exception as exc:  # http.client oddities (a bad status line, ...)
            error = f"{type(exc).__name__}: {exc}"
        delivery = Delivery(when, payload, status, error, time.perf_counter() - started)
        self.deliveries.append(delivery)
        return delivery


def check_webhook_url(url: str) -> str:
    """Only http(s) URLs on this machine: the plugin never sends anything off the machine."""
    from urllib.parse import urlsplit

    from .transports.server import is_loopback

    if not isinstance(url, str):
        raise TypeError(f"url must be a str, got {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"url must be an http:// or https:// URL such as 'http://127.0.0.1:8080/events', "
            f"got {url!r}"
        )
    if not is_loopback(parts.hostname):
        raise ValueError(
            f"refusing to deliver notifications to {parts.hostname!r}: webhooks must be on "
            "this machine (127.0.0.1, ::1 or localhost), the handler under test, so that a "
            "test never sends anything over the network"
        )
    return url
