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

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .catalog import Category, EventState, InstanceStatus, UnknownEventType
from .clock import TimeFormatError, format_api_time, parse_datetime, parse_duration, parse_time
from .errors import EcsApiError
from .event_rules import EventPattern, KeywordFilter, RuleTarget
from .models import NO_EXTENDED, STATE_CODES, Disk, Instance, SystemEvent
from .provisioning import INSTANCE_ATTRIBUTES
from .queues import Message, Queue, QueueAttributes, body_md5
from .simulation import SIMULATED_REASON, Simulation

FORMAT = "pytest-ecs-events/scenario"
VERSION = 1
#: Top-level keys. ``load_balancers`` is the extension point for issue 15: accepted only empty
#: until load balancers exist.
TOP_LEVEL = ("format", "version", "now", "seed", "region", "account_id", "execution_duration",
             "extra_regions", "instances", "disks", "events", "queues", "event_rules",
             "load_balancers")  # fmt: skip


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
    where: str, entry: Any, kinds: Mapping[str, str], now: datetime, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise _fail(where, f"expected an object, got {entry!r}")
    unknown = sorted(set(entry) - set(kinds))
    if unknown:
        raise _fail(f"{where}.{unknown[0]}", f"unknown field; expected one of {', '.join(kinds)}")
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
    "system_disk_category": "str", "system_disk_size": "int", **_INSTANCE_RECORD,
}  # fmt: skip
_ADDRESSES = ("private_ip", "public_ip", "eip")


def _dump_instance(sim: Simulation, instance: Instance) -> dict[str, Any]:
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
    }  # fmt: skip
    plan = sim.pending_statuses(i.instance_id)
    if plan:
        out["pending_statuses"] = [{"time": _time(t), "status": s.value} for t, s in plan]
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_api_time(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _load_instance(sim: Simulation, where: str, raw: Any) -> None:
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
        for n, step in enumerate(pending_raw):
            at = f"{where}.pending_statuses[{n}]"
            got = _entry(at, step, {"time": "time", "status": "str"}, sim.now, ("time", "status"))
            steps.append((got["time"], _choice(f"{at}.status", got["status"], InstanceStatus,
                                               [s.value for s in InstanceStatus])))  # fmt: skip
        sim.resume_statuses(instance, steps)


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
    "due": "time?",
}  # fmt: skip


def _dump_event(event: SystemEvent, due: datetime | None) -> dict[str, Any]:
    e = event
    return {
        "event_id": e.event_id, "instance_id": e.instance_id, "event_type": e.event_type,
        "state": e.state.value, "simulated": e.simulated, "region": e.region,
        "not_before": _time(e.not_before), "publish_time": _time(e.publish_time),
        "finish_time": _time(e.finish_time), "execute_start_time": _time(e.execute_start_time),
        "reason": e.reason, "reason_code": e.reason_code, "impact_level": e.impact_level,
        "extended": _jsonable(e.extended),
        "history": [{"time": _time(t), "state": s.value} for t, s in e.history],
        "due": _time(due),
    }  # fmt: skip


def _load_event(sim: Simulation, where: str, raw: Any) -> None:
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
        sim.store.schedule_event(event, due)


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


# -- the document -----------------------------------------------------------------------------
def dump(sim: Simulation) -> dict[str, Any]:
    """The simulation as a scenario document (JSON-ready: str, int, bool, None, lists, dicts)."""
    with sim.lock:
        config = sim.config
        timers = sim.store.pending_event_times()
        return {
            "format": FORMAT,
            "version": VERSION,
            "now": format_api_time(sim.now),
            "seed": config.seed,
            "region": config.region,
            "account_id": config.account_id,
            "execution_duration": config.execution_duration.total_seconds(),
            "extra_regions": list(config.extra_regions),
            "instances": [_dump_instance(sim, i) for i in sim.store.instances.values()],
            "disks": [_dump_disk(d) for d in sim.store.disks.values()],
            "events": [_dump_event(e, timers.get(e.event_id)) for e in sim.store.events.values()],
            "queues": [_dump_queue(sim.queues.get(n)) for n in sim.queues.names()],
            "event_rules": [_dump_rule(r) for r in sim.event_rules.rules()],
            "load_balancers": [],
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
    if data.get("version", VERSION) != VERSION:
        raise _fail("version", f"this version reads version {VERSION}, got {data['version']!r}")
    if data.get("load_balancers"):
        raise _fail("load_balancers", "load balancers are not simulated yet (issue 15)")
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
    for key in ("instances", "disks", "events", "queues", "event_rules"):
        _list(data, key)
    with sim.lock:
        for n, raw in enumerate(_list(data, "instances")):
            _load_instance(sim, f"instances[{n}]", raw)
        made = set(sim.store.disks)
        for n, raw in enumerate(_list(data, "disks")):
            _load_disk(sim, f"disks[{n}]", raw, made)
        for n, raw in enumerate(_list(data, "events")):
            _load_event(sim, f"events[{n}]", raw)
        for n, raw in enumerate(_list(data, "queues")):
            _load_queue(sim, f"queues[{n}]", raw)
        for n, raw in enumerate(_list(data, "event_rules")):
            _load_rule(sim, f"event_rules[{n}]", raw)
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
