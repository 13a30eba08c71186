"""The indexed store of instances, disks and events, and the heap of pending timers.

Indexes (by id, by instance, by state, per region counters) let queries touch only what
they return, and the heap lets ``advance()`` pop just the timers that fall due:
O(transitions · log n), whatever the size of the history. Heap entries are never removed in
place; each carries the version of its target and is skipped when that version is stale.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .catalog import EventState, InstanceStatus
from .disk_events import DiskEvent, DiskEventLog
from .models import Disk, Instance, SystemEvent

TimerKind = Literal["event", "instance", "disk_event", "callback"]


@dataclass(slots=True)
class Timer:
    """A pending change: at ``due``, the target (an event or instance) moves on if unchanged."""

    due: datetime
    seq: int
    kind: TimerKind
    target_id: str
    version: int
    #: For instance timers: the status to move to.
    status: InstanceStatus | None = None
    #: For callback timers (an area's own change, see ``Simulation.call_at``): what to run.
    callback: Callable[[], None] | None = None
    #: A callback timer that will not run (``Simulation.cancel_timer``).
    cancelled: bool = False


#: Heap entries are (due, seq, timer): tuples compare in C, and seq is unique, so the timer
#: itself is never compared. An event's timer, the one a history is made of, is kept as
#: (due, seq, event, version) with no Timer object (:meth:`Store._timer` makes one): the
#: event itself, not its id, so popping it needs no look-up in the index of every event (a
#: cache miss per pop once a history outgrows the CPU's caches; events are never removed
#: from the store, and an id is never given to a second event).
_Entry = tuple[datetime, int, Timer] | tuple[datetime, int, SystemEvent, int]


#: The states events leave, in the enum's order (every account's index by state has them).
_LEFT_STATES = tuple(s for s in EventState if not s.is_final)


class Store:
    """Instances, events, their indexes and the timer heap. Not thread-safe by itself."""

    def __init__(self) -> None:
        self.instances: dict[str, Instance] = {}
        self.disks: dict[str, Disk] = {}
        #: Disk events (DescribeDisksFullStatus), kept apart from the instance events.
        self.disk_events = DiskEventLog()
        self.events: dict[str, SystemEvent] = {}
        self._by_instance: dict[str, list[SystemEvent]] = {}
        #: The events in each state that events leave (by id); the final states, which hold
        #: nearly every event of a long history and which no event leaves, keep only the
        #: first event that entered them (see :meth:`first_in_state`).
        self._by_state: dict[EventState, dict[str, SystemEvent]] = {s: {} for s in _LEFT_STATES}
        self._first_final: dict[EventState, SystemEvent] = {}
        #: (region, state, simulated) -> number of events.
        self._counts: Counter[tuple[str, EventState, bool]] = Counter()
        self._instance_versions: dict[str, int] = {}
        self._heap: list[_Entry] = []
        self._seq = 0
        #: When the first event finished (time only moves forward: no event finished
        #: earlier), so a reader can tell at once that none is past a retention cutoff.
        self.first_finish: datetime | None = None

    # -- instances -------------------------------------------------------------------------
    def add_instance(self, instance: Instance) -> None:
        self.instances[instance.instance_id] = instance
        self._by_instance.setdefault(instance.instance_id, [])

    def add_disk(self, disk: Disk) -> None:
        self.disks[disk.disk_id] = disk

    def disks_of_instance(self, instance_id: str) -> list[Disk]:
        """The disks attached to the instance, system disk first (in creation order)."""
        found = [d for d in self.disks.values() if d.instance_id == instance_id and not d.released]
        return sorted(found, key=lambda d: d.kind != "system")

    def live_instance(self, instance_id: str) -> Instance | None:
        """The instance if the account still has it (not released)."""
        instance = self.instances.get(instance_id)
        if instance is None or instance.released:
            return None
        return instance

    # -- events ----------------------------------------------------------------------------
    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def add_event(self, event: SystemEvent) -> None:
        self.events[event.event_id] = event
        self._by_instance.setdefault(event.instance_id, []).append(event)
        self._enter_index(event, event.state)
        self._counts[(event.region, event.state, event.simulated)] += 1

    def add_scheduled_event(self, event: SystemEvent, due: datetime) -> None:
        """:meth:`add_event`, then the event's timer at ``due`` as :meth:`schedule_event`
        sets it, for a new event whose ``version`` is already one up and in a state events
        leave (a batch of Scheduled events nobody hears of while it is made)."""
        event_id = event.event_id
        part = event._part  # its fields read once: each property read is two getattrs
        state = part.state
        self.events[event_id] = event
        self._by_instance.setdefault(event.instance_id, []).append(event)
        self._by_state[state][event_id] = event
        self._counts[(part.region, state, part.simulated)] += 1
        seq = self._seq = self._seq + 1
        heapq.heappush(self._heap, (due, seq, event, part.version))

    def add_scheduled_events(self, batch: dict[str, SystemEvent], due: datetime) -> None:
        """:meth:`add_scheduled_event` for each event of ``batch`` (by id, in the order made)
        in turn: events of one region, state and kind, each made with :meth:`next_seq` just
        before its timer's (its timer's seq is its own plus one), nobody hearing of them."""
        self.events.update(batch)
        by_instance = self._by_instance
        lists = by_instance.get
        heap = self._heap
        seq = self._seq
        part = None
        for event in batch.values():
            # setdefault's way, without a new empty list made and dropped for every event
            events_of = lists(event.instance_id)
            if events_of is None:
                events_of = by_instance[event.instance_id] = []
            events_of.append(event)
            part = event._part
            seq = part.seq_base + event._offset + 1
            heapq.heappush(heap, (due, seq, event, part.version))
        if part is None:
            return
        self._seq = seq
        self._by_state[part.state].update(batch)
        self._counts[(part.region, part.state, part.simulated)] += len(batch)

    def set_state(self, event: SystemEvent, state: EventState, when: datetime) -> None:
        """Move an event to ``state`` keeping every index right."""
        old = event.state
        index = self._by_state.get(old)
        if index is not None:
            del index[event.event_id]
        self._counts[(event.region, old, event.simulated)] -= 1
        event.move(when, state)
        event.revision += 1
        if index is None and self._first_final.get(old) is event:  # no table path does this
            del self._first_final[old]
            successor = next((e for e in self.events.values() if e.state is old), None)
            if successor is not None:
                self._first_final[old] = successor
        self._enter_index(event, state)
        self._counts[(event.region, state, event.simulated)] += 1

    def fire_event(self, event: SystemEvent, state: EventState, when: datetime) -> None:
        """An event's transition to ``state``: :meth:`set_state`, :meth:`mark_finished` if
        ``state`` is final, :meth:`clear_event_timer`, with the record changed in one step
        (``SystemEvent.fire``). Every state change of ``advance()`` goes this way."""
        part = event._part  # as in add_scheduled_event
        old = part.state
        event_id = event.event_id
        index = self._by_state.get(old)
        if index is not None:
            del index[event_id]
        counts = self._counts
        region = part.region
        simulated = part.simulated
        counts[(region, old, simulated)] -= 1
        event.fire(when, state)
        if index is None and self._first_final.get(old) is event:  # as in set_state
            del self._first_final[old]
            successor = next((e for e in self.events.values() if e.state is old), None)
            if successor is not None:
                self._first_final[old] = successor
        index = self._by_state.get(state)
        if index is not None:
            index[event_id] = event
        else:
            if state not in self._first_final:
                self._first_final[state] = event
            if self.first_finish is None:  # no index: a final state, as mark_finished notes
                self.first_finish = when
        counts[(region, state, simulated)] += 1

    def _enter_index(self, event: SystemEvent, state: EventState) -> None:
        index = self._by_state.get(state)
        if index is not None:
            index[event.event_id] = event
        elif state not in self._first_final:
            self._first_final[state] = event

    def mark_finished(self, event: SystemEvent, when: datetime) -> None:
        event.finish_time = when
        if self.first_finish is None:
            self.first_finish = when

    def events_of_instance(self, instance_id: str) -> list[SystemEvent]:
        return self._by_instance.get(instance_id, [])

    def events_in_state(self, state: EventState) -> Iterable[SystemEvent]:
        """The events in ``state``: from its index, or for a final state by a pass over every
        event (in creation order; :meth:`first_in_state` is the cheap question)."""
        index = self._by_state.get(state)
        if index is not None:
            return index.values()
        return [e for e in self.events.values() if e.state is state]

    def first_in_state(self, state: EventState) -> SystemEvent | None:
        """The first event that entered ``state`` and is still in it: for a final state, the
        one that finished first (time only moves forward)."""
        index = self._by_state.get(state)
        if index is not None:
            return next(iter(index.values()), None)
        return self._first_final.get(state)

    def count(
        self,
        states: Iterable[EventState],
        *,
        region: str | None = None,
        simulated: bool | None = None,
    ) -> int:
        """How many events are in any of ``states`` (optionally in a region / of a kind)."""
        wanted = states if isinstance(states, (set, frozenset)) else set(states)
        total = 0  # a loop, not a comprehension: no function made and called each time
        for (reg, state, sim), n in self._counts.items():
            if (
                state in wanted
                and (region is None or reg == region)
                and (simulated is None or sim == simulated)
            ):
                total += n
        return total

    def newest_first(self) -> Iterator[SystemEvent]:
        return reversed(self.events.values())

    # -- timers ----------------------------------------------------------------------------
    def schedule_event(self, event: SystemEvent, due: datetime) -> None:
        """Set the event's one pending timer (replacing any earlier one)."""
        event.version += 1
        heapq.heappush(self._heap, (due, self.next_seq(), event, event.version))

    def push_event_timer(self, event: SystemEvent, due: datetime) -> None:
        """:meth:`schedule_event` for an event whose ``version`` is already one up
        (``SystemEvent.start``)."""
        seq = self._seq = self._seq + 1
        heapq.heappush(self._heap, (due, seq, event, event._part.version))

    def clear_event_timer(self, event: SystemEvent) -> None:
        event.version += 1

    def schedule_instance(self, instance: Instance, due: datetime, status: InstanceStatus) -> None:
        """Set the instance's one pending status change (replacing any earlier one)."""
        version = self._instance_versions.get(instance.instance_id, 0) + 1
        self._instance_versions[instance.instance_id] = version
        self._push(Timer(due, self.next_seq(), "instance", instance.instance_id, version, status))

    def schedule_disk_event(self, event: DiskEvent, due: datetime) -> None:
        """Set the disk event's one pending timer (its start or its end)."""
        event.version += 1
        self._push(Timer(due, self.next_seq(), "disk_event", event.event_id, event.version))

    def schedule_callback(self, due: datetime, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` when the clock reaches ``due`` (unless the timer is cancelled)."""
        timer = Timer(due, self.next_seq(), "callback", "", 0, callback=callback)
        self._push(timer)
        return timer

    def _push(self, timer: Timer) -> None:
        heapq.heappush(self._heap, (timer.due, timer.seq, timer))

    def clear_instance_timer(self, instance: Instance) -> None:
        iid = instance.instance_id
        self._instance_versions[iid] = self._instance_versions.get(iid, 0) + 1

    def next_due(self) -> datetime | None:
        """The time of the earliest live timer, dropping stale ones on the way."""
        heap = self._heap
        while heap:
            entry = heap[0]
            if self._is_live(self._timer(entry)):
                return entry[0]
            heapq.heappop(heap)
        return None

    def pop_next(self, until: datetime) -> _Entry | None:
        """Pop the earliest live timer due at or before ``until``, dropping stale ones on the
        way, and hand back its heap entry: ``(due, seq, event, version)`` for an event's
        timer (the event itself: no :class:`Timer` is made for it), ``(due, seq, timer)``
        for any other. ``advance()``'s loop pops this way; :meth:`pop_due` is the same pop
        as a :class:`Timer`."""
        heap = self._heap
        while heap and heap[0][0] <= until:
            entry = heapq.heappop(heap)
            if len(entry) == 4:  # an event's: _is_live's first case
                if entry[2]._part.version == entry[3]:  # event.version, one getattr less
                    return entry
            elif self._is_live(entry[2]):
                return entry
        return None

    def pop_due(self, until: datetime) -> Timer | None:
        """Pop the earliest live timer due at or before ``until``."""
        entry = self.pop_next(until)
        return None if entry is None else self._timer(entry)

    @staticmethod
    def _timer(entry: _Entry) -> Timer:
        """The timer a heap entry stands for (an event's is made afresh: an equal record)."""
        if len(entry) == 4:
            return Timer(entry[0], entry[1], "event", entry[2].event_id, entry[3])
        return entry[2]

    def heap_timers(self) -> list[Timer]:
        """Every timer in the heap, stale ones too, in heap order (for tests)."""
        return [self._timer(entry) for entry in self._heap]

    def pending_timers(self) -> int:
        return sum(1 for entry in self._heap if self._is_live(self._timer(entry)))

    def live_timers(self) -> list[Timer]:
        """Every pending timer, in the order they run (for saving a scenario)."""
        timers = [self._timer(e) for e in sorted(self._heap, key=lambda e: (e[0], e[1]))]
        return [t for t in timers if self._is_live(t)]

    def pending_event_times(self) -> dict[str, datetime]:
        """When each event with a pending timer moves on, by event id (for saving a scenario)."""
        return {timer.target_id: timer.due for timer in self.live_timers() if timer.kind == "event"}

    def _is_live(self, timer: Timer) -> bool:
        if timer.kind == "event":
            event = self.events.get(timer.target_id)
            return event is not None and event.version == timer.version
        if timer.kind == "disk_event":
            return self.disk_events.is_current(timer.target_id, timer.version)
        if timer.kind == "callback":
            return not timer.cancelled
        return self._instance_versions.get(timer.target_id) == timer.version
