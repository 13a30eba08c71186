"""Disk events (DescribeDisksFullStatus): the types, the records, and their lifecycle.

A disk event is not an instance system event: it has no cycle of states, no NotBefore and
cannot be avoided. The platform publishes it when it happens (its ``EventTime``: "the release
time, scheduled execution time and actual execution time are identical", API reference) and
it ends on its own (``EventEndTime``). While it is active the disk's ``HealthStatus`` follows
the type (Warning or Impaired); once it has ended the disk is ``Ok`` again.

Whether an event has started or ended is a function of the clock, so a query needs nothing
more than the record. Each event keeps one pending timer (its start, then its end) in the
store's heap, so that ``advance_to_next()`` stops where a disk event starts or ends; a
simulation without disk events has no such timer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from .models import Disk


@dataclass(frozen=True)
class DiskEventTypeSpec:
    """One disk event type: its numeric code (and whether a source confirms it), and the
    disk's health while such an event is active."""

    name: str
    code: int
    code_confirmed: bool
    health: str
    description: str


#: The disk event types of DescribeDisksFullStatus's ``EventType`` (API reference). Codes:
#: Degraded=1 and Stalled=7 are in the reference's examples; the others are ours.
DISK_EVENT_TYPES: Mapping[str, DiskEventTypeSpec] = MappingProxyType({
    s.name: s
    for s in (
        DiskEventTypeSpec("Degraded", 1, True, "Warning",
                          "The performance of the disk is degraded."),
        DiskEventTypeSpec("SeverelyDegraded", 2, False, "Warning",
                          "The performance of the disk is severely degraded."),
        DiskEventTypeSpec("Stalled", 7, True, "Impaired",
                          "The performance of the disk is severely affected (I/O stalled)."),
        DiskEventTypeSpec("ErrorDetected", 8, False, "Impaired", "The disk is damaged."),
    )
})  # fmt: skip
#: Disk ``HealthStatus`` names, worst first (the worst active event decides).
HEALTH_ORDER: tuple[str, ...] = ("Impaired", "Warning", "Ok")
#: The disk states in which a disk is being (re)initialised: its health is Initializing.
INITIALIZING_STATUSES = frozenset({"Creating", "ReIniting"})


@dataclass(eq=False, slots=True)
class DiskEvent:
    """One disk event with everything DescribeDisksFullStatus returns of it."""

    event_id: str
    disk_id: str
    region: str
    event_type: str
    #: When it happened (its publish, scheduled and actual time at once).
    event_time: datetime
    #: When it ends (None: it lasts until ``end_disk_event``).
    end_time: datetime | None
    impact_level: str
    #: Creation order.
    seq: int
    #: Bumped whenever its pending timer changes (stale heap entries are skipped).
    version: int = 0

    def started(self, now: datetime) -> bool:
        return self.event_time <= now

    def ended(self, now: datetime) -> bool:
        return self.end_time is not None and self.end_time <= now

    def active(self, now: datetime) -> bool:
        return self.started(now) and not self.ended(now)

    def next_due(self, now: datetime) -> datetime | None:
        """When it next starts or ends after ``now`` (None: nothing left to happen)."""
        if self.event_time > now:
            return self.event_time
        if self.end_time is not None and self.end_time > now:
            return self.end_time
        return None

    def __repr__(self) -> str:
        return (
            f"DiskEvent({self.event_id!r}, {self.event_type!r}, disk={self.disk_id!r}, "
            f"event_time={self.event_time!s}, end_time={self.end_time!s})"
        )


class DiskEventLog:
    """Every disk event of the account, by id and by disk, oldest first."""

    def __init__(self) -> None:
        self.events: dict[str, DiskEvent] = {}
        self._by_disk: dict[str, list[DiskEvent]] = {}

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[DiskEvent]:
        return iter(self.events.values())

    def add(self, event: DiskEvent) -> None:
        self.events[event.event_id] = event
        self._by_disk.setdefault(event.disk_id, []).append(event)

    def of_disk(self, disk_id: str) -> list[DiskEvent]:
        return self._by_disk.get(disk_id, [])

    def is_current(self, event_id: str, version: int) -> bool:
        """Whether a timer of that version is the event's pending one."""
        event = self.events.get(event_id)
        return event is not None and event.version == version

    def health(self, disk: Disk, now: datetime) -> str:
        """The disk's ``HealthStatus`` name at ``now``: the worst of its active events'
        (Impaired, Warning), Initializing while the disk is being (re)initialised, else Ok."""
        worst = len(HEALTH_ORDER) - 1
        for event in self._by_disk.get(disk.disk_id, ()):
            if event.active(now):
                spec = DISK_EVENT_TYPES.get(event.event_type)
                if spec is not None:
                    worst = min(worst, HEALTH_ORDER.index(spec.health))
        if worst == len(HEALTH_ORDER) - 1 and disk.status in INITIALIZING_STATUSES:
            return "Initializing"
        return HEALTH_ORDER[worst]
