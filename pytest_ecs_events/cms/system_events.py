"""ECS events as CloudMonitor system events, and the filters of the event queries.

Each state an ECS instance event has been in is one CloudMonitor system event, named
``Instance:<EventType>:<State>``, whose content is the CloudMonitor notification payload's
``content`` (``notifications/payloads.py``): the same thing a rule delivers, so what a
handler reads from a queue and what it queries agree. Nothing is stored: the events are
derived from the event store; each event's states are kept until the event changes
(:func:`system_events`).
"""

from __future__ import annotations

import json
import uuid
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..core.catalog import Category
from ..core.lifecycle import Transition
from ..core.models import SystemEvent
from ..core.simulation import Simulation
from ..notifications.payloads import cloudmonitor_event

__all__ = [
    "CmsSystemEvent",
    "EventFilter",
    "cms_event_type",
    "derive_system_events",
    "keywords_match",
    "payload_event_type",
    "system_event_id",
    "system_events",
]

#: CloudMonitor's event types for the catalog's categories (our choice: CloudMonitor lists
#: ECS maintenance as ``Maintenance``, failures as ``Exception``).
_EVENT_TYPES: Mapping[Category, str] = {
    Category.MAINTENANCE: "Maintenance",
    Category.FAILURE: "Exception",
    Category.OTHER: "StatusNotification",
}
#: Stable Ids: the same event state has the same Id in every answer and payload.
_ID_SPACE = uuid.UUID("6f0f5b8e-3c57-4d1c-9a53-2a7f0c1e5b10")


def cms_event_type(category: Category) -> str:
    """CloudMonitor's ``EventType`` of an event of this catalog category."""
    return _EVENT_TYPES[category]


def system_event_id(event_id: str, state: str) -> str:
    """The stable ``Id`` of an ECS event in one state, in the queries and in what a rule
    delivers (so a handler can match a queued payload with a query's answer)."""
    return str(uuid.uuid5(_ID_SPACE, f"{event_id}:{state}")).upper()


def payload_event_type(payload: Mapping[str, Any], sim: Simulation) -> str | None:
    """The CloudMonitor ``EventType`` of an ECS CloudMonitor payload (its ``content``
    names the ECS event type), for :meth:`~..core.event_rules.EventRule.matches`."""
    content = payload.get("content")
    kind = content.get("eventType") if isinstance(content, Mapping) else None
    if not isinstance(kind, str) or kind not in sim.catalog.event_types:
        return None
    return cms_event_type(sim.catalog.spec(kind).category)


@dataclass(frozen=True)
class CmsSystemEvent:
    """One CloudMonitor system event: an ECS event in one of its states."""

    id: str
    time: datetime
    product: str
    event_type: str
    name: str
    level: str
    status: str
    region: str
    resource_id: str
    instance_name: str
    group_id: str
    #: The CloudMonitor payload (``content`` is what the API shows as ``Content``).
    payload: Mapping[str, Any]

    @property
    def time_ms(self) -> int:
        return int(self.time.timestamp() * 1000)

    @property
    def content(self) -> str:
        return json.dumps(self.payload["content"], ensure_ascii=False, separators=(",", ":"))


def _states(event: SystemEvent, sim: Simulation) -> Iterable[CmsSystemEvent]:
    spec = sim.catalog.spec(event.event_type)
    kind = cms_event_type(spec.category)
    instance = sim.store.instances.get(event.instance_id)
    previous = None
    for when, state in event.history:
        transition = Transition(
            when, event.event_id, event.instance_id, event.event_type, previous, state,
            event.simulated, "history",
        )  # fmt: skip
        previous = state
        payload = cloudmonitor_event(transition, sim)
        payload["id"] = system_event_id(event.event_id, state.value)
        yield CmsSystemEvent(
            id=payload["id"],
            time=when,
            product=payload["product"],
            event_type=kind,
            name=payload["name"],
            level=payload["level"],
            status=state.value,
            region=event.region,
            resource_id=payload["resourceId"],
            instance_name=instance.name if instance is not None else "",
            group_id="",
            payload=payload,
        )


def derive_system_events(sim: Simulation) -> list[CmsSystemEvent]:
    """Every CloudMonitor system event of the account, newest first, derived afresh from
    every event (what :func:`system_events` must equal). Callers hold the lock."""
    found = [cms for event in sim.store.events.values() for cms in _states(event, sim)]
    found.sort(key=lambda e: e.time, reverse=True)
    return found


def _derivation_key(event: SystemEvent, sim: Simulation) -> tuple[Any, ...]:
    """Everything :func:`_states` reads: while it is equal, so is what it derives."""
    instance = sim.store.instances.get(event.instance_id)
    return (
        event.trail, event.execute_start_time, event.not_before, event.publish_time,
        event.event_type, event.instance_id, event.region, event.simulated,
        instance.name if instance is not None else None, sim.catalog.spec(event.event_type),
        sim.config.account_id,
    )  # fmt: skip


#: Per event store (a new store starts afresh): each event's derived states and the key they
#: were derived from. Deriving an event's states (payload, times, a uuid5 per state) is most
#: of a system-event query; an event's states change only when something in the key does.
#: Guarded by tests/property/test_answer_cache.py (cached vs derived afresh, byte for byte).
#: With them, the last list found: while no event changed (none came or went), the very same
#: list is returned again instead of being gathered and sorted again.
_Derived = dict[str, tuple[tuple[Any, ...], list["CmsSystemEvent"]]]
_DERIVED: weakref.WeakKeyDictionary[Any, tuple[_Derived, list[CmsSystemEvent]]]
_DERIVED = weakref.WeakKeyDictionary()


def system_events(sim: Simulation) -> list[CmsSystemEvent]:
    """Every CloudMonitor system event of the account, newest first (each event's states
    derived again only once the event changed; the same list object while none did: never
    change it). Callers hold the simulation's lock."""
    kept, last = _DERIVED.get(sim.store, ({}, []))
    fresh: _Derived = {}
    unchanged = len(kept) == len(sim.store.events)
    order = iter(kept)  # the same events in the same order: ties sort alike
    for event_id, event in sim.store.events.items():
        key = _derivation_key(event, sim)
        entry = kept.get(event_id)
        if entry is None or entry[0] != key:
            entry = (key, list(_states(event, sim)))
            unchanged = False
        elif unchanged and next(order) != event_id:
            unchanged = False
        fresh[event_id] = entry
    if unchanged:
        return last
    found: list[CmsSystemEvent] = []
    for entry in fresh.values():
        found += entry[1]
    found.sort(key=lambda e: e.time, reverse=True)
    _DERIVED[sim.store] = (fresh, found)
    return found


def keywords_match(text: str, query: str) -> bool:
    """``SearchKeywords``: ``a and b`` needs both words in ``text``, ``a or b`` either; one
    word needs itself. ``and`` binds tighter than ``or`` (our choice)."""
    alternatives = [part for part in _split(query, "or") if part]
    return any(all(word in text for word in _split(alt, "and") if word) for alt in alternatives)


def _split(text: str, word: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    for token in text.split():
        if token.lower() == word:
            parts.append(" ".join(current))
            current = []
        else:
            current.append(token)
    parts.append(" ".join(current))
    return [p.strip() for p in parts]


@dataclass(frozen=True)
class EventFilter:
    """The filters DescribeSystemEventAttribute, -Count and -Histogram share."""

    product: str | None = None
    event_type: str | None = None
    name: str | None = None
    level: str | None = None
    status: str | None = None
    group_id: str | None = None
    search: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def accepts(self, event: CmsSystemEvent) -> bool:
        if self.product is not None and event.product.lower() != self.product.lower():
            return False
        if self.event_type is not None and event.event_type != self.event_type:
            return False
        if self.name is not None and event.name != self.name:
            return False
        if self.level is not None and event.level != self.level:
            return False
        if self.status is not None and event.status != self.status:
            return False
        if self.group_id is not None and event.group_id != self.group_id:
            return False
        if self.start is not None and event.time < self.start:
            return False
        if self.end is not None and event.time > self.end:
            return False
        if self.search is not None:
            text = json.dumps(event.payload, ensure_ascii=False, sort_keys=True)
            if not keywords_match(text, self.search):
                return False
        return True

    def select(self, events: Iterable[CmsSystemEvent]) -> list[CmsSystemEvent]:
        return [e for e in events if self.accepts(e)]
