"""Notification payloads (CloudMonitor, EventBridge): pure functions of a change.

Event-driven handlers get what the cloud would push: one payload per state change, built
from the transition at its virtual time. Formats follow the ECS "Instance event
notification" and EventBridge ECS-event documents (``docs/fidelity.md`` cites them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from ..core.catalog import EventState
from ..core.changes import Change
from ..core.clock import format_api_time
from ..core.lifecycle import InstanceChange, Transition
from ..core.models import SystemEvent
from ..core.simulation import Simulation

FORMATS = ("cloudmonitor", "eventbridge")
CHINA_TIME = timezone(timedelta(hours=8))
#: EventBridge's ``aliyunpublishaddr``: the address the event was published from. The
#: simulator publishes from this machine (our choice; the documents show a masked public IP).
PUBLISH_ADDRESS = "127.0.0.1"
#: States whose notification carries executeStartTime/executeFinishTime (docs/notifications.md).
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
    """The notification ``content`` of ``event`` in ``state`` (fields as docs/notifications.md)."""
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


def _publish_time(when: datetime) -> str:
    """EventBridge's ``aliyunpublishtime``: UTC with milliseconds, ``2021-10-15T07:06:34.028Z``
    (the EventBridge event examples), unlike ``time`` in +08:00."""
    utc = when.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


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
        "aliyunpublishtime": _publish_time(when),
        "aliyunoriginalaccountid": sim.config.account_id,
        "aliyuneventbusname": "default",
        "aliyunregionid": region,
        "aliyunpublishaddr": PUBLISH_ADDRESS,
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


def build_payload(
    format: str, instance_changes: bool, change: Change, sim: Simulation
) -> Payload | None:
    """The payload of ``change`` in ``format``; None if this subscriber does not get it
    (the channels carry event transitions and instance status changes, no other kind)."""
    event_builder, change_builder = BUILDERS[format]
    if isinstance(change, Transition):
        return event_builder(change, sim)
    if instance_changes and isinstance(change, InstanceChange) and change.old_status is not None:
        return change_builder(change, sim)
    return None


def check_format(value: str) -> str:
    if value not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {value!r}")
    return value
