"""Scenarios: a simulated account as a JSON (or YAML) document, saved and loaded again.

``ecs-sim serve --state-file F`` and ``EcsSimulator.save_state`` / ``from_state`` use it, so a
scenario written once (by hand, by a test, by a run) can be replayed by another run or another
language. The format is documented in docs/scenarios.md.

What is restored exactly: the clock, the settings, every instance and disk record (released
ones too, so old events keep their instance), every event with its state, times, history and
pending timer, the steps left of an instance's reboot/stop/start, MNS queues and their messages
(receipt handles included), CloudMonitor event rules and their targets. What is re-created:
the random generator (from the seed, not its exact position) and the network book (from the
instances' VPCs, vSwitches and addresses). Not saved: the API call log, disk events, webhook
subscriptions, the CloudMonitor deliveries already made. Saving, loading and saving again
gives the same document.

Loading builds into a fresh :class:`Simulation`: a bad field raises :class:`ScenarioError`
naming it (``instances[2].status: ...``) and the half-built simulation is dropped.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import cloud_assistant as ca
from .catalog import Category, EventState, InstanceStatus, UnknownEventType
from .clock import TimeFormatError, format_api_time, parse_datetime, parse_duration, parse_time
from .errors import EcsApiError
from .event_rules import EventPattern, KeywordFilter, RuleTarget
from .load_balancers import (
    ABNORMAL,
    HEALTH_STATUSES,
    NORMAL,
    Backend,
    HealthCheck,
    HealthKey,
    Listener,
    LoadBalancer,
    VServerGroup,
)
from .models import NO_EXTENDED, STATE_CODES, Disk, Instance, SystemEvent
from .provisioning import INSTANCE_ATTRIBUTES
from .queues import Message, Queue, QueueAttributes, body_md5
from .regions import check_region
from .regions import region as region_info
from .simulation import SIMULATED_REASON, Simulation

FORMAT = "pytest-ecs-events/scenario"
#: Version 2 added load balancers and Cloud Assistant (``commands``, ``invocations``, each
#: instance's ``cloud_assistant``); a version 1 document loads as it did (every new key is
#: optional).
VERSION = 2
VERSIONS = (1, 2)
TOP_LEVEL = ("format", "version", "now", "seed", "region", "account_id", "execution_duration",
             "extra_regions", "instances", "disks", "events", "queues", "event_rules",
             "load_balancers", "commands", "invocations")  # fmt: skip


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message names the bad field."""


def _fail(where: str, message: str) -> ScenarioError:
    return ScenarioError(f"{where}: {message}" if where else message)


# -- value kinds -------------------------------------------------------------------------------
def _time(value: datetime | None) -> str | None:
    return None if value is None else format_api_time(value)


def _want(where: str, value: Any, kind: str, now: datetime) -> Any:
    """Convert a JSON value of ``kind``; ScenarioError naming ``where`` if it does not fit."""
    if kind.endswith("?"):
        if value is None:
            return None
        kind = kind[:-1]
    if kind == "str":
        if not isinstance(value, str):
            raise _fail(where, f"expected a string, got {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(where, f"expected an integer, got {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise _fail(where, f"expected true or false, got {value!r}")
        return value
    if kind == "time":
        try:
            return parse_time(value, now=now) if isinstance(value, str) else parse_datetime(value)
        except (TimeFormatError, ValueError, TypeError) as exc:
            raise _fail(where, f"expected a time (ISO 8601 or '+2h'): {exc}") from None
    if kind == "strs":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(where, f"expected a list of strings, got {value!r}")
        return tuple(value)
    if kind == "tags":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise _fail(where, f"expected an object of strings, got {value!r}")
        return dict(value)
    if kind == "object":
        if not isinstance(value, dict):
            raise _fail(where, f"expected an object, got {value!r}")
        return dict(value)
    raise AssertionError(kind)  # pragma: no cover


def _entry(
    where: str,
    entry: Any,
    kinds: Mapping[str, str],
    now: datetime,
    required: tuple[str, ...] = (),
    lists: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``lists``: the entry's list fields, read apart (named in the unknown-field message)."""
    if not isinstance(entry, dict):
        raise _fail(where, f"expected an object, got {entry!r}")
    unknown = sorted(set(entry) - set(kinds))
    if unknown:
        names = ", ".join([*kinds, *lists])
        raise _fail(f"{where}.{unknown[0]}", f"unknown field; expected one of {names}")
    for name in required:
        if entry.get(name) is None:
            raise _fail(f"{where}.{name}", "missing (required)")
    return {k: _want(f"{where}.{k}", v, kinds[k], now) for k, v in entry.items()}


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise _fail(key, f"expected a list, got {value!r}")
    return value


def _choice(where: str, value: str, choices: Callable[[str], Any], names: list[str]) -> Any:
    try:
        return choices(value)
    except ValueError:
        raise _fail(where, f"expected one of {', '.join(names)}, got {value!r}") from None


# -- pending steps ----------------------------------------------------------------------------
#: What a pending step is saved as: ("event", id), ("instance", id), ("health", load balancer
#: id, health key), ("run", invoke id, instance id).
StepName = tuple[Any, ...]


def _tie_orders(sim: Simulation) -> dict[StepName, int]:
    """The ``order`` of each saved pending step that falls due at the same instant as another:
    its place among them (0, 1, ...), as the timer heap runs them. Steps alone at their instant
    have none, so that most documents do not show it."""
    names: dict[int, StepName] = {}
    for lb in sim.load_balancers.balancers.values():
        for key, entry in lb.health.items():
            if entry.timer is not None:
                names[id(entry.timer)] = ("health", lb.load_balancer_id, key)
    for run in sim.cloud_assistant.runs:
        if run.timer is not None:
            names[id(run.timer)] = ("run", run.invoke_id, run.instance_id)
    groups: dict[datetime, list[StepName]] = {}
    for timer in sim.store.live_timers():
        if timer.kind in ("event", "instance"):
            name: StepName | None = (timer.kind, timer.target_id)
        else:
            name = names.get(id(timer))
        if name is not None:
            groups.setdefault(timer.due, []).append(name)
    return {name: n for group in groups.values() if len(group) > 1 for n, name in enumerate(group)}


def _with_order(out: dict[str, Any], orders: Mapping[StepName, int], name: StepName) -> None:
    if name in orders:
        out["order"] = orders[name]


class _Steps:
    """The timers a document asks for, made once everything is loaded: in time order and, at
    the same instant, in their saved ``order`` (then as listed), so that changes due at the
    same instant run in the order they would have run had the simulation not been saved (a
    health verdict and its instance's status change, a command's end and a reboot...)."""

    def __init__(self) -> None:
        self._steps: list[tuple[datetime, float, int, Callable[[], None]]] = []

    def add(self, due: datetime, order: int | None, make: Callable[[], None]) -> None:
        rank = float("inf") if order is None else float(order)
        self._steps.append((due, rank, len(self._steps), make))

    def make(self) -> None:
        for *_, make in sorted(self._steps, key=lambda step: step[:3]):
            make()


# -- instances --------------------------------------------------------------------------------
#: Record fields add_instance does not take: restored as saved after it made the instance.
_INSTANCE_RECORD = {
    "eip_allocation_id": "str", "network_interface_id": "str", "mac_address": "str",
    "internet_charge_type": "str", "serial_number": "str", "started_at": "time?",
    "stopped_mode": "str", "user_data": "str", "credit_specification": "str",
    "lock_reasons": "strs", "jumbo_frame": "bool", "maintenance": "object",
}  # fmt: skip
_INSTANCE_KINDS = {
    "instance_id": "str", "name": "str", "region": "str", "zone": "str", "status": "str",
    "tags": "tags", "released": "bool",
    "instance_type": "str", "image_id": "str", "host_name": "str", "description": "str",
    "vpc_id": "str", "vswitch_id": "str", "private_ip": "str", "public_ip": "str?",
    "eip": "str?", "security_group_ids": "strs", "charge_type": "str",
    "expired_time": "time?", "resource_group_id": "str", "deletion_protection": "bool",
    "key_pair_name": "str", "internet_max_bandwidth_out": "int", "creation_time": "time?",
    "system_disk_category": "str", "system_disk_size": "int", "cloud_assistant": "bool",
    **_INSTANCE_RECORD,
}  # fmt: skip
_ADDRESSES = ("private_ip", "public_ip", "eip")


def _dump_instance(
    sim: Simulation, instance: Instance, orders: Mapping[StepName, int]
) -> dict[str, Any]:
    i = instance
    out: dict[str, Any] = {
        "instance_id": i.instance_id, "name": i.name, "region": i.region, "zone": i.zone,
        "status": i.status.value, "tags": dict(i.tags), "instance_type": i.instance_type,
        "image_id": i.image_id, "host_name": i.host_name, "description": i.description,
        "vpc_id": i.vpc_id, "vswitch_id": i.vswitch_id, "private_ip": i.private_ip,
        "public_ip": i.public_ip or None, "eip": i.eip_address or None,
        "security_group_ids": list(i.security_group_ids), "charge_type": i.charge_type,
        "expired_time": _time(i.expired_at), "resource_group_id": i.resource_group_id,
        "deletion_protection": i.deletion_protection, "key_pair_name": i.key_pair_name,
        "internet_max_bandwidth_out": i.internet_max_bandwidth_out,
        "creation_time": _time(i.created_at),
        "eip_allocation_id": i.eip_allocation_id, "network_interface_id": i.network_interface_id,
        "mac_address": i.mac_address, "internet_charge_type": i.internet_charge_type,
        "serial_number": i.serial_number, "started_at": _time(i.started_at),
        "stopped_mode": i.stopped_mode, "user_data": i.user_data,
        "credit_specification": i.credit_specification, "lock_reasons": list(i.lock_reasons),
        "jumbo_frame": i.jumbo_frame, "maintenance": _jsonable(i.maintenance),
        "released": i.released,
        "cloud_assistant": sim.cloud_assistant.agent_installed(i.instance_id),
    }  # fmt: skip
    plan = sim.pending_statuses(i.instance_id)
    if plan:
        out["pending_statuses"] = [{"time": _time(t), "status": s.value} for t, s in plan]
        _with_order(out["pending_statuses"][0], orders, ("instance", i.instance_id))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_api_time(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _load_instance(sim: Simulation, where: str, raw: Any, later: _Steps) -> None:
    pending_raw = raw.get("pending_statuses") if isinstance(raw, dict) else None
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k != "pending_statuses"}
    entry = _entry(where, raw, _INSTANCE_KINDS, sim.now, required=("instance_id",))
    iid = entry.pop("instance_id")
    if sim.store.instances.get(iid) is not None:
        raise _fail(f"{where}.instance_id", f"{iid!r} is listed twice")
    status = _choice(f"{where}.status", entry.pop("status", "Running"), InstanceStatus,
                     [s.value for s in InstanceStatus])  # fmt: skip
    released = entry.pop("released", False)
    agent = entry.pop("cloud_assistant", True)
    record = {k: entry.pop(k) for k in list(entry) if k in _INSTANCE_RECORD}
    addresses = {k: entry.get(k) for k in _ADDRESSES}
    if released:  # its addresses may be another's now: set them without claiming them
        for k in _ADDRESSES:
            entry.pop(k, None)
    # "" is the record's default for the text attributes add_instance refuses empty
    attributes = {k: v for k, v in entry.items() if k in INSTANCE_ATTRIBUTES and v != ""}
    try:
        instance = sim.add_instance(
            iid, name=entry.get("name"), region=entry.get("region"), zone=entry.get("zone"),
            status=status, tags=entry.get("tags"), **attributes,
        )  # fmt: skip
    except (ValueError, KeyError, EcsApiError) as exc:
        raise _fail(where, str(exc)) from None
    if not agent:
        sim.cloud_assistant.without_agent.add(iid)
    if "mac_address" in record:
        sim.network.replace_mac(instance.mac_address, record["mac_address"])
    for name, value in record.items():
        if name == "maintenance":
            instance.maintenance = dict(value)
        else:
            setattr(instance, name, value)
    instance.revision += 1
    if released:
        sim.network.release(instance.private_ip, instance.public_ip, instance.eip_address)
        instance.private_ip = addresses["private_ip"] or ""
        instance.public_ip = addresses["public_ip"] or ""
        instance.eip_address = addresses["eip"] or ""
        instance.released = True
    if pending_raw:
        if not isinstance(pending_raw, list):
            raise _fail(f"{where}.pending_statuses", f"expected a list, got {pending_raw!r}")
        steps = []
        order = None
        for n, step in enumerate(pending_raw):
            at = f"{where}.pending_statuses[{n}]"
            got = _entry(at, step, {"time": "time", "status": "str", "order": "int"}, sim.now,
                         ("time", "status"))  # fmt: skip
            order = got.get("order") if n == 0 else order
            steps.append((got["time"], _choice(f"{at}.status", got["status"], InstanceStatus,
                                               [s.value for s in InstanceStatus])))  # fmt: skip
        later.add(steps[0][0], order, functools.partial(sim.resume_statuses, instance, steps))


# -- disks ------------------------------------------------------------------------------------
#: A disk's fields in a scenario: all but the render cache's ``revision``.
_DISK_FIELDS = tuple(f.name for f in dataclass_fields(Disk) if f.name != "revision")
_DISK_KINDS = dict.fromkeys(_DISK_FIELDS, "")
_DISK_KINDS.update(dict.fromkeys(_DISK_KINDS, "str"))
_DISK_KINDS.update(size_gib="int", delete_with_instance="bool", released="bool", tags="tags",
                   created_at="time?", attached_at="time?", detached_at="time?")  # fmt: skip
#: What ``add_disk`` takes (a disk without a ``disk_id`` is made by it).
_ADD_DISK_KINDS = {"instance_id": "str?", "region": "str?", "zone": "str?", "category": "str",
                   "size": "int", "performance_level": "str", "name": "str",
                   "description": "str", "delete_with_instance": "bool",
                   "tags": "tags"}  # fmt: skip


def _dump_disk(disk: Disk) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _DISK_FIELDS:
        value = getattr(disk, name)
        if isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, datetime):
            value = format_api_time(value)
        out[name] = value
    return out


def _load_disk(sim: Simulation, where: str, raw: Any, made: set[str]) -> None:
    """``made``: the system disks add_instance made, which saved system disks replace."""
    if isinstance(raw, dict) and "disk_id" not in raw:
        options = _entry(where, raw, _ADD_DISK_KINDS, sim.now)
        try:
            sim.add_disk(options.pop("instance_id", None), **options)
        except (ValueError, EcsApiError) as exc:
            raise _fail(where, str(exc)) from None
        return
    entry = _entry(where, raw, _DISK_KINDS, sim.now, required=("disk_id", "region", "zone", "kind"))
    disk_id = entry["disk_id"]
    if disk_id in sim.store.disks and disk_id not in made:
        raise _fail(f"{where}.disk_id", f"{disk_id!r} is listed twice")
    if entry["kind"] not in ("system", "data"):
        raise _fail(f"{where}.kind", f"expected system or data, got {entry['kind']!r}")
    owner = entry.get("instance_id") or ""
    if owner and owner not in sim.store.instances:
        raise _fail(f"{where}.instance_id", f"{owner!r} is not in instances")
    if entry["kind"] == "system" and owner:
        for disk in list(sim.store.disks.values()):
            if disk.disk_id in made and disk.instance_id == owner and disk.kind == "system":
                del sim.store.disks[disk.disk_id]
                made.discard(disk.disk_id)
    entry["tags"] = MappingProxyType(entry.get("tags", {}))
    made.discard(disk_id)
    sim.store.disks.pop(disk_id, None)
    sim.store.add_disk(Disk(**entry))


# -- events -----------------------------------------------------------------------------------
_EVENT_KINDS = {
    "event_id": "str", "instance_id": "str", "event_type": "str", "state": "str",
    "simulated": "bool", "region": "str", "not_before": "time?", "publish_time": "time",
    "finish_time": "time?", "execute_start_time": "time?", "reason": "str",
    "reason_code": "str", "impact_level": "str", "extended": "object", "history": "history",
    "due": "time?", "order": "int",
}  # fmt: skip


def _dump_event(
    event: SystemEvent, due: datetime | None, orders: Mapping[StepName, int]
) -> dict[str, Any]:
    e = event
    out = {
        "event_id": e.event_id, "instance_id": e.instance_id, "event_type": e.event_type,
        "state": e.state.value, "simulated": e.simulated, "region": e.region,
        "not_before": _time(e.not_before), "publish_time": _time(e.publish_time),
        "finish_time": _time(e.finish_time), "execute_start_time": _time(e.execute_start_time),
        "reason": e.reason, "reason_code": e.reason_code, "impact_level": e.impact_level,
        "extended": _jsonable(e.extended),
        "history": [{"time": _time(t), "state": s.value} for t, s in e.history],
        "due": _time(due),
    }  # fmt: skip
    _with_order(out, orders, ("event", e.event_id))
    return out


def _load_event(sim: Simulation, where: str, raw: Any, later: _Steps) -> None:
    history_raw = raw.get("history") if isinstance(raw, dict) else None
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k != "history"}
    kinds = {k: v for k, v in _EVENT_KINDS.items() if k != "history"}
    entry = _entry(where, raw, kinds, sim.now, required=("instance_id", "event_type"))
    try:
        spec = sim.catalog.spec(entry["event_type"])
    except UnknownEventType as exc:
        raise _fail(f"{where}.event_type", str(exc)) from None
    simulated = entry.get("simulated", False)
    if simulated and not spec.simulatable:
        raise _fail(f"{where}.event_type", f"{spec.name} cannot be a simulated event")
    instance = sim.store.instances.get(entry["instance_id"])
    if instance is None:
        raise _fail(f"{where}.instance_id", f"{entry['instance_id']!r} is not in instances")
    states = [s.value for s in EventState]
    state = _choice(f"{where}.state", entry.get("state", spec.start_state.value), EventState,
                    states)  # fmt: skip
    not_before = entry.get("not_before")
    if state is EventState.Scheduled and not_before is None:
        raise _fail(f"{where}.not_before", "a Scheduled event needs one")
    event_id = entry.get("event_id") or sim.new_event_id(instance.region)
    if event_id in sim.store.events:
        raise _fail(f"{where}.event_id", f"{event_id!r} is listed twice")
    publish = entry.get("publish_time", sim.now)
    trail: tuple[Any, ...] = ()
    if history_raw is None:
        trail = (publish, STATE_CODES[state])
    else:
        if not isinstance(history_raw, list) or not history_raw:
            raise _fail(f"{where}.history", f"expected a non-empty list, got {history_raw!r}")
        for n, step in enumerate(history_raw):
            at = f"{where}.history[{n}]"
            got = _entry(at, step, {"time": "time", "state": "str"}, sim.now, ("time", "state"))
            trail += (got["time"], STATE_CODES[_choice(f"{at}.state", got["state"], EventState,
                                                       states)])  # fmt: skip
        if trail[-1] != STATE_CODES[state]:
            raise _fail(f"{where}.history", f"its last state is not the event's state {state}")
    event = SystemEvent(
        event_id=event_id, instance_id=instance.instance_id,
        region=entry.get("region", instance.region), event_type=spec.name, state=state,
        not_before=not_before, publish_time=publish, simulated=simulated,
        reason=entry.get("reason", SIMULATED_REASON if simulated else ""),
        reason_code=entry.get("reason_code", ""),
        impact_level=entry.get("impact_level", "100" if simulated else ""),
        execute_start_time=entry.get("execute_start_time"),
        extended=MappingProxyType(entry["extended"]) if entry.get("extended") else NO_EXTENDED,
        trail=trail, seq=sim.store.next_seq(),
    )  # fmt: skip
    if state is EventState.Executing and event.execute_start_time is None:
        event.execute_start_time = trail[-2]
    if state.is_final:
        sim.store.mark_finished(event, entry.get("finish_time") or trail[-2])
    sim.store.add_event(event)
    due = entry["due"] if "due" in entry else _default_due(sim, event, spec.category)
    if due is not None and not state.is_final and state is not EventState.Inquiring:
        later.add(due, entry.get("order"), functools.partial(sim.store.schedule_event, event, due))


def _default_due(sim: Simulation, event: SystemEvent, category: Category) -> datetime | None:
    """The timer a hand-written event gets: as the simulation would have set it."""
    if event.state is EventState.Scheduled:
        return event.not_before
    if event.state is EventState.Executing:
        start = event.execute_start_time or sim.now
        if category is Category.FAILURE and event.not_before is not None:
            return max(event.not_before, start)
        return start + sim.config.execution_duration
    return None


# -- queues -----------------------------------------------------------------------------------
_MESSAGE_KINDS = {
    "message_id": "str", "body": "str", "priority": "int", "seq": "int",
    "enqueue_time": "time", "visible_at": "time", "expires_at": "time",
    "dequeue_count": "int", "first_dequeue_time": "time?", "receipt_handle": "str?",
}  # fmt: skip


def _dump_queue(queue: Queue) -> dict[str, Any]:
    return {
        "name": queue.name, "serial": queue.serial, "attributes": queue.attributes.as_wire(),
        "create_time": _time(queue.create_time), "last_modify_time": _time(queue.last_modify_time),
        "messages": [
            {"message_id": m.message_id, "body": m.body, "priority": m.priority, "seq": m.seq,
             "enqueue_time": _time(m.enqueue_time), "visible_at": _time(m.visible_at),
             "expires_at": _time(m.expires_at), "dequeue_count": m.dequeue_count,
             "first_dequeue_time": _time(m.first_dequeue_time),
             "receipt_handle": m.receipt_handle}
            for m in sorted(queue.messages.values(), key=lambda m: m.seq)
        ],
    }  # fmt: skip


def _load_queue(sim: Simulation, where: str, raw: Any) -> None:
    kinds = {"name": "str", "serial": "int", "attributes": "object", "create_time": "time",
             "last_modify_time": "time", "messages": "list"}  # fmt: skip
    messages_raw = raw.get("messages", []) if isinstance(raw, dict) else []
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k != "messages"}
    kinds.pop("messages")
    entry = _entry(where, raw, kinds, sim.now, required=("name",))
    store = sim.queues
    name = entry["name"]
    if name in store:
        raise _fail(f"{where}.name", f"{name!r} is listed twice")
    try:
        queue, _ = store.create(name, entry.get("attributes", {}), sim.now)
    except EcsApiError as exc:
        raise _fail(f"{where}.attributes", exc.message) from None
    queue.serial = entry.get("serial", queue.serial)
    store.note_restored(serial=queue.serial)
    queue.create_time = entry.get("create_time", sim.now)
    queue.last_modify_time = entry.get("last_modify_time", queue.create_time)
    if not isinstance(messages_raw, list):
        raise _fail(f"{where}.messages", f"expected a list, got {messages_raw!r}")
    attrs: QueueAttributes = queue.attributes
    for n, m_raw in enumerate(messages_raw):
        at = f"{where}.messages[{n}]"
        m = _entry(at, m_raw, _MESSAGE_KINDS, sim.now, required=("body",))
        seq = m.get("seq", store.last_seq + 1)
        if seq in queue.messages:
            raise _fail(f"{at}.seq", f"{seq} is listed twice")
        store.note_restored(seq=seq)
        enqueued = m.get("enqueue_time", sim.now)
        queue.add(Message(
            message_id=m.get("message_id", f"{queue.serial:016X}-1-0-{seq:09d}"),
            body=m["body"], body_md5=body_md5(m["body"]), priority=m.get("priority", 8),
            seq=seq, enqueue_time=enqueued,
            visible_at=m.get("visible_at", enqueued + timedelta(seconds=attrs.delay_seconds)),
            expires_at=m.get("expires_at",
                             enqueued + timedelta(seconds=attrs.message_retention_period)),
            dequeue_count=m.get("dequeue_count", 0),
            first_dequeue_time=m.get("first_dequeue_time"),
            receipt_handle=m.get("receipt_handle"),
        ))  # fmt: skip
    store.version += 1


# -- event rules ------------------------------------------------------------------------------
def _dump_rule(rule: Any) -> dict[str, Any]:
    return {
        "name": rule.name, "state": rule.state, "description": rule.description,
        "silence_time": rule.silence_time, "group_id": rule.group_id,
        "event_type": rule.event_type,
        "patterns": [
            {"product": p.product, "event_type_list": list(p.event_type_list),
             "level_list": list(p.level_list), "name_list": list(p.name_list),
             "status_list": list(p.status_list),
             "keyword_filter": None if p.keyword_filter is None else {
                 "keywords": list(p.keyword_filter.keywords),
                 "relation": p.keyword_filter.relation},
             "custom_filters": p.custom_filters, "sql_filter": p.sql_filter}
            for p in rule.patterns
        ],
        "targets": [{"kind": t.kind, "id": t.id, "fields": dict(t.fields)} for t in rule.targets],
    }  # fmt: skip


def _load_rule(sim: Simulation, where: str, raw: Any) -> None:
    kinds = {"name": "str", "state": "str", "description": "str", "silence_time": "int",
             "group_id": "str", "event_type": "str", "patterns": "list",
             "targets": "list"}  # fmt: skip
    lists = {k: raw.get(k, []) for k in ("patterns", "targets")} if isinstance(raw, dict) else {}
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k not in lists}
    for k in ("patterns", "targets"):
        kinds.pop(k)
        if not isinstance(lists.get(k, []), list):
            raise _fail(f"{where}.{k}", f"expected a list, got {lists[k]!r}")
    entry = _entry(where, raw, kinds, sim.now, required=("name",))
    if sim.event_rules.get(entry["name"]) is not None:
        raise _fail(f"{where}.name", f"{entry['name']!r} is listed twice")
    patterns = []
    pattern_kinds = {"product": "str", "event_type_list": "strs", "level_list": "strs",
                     "name_list": "strs", "status_list": "strs", "keyword_filter": "object?",
                     "custom_filters": "str", "sql_filter": "str"}  # fmt: skip
    for n, p_raw in enumerate(lists.get("patterns", [])):
        at = f"{where}.patterns[{n}]"
        p = _entry(at, p_raw, pattern_kinds, sim.now, required=("product",))
        keyword = p.pop("keyword_filter", None)
        if keyword is not None:
            kw = _entry(f"{at}.keyword_filter", keyword, {"keywords": "strs", "relation": "str"},
                        sim.now)  # fmt: skip
            p["keyword_filter"] = KeywordFilter(**kw)
        patterns.append(EventPattern(**p))
    targets = []
    for n, t_raw in enumerate(lists.get("targets", [])):
        at = f"{where}.targets[{n}]"
        t = _entry(at, t_raw, {"kind": "str", "id": "str", "fields": "tags"}, sim.now,
                   ("kind", "id"))  # fmt: skip
        targets.append(RuleTarget(t["kind"], t["id"], MappingProxyType(t.get("fields", {}))))
    try:
        sim.event_rules.put(
            entry["name"], patterns, state=entry.get("state"),
            description=entry.get("description"), silence_time=entry.get("silence_time"),
            group_id=entry.get("group_id"), event_type=entry.get("event_type"),
        )  # fmt: skip
        if targets:
            sim.event_rules.put_targets(entry["name"], targets)
    except EcsApiError as exc:
        raise _fail(where, exc.message) from None


# -- load balancers ---------------------------------------------------------------------------
_LB_KINDS = {
    "load_balancer_id": "str", "name": "str", "region": "str", "zone": "str", "address": "str",
    "created": "time", "status": "str", "vpc_id": "str", "vswitch_id": "str",
}  # fmt: skip
_LB_LISTS = ("listeners", "backends", "vserver_groups", "health")
_LISTENER_KINDS = {
    "port": "int", "protocol": "str", "vserver_group_id": "str", "backend_port": "int",
    "interval": "int", "healthy_threshold": "int", "unhealthy_threshold": "int",
}  # fmt: skip
_BACKEND_KINDS = {"server_id": "str", "weight": "int", "port": "int", "type": "str",
                  "description": "str"}  # fmt: skip
_GROUP_KINDS = {"vserver_group_id": "str", "name": "str", "created": "time"}
_HEALTH_KINDS = {
    "listener_port": "int", "vserver_group_id": "str", "server_id": "str", "port": "int",
    "status": "str", "next": "str?", "due": "time?", "order": "int",
}  # fmt: skip
_LB_STATUSES = ("active", "inactive", "locked")
_PROTOCOLS = ("tcp", "udp", "http", "https")


def _dump_backend(backend: Backend, *, port: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"server_id": backend.server_id, "weight": backend.weight}
    if port:
        out["port"] = backend.port
    out.update(type=backend.type, description=backend.description)
    return out


def _dump_load_balancer(
    sim: Simulation, lb: LoadBalancer, orders: Mapping[StepName, int]
) -> dict[str, Any]:
    health = []
    for key, status, target, due in sim.load_balancers.health_entries(lb):
        entry = {"listener_port": key[0], "vserver_group_id": key[1], "server_id": key[2],
                 "port": key[3], "status": status, "next": target, "due": _time(due)}  # fmt: skip
        _with_order(entry, orders, ("health", lb.load_balancer_id, key))
        health.append(entry)
    return {
        "load_balancer_id": lb.load_balancer_id, "name": lb.name, "region": lb.region,
        "zone": lb.zone, "address": lb.address, "created": _time(lb.created),
        "status": lb.status, "vpc_id": lb.vpc_id, "vswitch_id": lb.vswitch_id,
        "listeners": [
            {"port": x.port, "protocol": x.protocol, "vserver_group_id": x.vserver_group_id,
             "backend_port": x.backend_port, "interval": x.health_check.interval,
             "healthy_threshold": x.health_check.healthy_threshold,
             "unhealthy_threshold": x.health_check.unhealthy_threshold}
            for x in lb.listeners
        ],
        "backends": [_dump_backend(b, port=False) for b in lb.backends.values()],
        "vserver_groups": [
            {"vserver_group_id": g.vserver_group_id, "name": g.name, "created": _time(g.created),
             "backends": [_dump_backend(b, port=True) for b in g.backends.values()]}
            for g in lb.vserver_groups.values()
        ],
        "health": health,
    }  # fmt: skip


def _split(where: str, raw: Any, lists: tuple[str, ...]) -> tuple[Any, dict[str, list[Any]]]:
    """``raw`` without its list fields, and those lists (checked to be lists)."""
    if not isinstance(raw, dict):
        raise _fail(where, f"expected an object, got {raw!r}")
    found = {k: raw.get(k) or [] for k in lists}
    for k, v in found.items():
        if not isinstance(v, list):
            raise _fail(f"{where}.{k}", f"expected a list, got {v!r}")
    return {k: v for k, v in raw.items() if k not in lists}, found


def _load_backend(sim: Simulation, where: str, raw: Any, region: str, *, grouped: bool) -> Backend:
    kinds = _BACKEND_KINDS if grouped else {k: v for k, v in _BACKEND_KINDS.items() if k != "port"}
    required = ("server_id", "port") if grouped else ("server_id",)
    b = _entry(where, raw, kinds, sim.now, required)
    instance = sim.store.instances.get(b["server_id"])
    if instance is None or instance.released:
        raise _fail(f"{where}.server_id", f"{b['server_id']!r} is not in instances (or released)")
    if instance.region != region:
        raise _fail(f"{where}.server_id", f"{b['server_id']!r} is in {instance.region}, "
                                          f"the load balancer in {region}")  # fmt: skip
    weight = b.get("weight", 100)
    if not 0 <= weight <= 100:
        raise _fail(f"{where}.weight", f"expected 0-100, got {weight}")
    port = b.get("port", 0)
    if grouped and not 1 <= port <= 65535:
        raise _fail(f"{where}.port", f"expected 1-65535, got {port}")
    if b.get("type", "ecs") != "ecs":
        raise _fail(f"{where}.type", f"expected ecs (only ECS instances are backends), "
                                     f"got {b['type']!r}")  # fmt: skip
    return Backend(b["server_id"], weight, port, "ecs", b.get("description", ""))


def _load_load_balancer(sim: Simulation, where: str, raw: Any, later: _Steps) -> None:
    store = sim.load_balancers
    raw, lists = _split(where, raw, _LB_LISTS)
    entry = _entry(where, raw, _LB_KINDS, sim.now, lists=_LB_LISTS)
    # the region, zone and network default to the first backend's, as add_load_balancer does
    first_id = next(
        (b.get("server_id") for b in [*lists["backends"],
         *(m for g in lists["vserver_groups"] if isinstance(g, dict)
           for m in (g.get("backends") or []))] if isinstance(b, dict)),
        None,
    )  # fmt: skip
    first = sim.store.live_instance(first_id) if isinstance(first_id, str) else None
    region = entry.get("region") or (first.region if first is not None else sim.config.region)
    try:
        check_region(region, sim.config.extra_regions)
    except EcsApiError as exc:
        raise _fail(f"{where}.region", f"{region!r}: {exc.message}") from None
    lb_id = entry.get("load_balancer_id") or store.new_id("lb", region)
    if lb_id in store.balancers:
        raise _fail(f"{where}.load_balancer_id", f"{lb_id!r} is listed twice")
    status = entry.get("status", "active")
    if status not in _LB_STATUSES:
        raise _fail(f"{where}.status", f"expected one of {', '.join(_LB_STATUSES)}, "
                                       f"got {status!r}")  # fmt: skip
    zone = entry.get("zone") or (first.zone if first is not None else _first_zone(region))
    lb = LoadBalancer(
        lb_id, entry.get("name") or lb_id, region, zone,
        entry.get("address") or store.new_address(), entry.get("created", sim.now),
        status=status,
        vpc_id=entry.get("vpc_id", first.vpc_id if first is not None else ""),
        vswitch_id=entry.get("vswitch_id", first.vswitch_id if first is not None else ""),
    )  # fmt: skip
    for n, b_raw in enumerate(lists["backends"]):
        backend = _load_backend(sim, f"{where}.backends[{n}]", b_raw, region, grouped=False)
        if backend.server_id in lb.backends:
            raise _fail(f"{where}.backends[{n}].server_id",
                        f"{backend.server_id!r} is listed twice")  # fmt: skip
        lb.backends[backend.server_id] = backend
    names: dict[str, str] = {}
    for n, g_raw in enumerate(lists["vserver_groups"]):
        at = f"{where}.vserver_groups[{n}]"
        g_raw, members = _split(at, g_raw, ("backends",))
        g = _entry(at, g_raw, _GROUP_KINDS, sim.now, ("name",), ("backends",))
        group_id = g.get("vserver_group_id") or store.new_id("rsp", region)
        if group_id in store.group_owner or group_id in lb.vserver_groups:
            raise _fail(f"{at}.vserver_group_id", f"{group_id!r} is listed twice")
        if g["name"] in names:
            raise _fail(f"{at}.name", f"{g['name']!r} is listed twice in this load balancer")
        names[g["name"]] = group_id
        group = VServerGroup(group_id, g["name"], lb_id, g.get("created", sim.now))
        for m, b_raw in enumerate(members["backends"]):
            backend = _load_backend(sim, f"{at}.backends[{m}]", b_raw, region, grouped=True)
            pair = (backend.server_id, backend.port)
            if pair in group.backends:
                raise _fail(f"{at}.backends[{m}]", f"{backend.server_id!r} port "
                                                   f"{backend.port} is listed twice")  # fmt: skip
            group.backends[pair] = backend
        lb.vserver_groups[group_id] = group
    for n, l_raw in enumerate(lists["listeners"]):
        at = f"{where}.listeners[{n}]"
        x = _entry(at, l_raw, _LISTENER_KINDS, sim.now, ("port",))
        port = x["port"]
        for name in ("port", "backend_port"):
            if not 1 <= x.get(name, port) <= 65535:
                raise _fail(f"{at}.{name}", f"expected 1-65535, got {x[name]}")
        if lb.listener(port) is not None:
            raise _fail(f"{at}.port", f"{port} is listed twice")
        protocol = x.get("protocol", "tcp")
        if protocol not in _PROTOCOLS:
            raise _fail(f"{at}.protocol", f"expected one of {', '.join(_PROTOCOLS)}, "
                                          f"got {protocol!r}")  # fmt: skip
        group_ref = x.get("vserver_group_id", "")
        group_id = names.get(group_ref, group_ref)  # a group's id, or (hand-written) its name
        if group_id and group_id not in lb.vserver_groups:
            raise _fail(f"{at}.vserver_group_id",
                        f"{group_ref!r} is not a vServer group of this load balancer")  # fmt: skip
        settings = {k: x[k] for k in ("interval", "healthy_threshold", "unhealthy_threshold")
                    if k in x}  # fmt: skip
        try:
            check = HealthCheck(**settings)
        except ValueError as exc:
            raise _fail(at, str(exc)) from None
        lb.listeners.append(Listener(port, protocol, group_id, x.get("backend_port", port), check))
    # every (listener, backend of its group) has a health entry: listed, else the steady
    # state of its instance (as a backend set up by the test starts)
    expected: dict[HealthKey, None] = {}
    for each in lb.listeners:
        group_id = each.vserver_group_id
        members_of = lb.vserver_groups[group_id].backends.values() if group_id else \
            lb.backends.values()  # fmt: skip
        for backend in members_of:
            port = backend.port if group_id else each.backend_port
            expected[(each.port, group_id, backend.server_id, port)] = None
    health: dict[HealthKey, str] = {}
    for n, h_raw in enumerate(lists["health"]):
        at = f"{where}.health[{n}]"
        h = _entry(at, h_raw, _HEALTH_KINDS, sim.now,
                   ("listener_port", "server_id", "status"))  # fmt: skip
        listener = lb.listener(h["listener_port"])
        if listener is None:
            raise _fail(f"{at}.listener_port", f"{h['listener_port']} is not a listener's port")
        group_id = h.get("vserver_group_id", listener.vserver_group_id)
        key: HealthKey = (listener.port, group_id, h["server_id"],
                          h.get("port", 0 if group_id else listener.backend_port))  # fmt: skip
        if key not in expected:
            place = f"vServer group {group_id!r}" if group_id else "the default server group"
            raise _fail(at, f"listener {key[0]} checks no backend {key[2]!r} on port {key[3]} "
                            f"in {place}")  # fmt: skip
        if key in health:
            raise _fail(at, "this backend's health on this listener is listed twice")
        if h["status"] not in HEALTH_STATUSES:
            raise _fail(f"{at}.status", f"expected one of {', '.join(HEALTH_STATUSES)}, "
                                        f"got {h['status']!r}")  # fmt: skip
        target, due = h.get("next"), h.get("due")
        if target is not None and target not in (NORMAL, ABNORMAL):
            raise _fail(f"{at}.next", f"expected {NORMAL}, {ABNORMAL} or null, got {target!r}")
        if (target is None) != (due is None):
            raise _fail(f"{at}.{'due' if due is None else 'next'}", "next (the verdict on its "
                        "way) and due (when it lands) go together")  # fmt: skip
        health[key] = h["status"]
        if target is not None and due is not None:
            later.add(due, h.get("order"),
                      functools.partial(store.resume_verdict, lb, key, target, due))  # fmt: skip
    for missing in expected:
        if missing not in health:
            instance = sim.store.live_instance(missing[2])
            up = instance is not None and instance.status is InstanceStatus.Running
            health[missing] = NORMAL if up else ABNORMAL
    store.restore(lb, health)


def _first_zone(region: str) -> str:
    return region_info(region).zones[0]


# -- Cloud Assistant --------------------------------------------------------------------------
_COMMAND_KINDS = {
    "command_id": "str", "region": "str", "name": "str", "type": "str", "content": "str",
    "created_at": "time", "description": "str", "working_dir": "str", "timeout": "int",
    "enable_parameter": "bool", "parameter_names": "strs", "launcher": "str",
    "resource_group_id": "str", "tags": "tags", "invoke_times": "int", "kept": "bool",
    "deleted": "bool",
}  # fmt: skip
_INVOCATION_KINDS = {
    "invoke_id": "str", "command_id": "str", "region": "str", "command_name": "str",
    "command_type": "str", "command_description": "str", "content": "str",
    "created_at": "time", "timeout": "int", "parameters": "tags", "repeat_mode": "str",
    "working_dir": "str", "username": "str", "container_id": "str", "container_name": "str",
    "launcher": "str", "termination_mode": "str", "oss_output_delivery": "str",
    "resource_group_id": "str", "frequency": "str", "tags": "tags", "client_token": "str?",
}  # fmt: skip
_RUN_KINDS = {
    "instance_id": "str", "content": "str", "scripted": "bool",
    "created_at": "time", "status": "str", "exit_code": "int?", "output": "str",
    "dropped": "int", "error_code": "str", "start_time": "time?", "finish_time": "time?",
    "stop_time": "time?", "updated_at": "time?", "repeats": "int", "due": "time?",
    "order": "int",
}  # fmt: skip
_RUN_STATUSES = ("Pending", "Running", *sorted(ca.FINAL))


def _dump_command(c: ca.Command) -> dict[str, Any]:
    return {
        "command_id": c.command_id, "region": c.region, "name": c.name, "type": c.type,
        "content": c.content, "created_at": _time(c.created_at), "description": c.description,
        "working_dir": c.working_dir, "timeout": c.timeout,
        "enable_parameter": c.enable_parameter, "parameter_names": list(c.parameter_names),
        "launcher": c.launcher, "resource_group_id": c.resource_group_id, "tags": dict(c.tags),
        "invoke_times": c.invoke_times, "kept": c.kept, "deleted": c.deleted,
    }  # fmt: skip


def _dump_invocation(
    i: ca.Invocation, token: str | None, orders: Mapping[StepName, int]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "invoke_id": i.invoke_id, "command_id": i.command_id, "region": i.region,
        "command_name": i.command_name, "command_type": i.command_type,
        "command_description": i.command_description, "content": i.content,
        "created_at": _time(i.created_at), "timeout": i.timeout,
        "parameters": dict(i.parameters), "repeat_mode": i.repeat_mode,
        "working_dir": i.working_dir, "username": i.username, "container_id": i.container_id,
        "container_name": i.container_name, "launcher": i.launcher,
        "termination_mode": i.termination_mode, "oss_output_delivery": i.oss_output_delivery,
        "resource_group_id": i.resource_group_id, "frequency": i.frequency,
        "tags": dict(i.tags), "client_token": token,
        "runs": [
            {"instance_id": r.instance_id, "content": r.content,
             "outcome": {"output": r.outcome.output, "exit_code": r.outcome.exit_code,
                         "duration": r.outcome.duration.total_seconds()},
             "scripted": r.scripted, "created_at": _time(r.created_at), "status": r.status,
             "exit_code": r.exit_code, "output": r.output, "dropped": r.dropped,
             "error_code": r.error_code, "start_time": _time(r.start_time),
             "finish_time": _time(r.finish_time), "stop_time": _time(r.stop_time),
             "updated_at": _time(r.updated_at), "repeats": r.repeats,
             "due": _time(r.timer.due if r.timer is not None else None)}
            for r in i.runs
        ],
    }  # fmt: skip
    for run, saved in zip(i.runs, out["runs"], strict=True):
        _with_order(saved, orders, ("run", i.invoke_id, run.instance_id))
    return out


def _load_command(sim: Simulation, where: str, raw: Any) -> None:
    entry = _entry(where, raw, _COMMAND_KINDS, sim.now, ("type", "content"))
    assistant = sim.cloud_assistant
    region = entry.get("region", sim.config.region)
    try:
        check_region(region, sim.config.extra_regions)
    except EcsApiError as exc:
        raise _fail(f"{where}.region", f"{region!r}: {exc.message}") from None
    if entry["type"] not in ca.COMMAND_TYPES:
        raise _fail(f"{where}.type", f"expected one of {', '.join(ca.COMMAND_TYPES)}, "
                                     f"got {entry['type']!r}")  # fmt: skip
    timeout = entry.get("timeout", ca.DEFAULT_TIMEOUT)
    enabled = entry.get("enable_parameter", False)
    try:
        ca.check_timeout(timeout)
        ca.check_content_size(entry["content"])
        names = ca.parameter_names(entry["content"]) if enabled else []
    except EcsApiError as exc:
        field = "timeout" if "Timeout" in exc.message else "content"
        raise _fail(f"{where}.{field}", exc.message) from None
    command_id = entry.get("command_id") or sim._new_id(
        "c", region, assistant.commands.__contains__
    )
    if command_id in assistant.commands:
        raise _fail(f"{where}.command_id", f"{command_id!r} is listed twice")
    assistant.commands[command_id] = ca.Command(
        command_id=command_id, region=region, name=entry.get("name", ""), type=entry["type"],
        content=entry["content"], created_at=entry.get("created_at", sim.now),
        description=entry.get("description", ""), working_dir=entry.get("working_dir", ""),
        timeout=timeout, enable_parameter=enabled,
        parameter_names=entry.get("parameter_names", tuple(names)),
        launcher=entry.get("launcher", ""), resource_group_id=entry.get("resource_group_id", ""),
        tags=entry.get("tags", {}), invoke_times=entry.get("invoke_times", 0),
        kept=entry.get("kept", True), deleted=entry.get("deleted", False),
    )  # fmt: skip


def _load_outcome(sim: Simulation, where: str, raw: Any) -> ca.Outcome:
    if not isinstance(raw, dict):
        raise _fail(where, f"expected an object, got {raw!r}")
    rest = {k: v for k, v in raw.items() if k != "duration"}
    o = _entry(where, rest, {"output": "str", "exit_code": "int", "duration": ""}, sim.now)
    duration = ca.DEFAULT_DURATION
    if raw.get("duration") is not None:
        try:
            duration = parse_duration(raw["duration"])
        except (TimeFormatError, ValueError) as exc:
            raise _fail(f"{where}.duration", str(exc)) from None
    return ca.Outcome(o.get("output", ""), o.get("exit_code", 0), duration)


def _load_invocation(sim: Simulation, where: str, raw: Any, later: _Steps) -> None:
    assistant = sim.cloud_assistant
    raw, lists = _split(where, raw, ("runs",))
    entry = _entry(where, raw, _INVOCATION_KINDS, sim.now, ("command_id",), ("runs",))
    command = assistant.commands.get(entry["command_id"])
    if command is None:
        raise _fail(f"{where}.command_id", f"{entry['command_id']!r} is not in commands")
    if not lists["runs"]:
        raise _fail(f"{where}.runs", "an invocation runs on one instance at least")
    region = entry.get("region", command.region)
    invoke_id = entry.get("invoke_id") or sim._new_id(
        "t", region, assistant.invocations.__contains__
    )
    if invoke_id in assistant.invocations:
        raise _fail(f"{where}.invoke_id", f"{invoke_id!r} is listed twice")
    token = entry.get("client_token")
    if token is not None and token in assistant.client_tokens().values():
        raise _fail(f"{where}.client_token", f"{token!r} is listed twice")
    timeout = entry.get("timeout", command.timeout)
    try:
        ca.check_timeout(timeout)
    except EcsApiError as exc:
        raise _fail(f"{where}.timeout", exc.message) from None
    created = entry.get("created_at", sim.now)
    invocation = ca.Invocation(
        invoke_id=invoke_id, region=region, command_id=command.command_id,
        command_name=entry.get("command_name", command.name),
        command_type=entry.get("command_type", command.type),
        command_description=entry.get("command_description", command.description),
        content=entry.get("content", command.content), created_at=created, timeout=timeout,
        parameters=entry.get("parameters", {}), repeat_mode=entry.get("repeat_mode", "Once"),
        **{k: entry.get(k, "") for k in ("working_dir", "username", "container_id",
                                         "container_name", "launcher", "termination_mode",
                                         "oss_output_delivery", "resource_group_id",
                                         "frequency")},
        tags=entry.get("tags", {}),
    )  # fmt: skip
    seen: set[str] = set()
    for n, r_raw in enumerate(lists["runs"]):
        at = f"{where}.runs[{n}]"
        outcome_raw = r_raw.get("outcome") if isinstance(r_raw, dict) else None
        if isinstance(r_raw, dict):
            r_raw = {k: v for k, v in r_raw.items() if k != "outcome"}
        r = _entry(at, r_raw, _RUN_KINDS, sim.now,
                   ("instance_id",), ("outcome",))  # fmt: skip
        outcome = _load_outcome(sim, f"{at}.outcome", outcome_raw or {})
        instance = sim.store.instances.get(r["instance_id"])
        if instance is None:
            raise _fail(f"{at}.instance_id", f"{r['instance_id']!r} is not in instances")
        if instance.region != region:
            raise _fail(f"{at}.instance_id", f"{instance.instance_id!r} is in {instance.region}, "
                                             f"the invocation in {region}")  # fmt: skip
        if instance.instance_id in seen:
            raise _fail(f"{at}.instance_id", f"{instance.instance_id!r} is listed twice")
        seen.add(instance.instance_id)
        status = r.get("status", "Pending")
        if status not in _RUN_STATUSES:
            raise _fail(f"{at}.status", f"expected one of {', '.join(_RUN_STATUSES)}, "
                                        f"got {status!r}")  # fmt: skip
        if status not in ca.FINAL and (
            instance.released or instance.status is not InstanceStatus.Running
        ):
            raise _fail(f"{at}.status", f"{instance.instance_id} is not Running: a {status} "
                                        f"run needs its instance running")  # fmt: skip
        if status in ca.FINAL and r.get("due") is not None:
            raise _fail(f"{at}.due", f"a {status} run has no next step")
        run_created = r.get("created_at", created)
        start = r.get("start_time")
        if status == "Running" and start is None:
            start = run_created + ca.DELIVERY_DELAY
        run = ca.CommandRun(
            invocation, instance.instance_id, r.get("content", invocation.content), outcome,
            r.get("scripted", False), run_created, status=status, exit_code=r.get("exit_code"),
            output=r.get("output", ""), dropped=r.get("dropped", 0),
            error_code=r.get("error_code", ""), start_time=start,
            finish_time=r.get("finish_time"), stop_time=r.get("stop_time"),
            updated_at=r.get("updated_at", run_created), repeats=r.get("repeats", 0),
        )  # fmt: skip
        invocation.runs.append(run)
        if not run.finished:
            due = r.get("due") or assistant.next_step_due(run)
            later.add(due, r.get("order"), functools.partial(assistant.resume_run, run, due))
    assistant.restore_invocation(invocation, token)


# -- the document -----------------------------------------------------------------------------
def dump(sim: Simulation) -> dict[str, Any]:
    """The simulation as a scenario document (JSON-ready: str, int, bool, None, lists, dicts)."""
    with sim.lock:
        config = sim.config
        timers = sim.store.pending_event_times()
        tokens = sim.cloud_assistant.client_tokens()
        orders = _tie_orders(sim)
        return {
            "format": FORMAT,
            "version": VERSION,
            "now": format_api_time(sim.now),
            "seed": config.seed,
            "region": config.region,
            "account_id": config.account_id,
            "execution_duration": config.execution_duration.total_seconds(),
            "extra_regions": list(config.extra_regions),
            "instances": [_dump_instance(sim, i, orders) for i in sim.store.instances.values()],
            "disks": [_dump_disk(d) for d in sim.store.disks.values()],
            "events": [
                _dump_event(e, timers.get(e.event_id), orders) for e in sim.store.events.values()
            ],
            "queues": [_dump_queue(sim.queues.get(n)) for n in sim.queues.names()],
            "event_rules": [_dump_rule(r) for r in sim.event_rules.rules()],
            "load_balancers": [
                _dump_load_balancer(sim, lb, orders) for lb in sim.load_balancers.balancers.values()
            ],
            "commands": [_dump_command(c) for c in sim.cloud_assistant.commands.values()],
            "invocations": [
                _dump_invocation(i, tokens.get(i.invoke_id), orders)
                for i in sim.cloud_assistant.invocations.values()
            ],
        }


def settings(data: Any) -> dict[str, Any]:
    """The settings a simulation is built with (keywords of ``EcsSimulator``), checked."""
    if not isinstance(data, dict):
        raise _fail("", f"a scenario is a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - set(TOP_LEVEL))
    if unknown:
        raise _fail(unknown[0], f"unknown field; a scenario has {', '.join(TOP_LEVEL)}")
    if data.get("format", FORMAT) != FORMAT:
        raise _fail("format", f"expected {FORMAT!r}, got {data['format']!r}")
    if data.get("version", VERSION) not in VERSIONS:
        raise _fail("version", f"this version reads versions {', '.join(map(str, VERSIONS))}, "
                               f"got {data['version']!r}")  # fmt: skip
    out: dict[str, Any] = {}
    if data.get("now") is not None:
        try:
            out["now"] = parse_datetime(data["now"])
        except (TimeFormatError, ValueError) as exc:
            raise _fail("now", str(exc)) from None
    if data.get("seed") is not None:
        out["seed"] = _want("seed", data["seed"], "int", datetime.now())
    for key in ("region", "account_id"):
        if data.get(key) is not None:
            out[key] = _want(key, data[key], "str", datetime.now())
    if data.get("extra_regions"):
        out["extra_regions"] = _want("extra_regions", data["extra_regions"], "strs", datetime.now())
    if data.get("execution_duration") is not None:
        try:
            out["execution_duration"] = parse_duration(data["execution_duration"])
        except (TimeFormatError, ValueError) as exc:
            raise _fail("execution_duration", str(exc)) from None
    return out


def restore(sim: Simulation, data: Mapping[str, Any]) -> None:
    """Load the records of ``data`` into ``sim``, a fresh simulation built with
    :func:`settings`. ScenarioError naming the bad field; drop ``sim`` then."""
    for key in (
        "instances",
        "disks",
        "events",
        "queues",
        "event_rules",
        "load_balancers",
        "commands",
        "invocations",
    ):
        _list(data, key)
    later = _Steps()
    with sim.lock:
        for n, raw in enumerate(_list(data, "instances")):
            _load_instance(sim, f"instances[{n}]", raw, later)
        made = set(sim.store.disks)
        for n, raw in enumerate(_list(data, "disks")):
            _load_disk(sim, f"disks[{n}]", raw, made)
        for n, raw in enumerate(_list(data, "events")):
            _load_event(sim, f"events[{n}]", raw, later)
        for n, raw in enumerate(_list(data, "queues")):
            _load_queue(sim, f"queues[{n}]", raw)
        for n, raw in enumerate(_list(data, "event_rules")):
            _load_rule(sim, f"event_rules[{n}]", raw)
        for n, raw in enumerate(_list(data, "load_balancers")):
            _load_load_balancer(sim, f"load_balancers[{n}]", raw, later)
        for n, raw in enumerate(_list(data, "commands")):
            _load_command(sim, f"commands[{n}]", raw)
        for n, raw in enumerate(_list(data, "invocations")):
            _load_invocation(sim, f"invocations[{n}]", raw, later)
        later.make()
        sim.mutations += 1


# -- files ------------------------------------------------------------------------------------
def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def _yaml() -> Any:
    try:
        import yaml  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise ScenarioError(
            "a .yaml/.yml scenario needs PyYAML (pip install PyYAML); or use a .json file"
        ) from None
    return yaml


def read_file(path: str | os.PathLike[str]) -> Any:
    """The document in ``path`` (JSON, or YAML for .yaml/.yml); ScenarioError if unreadable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read {path}: {exc.strerror or exc}") from None
    if _is_yaml(path):
        yaml = _yaml()
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ScenarioError(f"{path} is not valid YAML: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path} is not valid JSON: {exc}") from None


def write_file(path: str | os.PathLike[str], data: Mapping[str, Any]) -> None:
    """Write the document (JSON, or YAML for .yaml/.yml) atomically: a reader never sees a
    half-written file."""
    path = Path(path)
    if _is_yaml(path):
        text = _yaml().safe_dump(dict(data), sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


__all__ = ["FORMAT", "VERSION", "ScenarioError", "dump", "read_file", "restore", "settings",
           "write_file"]  # fmt: skip
