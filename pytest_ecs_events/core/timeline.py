"""``ecs_sim.timeline``: everything that happened in a simulation, queryable by a test.

A test of an event handler wants to assert properties of the whole run, not only of its end:
"no two instances of the group were rebooting at once", "the instance was out of every load
balancer before it rebooted". The :class:`Recorder` keeps every change a simulation notifies
(:mod:`.changes`: event transitions, instance status changes, and whatever kinds the other
areas add) beside the API calls, cheaply: the objects as they come, one append each, nothing
formatted. :meth:`Recorder.timeline` hands out a :class:`Timeline`, an immutable sequence of
those records in virtual-time order with the queries (``of``, ``between``, ``first``,
``status_at``, ``intervals``, ``overlapping``, ...).

Every kind is handled the same way, through three readings of a record (documented in
``docs/timeline.md``):

- its **instances** (:func:`instances_of`): ``instance_ids`` where the record has them (an
  API call naming several instances), else its ``instance_id``;
- its **value** (:func:`value_of`): the first of its fields named ``new_*``, else ``state``,
  ``health``, ``action``, ``status`` or ``value`` (a field or a property); enums give their
  value; an instance change to nothing (a release) is ``"Released"``;
- its **subject** (:func:`subject_of`): what the value belongs to, the record's own
  ``subject`` (a field or a property) where it has one, else the ``*_id`` fields other than
  ``instance_id`` and ``request_id`` joined by ``/`` (an event's id, a load balancer's), else
  the instance id. Intervals are per (kind, instance, subject).

The recorder is pure: it does not know what an API call is; it is handed the list the calls
are appended to (read by position, so that recording a call costs nothing more) and records
the position each change came at, to keep the order in which things happened.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, overload

from .changes import Change

__all__ = [
    "Interval",
    "Recorder",
    "Timeline",
    "fields_of",
    "instances_of",
    "is_failure",
    "subject_of",
    "summary_of",
    "value_of",
]

#: Field names read as a record's value, after any ``new_*`` field.
_VALUE_FIELDS = ("state", "health", "action", "status", "value")
#: Values that mean something went wrong (highlighted in pictures, ``is_failure``).
FAILURE_VALUES = frozenset(
    {"Failed", "Timeout", "Error", "Stopped-Error", "abnormal", "unavailable", "Invalid"}
)

When = datetime | Change
"""A moment: a time, or a record (its place in the timeline, itself included)."""
Values = str | Iterable[str] | Callable[[str], bool] | None


def _field_names(record: object) -> tuple[str, ...]:
    if dataclasses.is_dataclass(record):
        return tuple(f.name for f in dataclasses.fields(record))
    return tuple(name for name in vars(record) if not name.startswith("_"))


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def fields_of(record: object) -> dict[str, Any]:
    """A record's fields by name (a dataclass's fields, else its public attributes)."""
    return {name: getattr(record, name) for name in _field_names(record)}


def instances_of(record: Change) -> tuple[str, ...]:
    """The instances a record concerns: ``instance_ids`` if it has them, else its id."""
    ids = getattr(record, "instance_ids", None)
    if ids is not None:
        return tuple(ids)
    return (record.instance_id,) if record.instance_id else ()


def value_of(record: Change) -> str | None:
    """What a record changed to (see the module docstring); None when it has no value."""
    names = _field_names(record)
    for name in itertools.chain((n for n in names if n.startswith("new_")), _VALUE_FIELDS):
        if name not in names and not isinstance(getattr(type(record), name, None), property):
            continue
        value = _plain(getattr(record, name))
        if value is None:
            return "Released" if record.kind == "instance" else None
        return str(value)
    return None


def subject_of(record: Change) -> str:
    """What the record's value belongs to: its own ``subject``, else its ``*_id`` fields but
    the instance's, else the instance id (see the module docstring)."""
    own = getattr(record, "subject", None)
    if isinstance(own, str):  # the ids alone may not tell its subjects apart
        return own
    ids = [
        str(getattr(record, name))
        for name in _field_names(record)
        if name.endswith("_id") and name not in ("instance_id", "request_id")
    ]
    return "/".join(i for i in ids if i) or record.instance_id


def is_failure(record: Change) -> bool:
    """Whether the record shows something going wrong: a call answered with an error, or a
    value such as ``Failed``, ``Timeout`` or ``abnormal``."""
    if getattr(record, "error_code", None):  # a call's code, or a command run's ("": none)
        return True
    return value_of(record) in FAILURE_VALUES


def _matches(value: str | None, wanted: Values) -> bool:
    if wanted is None:
        return True
    if value is None:
        return False
    if isinstance(wanted, str):
        return value == wanted
    if callable(wanted):
        return bool(wanted(value))
    return value in set(wanted)


def _one_or_many(wanted: str | Iterable[str] | None) -> frozenset[str] | None:
    if wanted is None:
        return None
    return frozenset((wanted,) if isinstance(wanted, str) else wanted)


@dataclass(frozen=True)
class Interval:
    """A stretch of time a subject spent in one or more successive values.

    ``end`` is None while it lasts (at the end of the timeline). Intervals are half-open:
    one that ends when another starts does not overlap it.
    """

    kind: str
    instance_id: str
    subject: str
    values: tuple[str, ...]
    start: datetime
    end: datetime | None

    @property
    def value(self) -> str:
        """The first value (the only one unless successive values were merged)."""
        return self.values[0]

    @property
    def duration(self) -> timedelta | None:
        return None if self.end is None else self.end - self.start

    def contains(self, when: datetime) -> bool:
        return self.start <= when and (self.end is None or when < self.end)

    def overlaps(self, other: Interval) -> bool:
        """Whether the two share a stretch of time (of positive length)."""
        start = max(self.start, other.start)
        ends = [e for e in (self.end, other.end) if e is not None]
        return not ends or start < min(ends)

    def __str__(self) -> str:
        end = "(still)" if self.end is None else f"{self.end:%Y-%m-%dT%H:%M:%SZ}"
        return (
            f"{self.kind} {self.subject} {' -> '.join(self.values)} "
            f"{self.start:%Y-%m-%dT%H:%M:%SZ} .. {end}"
        )


class Timeline(Sequence[Change]):
    """Records in virtual-time order (ties in the order they happened), and queries on them.

    Every query returns a new :class:`Timeline` (or a record, a value, intervals), so they
    chain: ``timeline.of(instance="i-1").between(t1, t2).of(kind="call")``. ``start`` and
    ``end`` are the span the recording covers (``end``: the clock when it was read).
    """

    __slots__ = ("_entries", "_positions", "end", "start")

    def __init__(
        self,
        entries: Iterable[Change],
        *,
        start: datetime,
        end: datetime,
        _positions: dict[int, int] | None = None,
    ) -> None:
        self._entries: tuple[Change, ...] = tuple(entries)
        self.start = start
        self.end = end
        # each record's place in the whole timeline, shared by the views made from it, so
        # that ``before(record)`` works on a view the record was filtered out of
        self._positions = (
            _positions
            if _positions is not None
            else {id(r): i for i, r in enumerate(self._entries)}
        )

    def _with(self, entries: Iterable[Change]) -> Timeline:
        return Timeline(entries, start=self.start, end=self.end, _positions=self._positions)

    # ---------------------------------------------------------------------- the sequence
    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Change]:
        return iter(self._entries)

    @overload
    def __getitem__(self, index: int) -> Change: ...
    @overload
    def __getitem__(self, index: slice) -> Timeline: ...
    def __getitem__(self, index: int | slice) -> Change | Timeline:
        if isinstance(index, slice):
            return self._with(self._entries[index])
        return self._entries[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Timeline):
            return self._entries == other._entries
        if isinstance(other, (list, tuple)):
            return list(self._entries) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in self.count_by_kind().items())
        return f"<Timeline {len(self)} record(s){': ' + kinds if kinds else ''}>"

    def __str__(self) -> str:
        return "\n".join(_line(record) for record in self._entries)

    # ---------------------------------------------------------------------- filters
    def of(
        self,
        *,
        kind: str | Iterable[str] | None = None,
        instance: str | Iterable[str] | None = None,
        value: Values = None,
        subject: str | None = None,
        where: Callable[[Change], bool] | None = None,
        **fields: Any,
    ) -> Timeline:
        """The records of these kinds, concerning these instances, with this value...

        ``value`` is a value, several, or a predicate on it; ``fields`` compare the record's
        own fields (``event_type="SystemMaintenance.Reboot"``, ``action="RebootInstance"``;
        enums compare by value); a record lacking a field does not match.
        """
        kinds = _one_or_many(kind)
        instances = _one_or_many(instance)
        missing = object()

        def keep(record: Change) -> bool:
            if kinds is not None and record.kind not in kinds:
                return False
            if instances is not None and instances.isdisjoint(instances_of(record)):
                return False
            if value is not None and not _matches(value_of(record), value):
                return False
            if subject is not None and subject_of(record) != subject:
                return False
            for name, wanted in fields.items():
                got = getattr(record, name, missing)
                if got is missing or _plain(got) != _plain(wanted):
                    return False
            return where is None or bool(where(record))

        return self._with(r for r in self._entries if keep(r))

    def between(self, start: When, end: When) -> Timeline:
        """The records from ``start`` to ``end``, both included (times or records)."""
        low, high = self._index(start, after=False), self._index(end, after=True)
        return self._with(self._entries[low:high])

    def before(self, when: When) -> Timeline:
        """The records before ``when`` (a time: strictly earlier; a record: before it)."""
        return self._with(self._entries[: self._index(when, after=False)])

    def after(self, when: When) -> Timeline:
        """The records after ``when`` (a time: strictly later; a record: after it)."""
        return self._with(self._entries[self._index(when, after=True) :])

    def first(self, **query: Any) -> Change | None:
        """The first record (matching ``of(**query)``), None if there is none."""
        records = self.of(**query) if query else self
        return records._entries[0] if records._entries else None

    def last(self, **query: Any) -> Change | None:
        """The last record (matching ``of(**query)``), None if there is none."""
        records = self.of(**query) if query else self
        return records._entries[-1] if records._entries else None

    def _index(self, when: When, *, after: bool) -> int:
        """Where ``when`` falls: before (``after=False``) or after a moment's records."""
        entries = self._entries
        if not isinstance(when, datetime):
            place = self._positions.get(id(when))
            if place is None:  # a record of another timeline: by its time
                return self._index(when.time, after=after)
            positions = self._positions
            if after:
                return next(
                    (i for i, r in enumerate(entries) if positions[id(r)] > place), len(entries)
                )
            return next(
                (i for i, r in enumerate(entries) if positions[id(r)] >= place), len(entries)
            )
        if after:
            return next((i for i, r in enumerate(entries) if r.time > when), len(entries))
        return next((i for i, r in enumerate(entries) if r.time >= when), len(entries))

    # ---------------------------------------------------------------------- summaries
    @property
    def kinds(self) -> list[str]:
        """The kinds present, in order of first appearance."""
        return list(dict.fromkeys(r.kind for r in self._entries))

    @property
    def instances(self) -> list[str]:
        """The instances concerned, in order of first appearance."""
        return list(dict.fromkeys(i for r in self._entries for i in instances_of(r)))

    def count_by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self._entries:
            counts[record.kind] = counts.get(record.kind, 0) + 1
        return counts

    @property
    def failures(self) -> Timeline:
        """The records showing something going wrong (:func:`is_failure`)."""
        return self._with(r for r in self._entries if is_failure(r))

    # ---------------------------------------------------------------------- values over time
    def values_at(
        self, when: When, *, kind: str, instance: str | None = None
    ) -> dict[str, str | None]:
        """Each subject's value of ``kind`` at ``when`` (its last record up to then, the
        record itself included), by subject; ``instance`` keeps one instance's subjects."""
        values: dict[str, str | None] = {}
        for record in self._entries[: self._index(when, after=True)]:
            if record.kind != kind:
                continue
            if instance is not None and instance not in instances_of(record):
                continue
            values[subject_of(record)] = value_of(record)
        return values

    def status_at(self, instance_id: str, when: When) -> str | None:
        """The instance's status at ``when`` (None: not there yet, as far as recorded)."""
        return self.values_at(when, kind="instance", instance=instance_id).get(instance_id)

    def state_at(self, event_id: str, when: When) -> str | None:
        """The event's state at ``when`` (None: it did not exist yet)."""
        return self.values_at(when, kind="event").get(event_id)

    def intervals(
        self,
        kind: str = "instance",
        *,
        value: Values = None,
        instance: str | Iterable[str] | None = None,
        subject: str | None = None,
        merge: bool = True,
    ) -> list[Interval]:
        """The stretches each subject of ``kind`` spent in a value, by start time.

        A record starts an interval that lasts until the subject's next record (``end`` None
        if there is none). ``value`` keeps the intervals of some values (a value, several, or
        a predicate); with ``merge`` successive kept intervals of one subject join into one
        (Stopping then Starting: one reboot, ``values == ("Stopping", "Starting")``).
        """
        instances = _one_or_many(instance)
        open_by_subject: dict[tuple[str, str], tuple[Change, str]] = {}
        raw: list[tuple[tuple[str, str], str, datetime, datetime | None]] = []
        for record in self._entries:
            if record.kind != kind:
                continue
            current = value_of(record)
            if current is None:
                continue
            key = (record.instance_id, subject_of(record))
            previous = open_by_subject.get(key)
            if previous is not None:
                raw.append((key, previous[1], previous[0].time, record.time))
            open_by_subject[key] = (record, current)
        for key, (record, current) in open_by_subject.items():
            raw.append((key, current, record.time, None))
        raw.sort(key=lambda r: (r[0], r[2]))
        result: list[Interval] = []
        for (instance_id, subj), stretch in itertools.groupby(raw, key=lambda r: r[0]):
            if instances is not None and instance_id not in instances:
                continue
            if subject is not None and subj != subject:
                continue
            pending: Interval | None = None
            for _, current, start, end in stretch:
                if not _matches(current, value):
                    if pending is not None:
                        result.append(pending)
                        pending = None
                    continue
                if merge and pending is not None and pending.end == start:
                    pending = dataclasses.replace(
                        pending, values=(*pending.values, current), end=end
                    )
                    continue
                if pending is not None:
                    result.append(pending)
                pending = Interval(kind, instance_id, subj, (current,), start, end)
            if pending is not None:
                result.append(pending)
        result.sort(key=lambda i: (i.start, i.instance_id, i.subject))
        return result

    def overlapping(
        self, intervals: Iterable[Interval] | None = None, /, **query: Any
    ) -> list[tuple[Interval, Interval]]:
        """Pairs of intervals of different subjects that overlap in time.

        Give intervals, or the arguments of :meth:`intervals`:
        ``assert not timeline.overlapping("instance", value=("Stopping", "Starting"))`` says
        no two instances were rebooting at once.
        """
        chosen = self._chosen(intervals, query)
        pairs = []
        for a, b in itertools.combinations(chosen, 2):
            if (a.instance_id, a.subject) != (b.instance_id, b.subject) and a.overlaps(b):
                pairs.append((a, b))
        return pairs

    def most_at_once(self, intervals: Iterable[Interval] | None = None, /, **query: Any) -> int:
        """The largest number of the intervals going on at one moment (0 if none)."""
        moments: list[tuple[datetime, int]] = []
        far = datetime.max.replace(tzinfo=self.start.tzinfo)
        for i in self._chosen(intervals, query):
            moments.append((i.start, 1))
            moments.append((i.end if i.end is not None else far, -1))
        moments.sort(key=lambda m: (m[0], m[1]))  # an end before a start at the same moment
        most = now = 0
        for _, step in moments:
            now += step
            most = max(most, now)
        return most

    def _chosen(
        self, intervals: Iterable[Interval] | str | None, query: Mapping[str, Any]
    ) -> list[Interval]:
        if isinstance(intervals, str):  # overlapping("instance", value=...)
            return self.intervals(intervals, **query)
        if intervals is None:
            return self.intervals(**query)
        return list(intervals)


def _line(record: Change) -> str:
    return f"{record.time:%Y-%m-%dT%H:%M:%SZ}  {record.kind:<8} {summary_of(record)}"


def _text(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%dT%H:%M:%SZ}"
    return "-" if value is None else str(value)


def summary_of(record: Change) -> str:
    """One line saying what the record is (without its time), for any kind: the known ones
    (event, instance, call) as people read them; another area's record by its own ``__str__``
    if it has one (a leading time left out: a command run, a backend change), else from its
    fields (a pair ``old_x``/``new_x`` as ``x old -> new``)."""
    kind = record.kind
    get = getattr
    if kind == "event" and hasattr(record, "event_type"):
        old = get(record, "old_state", None)
        return (
            f"{get(record, 'event_id')} {get(record, 'event_type')} {record.instance_id}: "
            f"{_text(old) if old is not None else '(new)'} -> {value_of(record)}"
        )
    if kind == "instance" and hasattr(record, "old_status"):
        old = get(record, "old_status")
        return (
            f"{record.instance_id}: {_text(old) if old is not None else '(new)'} -> "
            f"{value_of(record)} ({get(record, 'cause', '')})"
        )
    if kind == "call" and hasattr(record, "action"):
        code = get(record, "error_code", None)
        ids = ",".join(instances_of(record))
        result = (
            str(get(record, "status", "")) if code is None else f"{get(record, 'status')} {code}"
        )
        return f"{get(record, 'action')}{' ' + ids if ids else ''} -> {result}"
    if type(record).__str__ is not object.__str__:
        text = str(record)
        return text.removeprefix(f"{record.time:%Y-%m-%dT%H:%M:%SZ} ")
    fields = fields_of(record)
    fields.pop("time", None)
    parts = [record.instance_id] if record.instance_id else []
    fields.pop("instance_id", None)
    for name in list(fields):
        if name.startswith("new_"):
            base = name[4:]
            old = fields.pop(f"old_{base}", None)
            new = fields.pop(name)
            parts.append(f"{base} {_text(old) if old is not None else '(new)'} -> {_text(new)}")
    parts.extend(f"{name}={_text(value)}" for name, value in fields.items())
    return " ".join(parts)


class Recorder:
    """Keeps a simulation's changes as they come, and reads its API calls by position.

    ``record`` is an observer (``Simulation.observers``): one append per change. ``calls`` is
    the list the API appends its calls to; it is only read when a timeline is asked for.
    """

    def __init__(self, start: datetime, calls: Sequence[Change] = ()) -> None:
        self.start = start
        self._calls = calls
        self._changes: list[tuple[int, Change]] = []

    def record(self, change: Change) -> None:
        self._changes.append((len(self._calls), change))

    def mark(self) -> tuple[int, int]:
        """Where the recording is now (for :meth:`records` ``since``)."""
        return len(self._changes), len(self._calls)

    def changes(self, since: int = 0, limit: int | None = None) -> list[Change]:
        """The changes (not the calls) in the order they came, from the ``since``-th on, at
        most ``limit`` of them: what a poller that keeps its own copy asks for (the console's
        ``/_sim/timeline``); ``mark()[0]`` is where the next one will be."""
        end = None if limit is None else since + limit
        return [change for _, change in self._changes[since:end]]

    def records(self, since: tuple[int, int] = (0, 0)) -> list[Change]:
        """The records in the order they came (after the mark ``since``)."""
        changes = self._changes[since[0] :]  # first: the calls list only grows meanwhile
        calls = list(self._calls)
        merged: list[Change] = []
        position = since[1]
        for at, change in changes:
            if at > position:
                merged.extend(calls[position:at])
                position = at
            merged.append(change)
        merged.extend(calls[position:])
        return merged

    def timeline(self, end: datetime, since: tuple[int, int] = (0, 0)) -> Timeline:
        """The records so far, in virtual-time order (a snapshot)."""
        records = self.records(since)
        records.sort(key=_time)  # stable: ties keep the order they came in
        return Timeline(records, start=self.start, end=end)


def _time(record: Change) -> datetime:
    return record.time
