"""Instances, disks and system events: the records the simulator keeps.

The handle hands these objects out as they live in the store, so a test that holds an event
sees its state change as the clock moves. Treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter, is_
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .catalog import EventState, InstanceStatus
from .images import DEFAULT_IMAGE_ID
from .instance_types import DEFAULT_INSTANCE_TYPE

NO_EXTENDED: Mapping[str, Any] = MappingProxyType({})
#: Event states by the small code :attr:`SystemEvent.trail` keeps, and back.
STATES: tuple[EventState, ...] = tuple(EventState)
STATE_CODES: Mapping[EventState, int] = MappingProxyType({s: i for i, s in enumerate(STATES)})


@dataclass(eq=False, slots=True)
class Instance:
    """An ECS instance the simulated account owns."""

    instance_id: str
    region: str
    zone: str
    name: str
    status: InstanceStatus
    #: Read-only: a new mapping replaces it when the tags change (TagResources, ...).
    tags: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    #: True once a Delete-type event released it; it then no longer exists for the API.
    released: bool = False
    #: Maintenance attributes (ModifyInstanceMaintenanceAttributes).
    maintenance: dict[str, Any] = field(default_factory=dict)
    # What DescribeInstances shows of it (the simulation fills them in when it adds the
    # instance: see core/provisioning.py).
    instance_type: str = DEFAULT_INSTANCE_TYPE
    image_id: str = DEFAULT_IMAGE_ID
    host_name: str = ""
    description: str = ""
    vpc_id: str = ""
    vswitch_id: str = ""
    private_ip: str = ""
    #: The public address assigned with the instance ("" if none; an EIP is separate).
    public_ip: str = ""
    eip_address: str = ""
    eip_allocation_id: str = ""
    network_interface_id: str = ""
    mac_address: str = ""
    security_group_ids: tuple[str, ...] = ()
    #: ``PostPaid`` (pay-as-you-go) or ``PrePaid`` (subscription).
    charge_type: str = "PostPaid"
    internet_charge_type: str = "PayByTraffic"
    internet_max_bandwidth_out: int = 0
    #: When a subscription ends (None: pay-as-you-go, shown as 2099-12-31T15:59Z).
    expired_at: datetime | None = None
    resource_group_id: str = ""
    deletion_protection: bool = False
    key_pair_name: str = ""
    serial_number: str = ""
    #: When it last started (DescribeInstances ``StartTime``).
    started_at: datetime | None = None
    #: DescribeInstances ``StoppedMode``: Not-applicable unless stopped, then KeepCharging or
    #: StopCharging (as StopInstance(s) asked).
    stopped_mode: str = "Not-applicable"
    #: What ModifyInstanceAttribute set that DescribeInstances does not show as such.
    user_data: str = ""
    #: Burstable instances' ``CreditSpecification`` (Standard or Unlimited; "" otherwise).
    credit_specification: str = ""
    #: ``OperationLocks`` reasons (financial, security, ...).
    lock_reasons: tuple[str, ...] = ()
    #: ModifyInstanceAttribute ``EnableJumboFrame`` (DescribeInstanceAttribute shows it).
    jumbo_frame: bool = False
    #: Bumped by the core whenever a field the API renders changes (a kept rendering is
    #: valid while it holds: api/speedups/render_cache.py).
    revision: int = 0

    def __repr__(self) -> str:
        return (
            f"Instance({self.instance_id!r}, status={self.status.value!r}, "
            f"region={self.region!r}, zone={self.zone!r}, name={self.name!r})"
        )


@dataclass(eq=False, slots=True)
class Disk:
    """A cloud disk of the account: an instance's system disk, or a data disk."""

    disk_id: str
    region: str
    zone: str
    #: ``system`` or ``data`` (DescribeDisks ``Type``).
    kind: str
    category: str = "cloud_essd"
    size_gib: int = 40
    #: The instance it is attached to ("" when it is not attached).
    instance_id: str = ""
    device: str = ""
    #: DescribeDisks ``Status``: In_use, Available, Attaching, Detaching, Creating, ReIniting.
    status: str = "In_use"
    name: str = ""
    description: str = ""
    image_id: str = ""
    performance_level: str = "PL0"
    delete_with_instance: bool = True
    charge_type: str = "PostPaid"
    serial_number: str = ""
    #: Read-only: a new mapping replaces it when the tags change.
    tags: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    attached_at: datetime | None = None
    #: True once it was released (with its instance, or on its own).
    released: bool = False
    resource_group_id: str = ""
    #: When it was last detached (DescribeDisks ``DetachedTime``; None: never).
    detached_at: datetime | None = None
    #: Bumped by the core whenever a field the API renders changes (render_cache.py).
    revision: int = 0

    def __repr__(self) -> str:
        return (
            f"Disk({self.disk_id!r}, {self.kind}, {self.category}, {self.size_gib} GiB, "
            f"instance={self.instance_id!r}, status={self.status!r})"
        )


#: The fields of :class:`SystemEvent` kept in its shared part (:class:`_Shared`), in the
#: record's positional order after ``event_id`` and ``instance_id``.
_SHARED_FIELDS = (
    "region", "event_type", "state", "not_before", "publish_time", "simulated", "reason",
    "reason_code", "impact_level", "finish_time", "execute_start_time", "extended", "trail",
    "version", "revision", "seq_base",
)  # fmt: skip


class _Shared:
    """The part of an event that the events created together share: everything but its id,
    instance and counters. Immutable: a change makes a new part (see :func:`_evolve`), so the
    events of one CreateSimulatedSystemEvents call, which move through their states together,
    hold one part between them instead of one record and one history tuple each."""

    __slots__ = (*_SHARED_FIELDS, "successor")
    region: str
    event_type: str
    state: EventState
    not_before: datetime | None
    publish_time: datetime
    simulated: bool
    reason: str
    reason_code: str
    impact_level: str
    finish_time: datetime | None
    execute_start_time: datetime | None
    extended: Mapping[str, Any]
    trail: tuple[Any, ...]
    version: int
    revision: int
    #: The events sharing a part were created one after another: each keeps its ``seq`` as
    #: a small offset from this (small ints are shared objects; a large int is 32 bytes).
    seq_base: int
    #: The last change made from this part and its result (see :func:`_evolve`).
    successor: tuple[str, object, _Shared] | None


def _changed(old: _Shared, name: str, value: object) -> _Shared:
    """A new part: ``old`` with field ``name`` set to ``value``; for ``name``
    ``trail+<state>``, with (``value``, that state) added to its trail; for ``move+<state>``,
    that and the state; for ``fire+<state>``, that, ``revision`` and ``version`` one up and,
    for a final state, ``finish_time`` ``value`` (:meth:`SystemEvent.fire`); for ``start``,
    ``execute_start_time`` ``value`` and ``version`` one up (:meth:`SystemEvent.start`)."""
    maker = _CHANGE_MAKERS.get(name) or _first_change_maker(name)
    if maker is not None:
        return maker(old, value)
    new = _copy_part(old)
    setattr(new, name, value)  # not a field: the slots refuse it, as they always did
    return new


def _part_function(signature: str, fill: str) -> Callable[..., _Shared]:
    """A function ``signature`` making a new part whose fields ``fill`` sets (``successor``
    reset) by plain attribute writes, as a dataclass's generated ``__init__`` does: a loop
    over the names costs a ``setattr`` call a field, and every event's change makes a part."""
    source = (
        f"def {signature}:\n    new = make(Part)\n{fill}    new.successor = None\n    return new\n"
    )
    namespace: dict[str, Any] = {"Part": _Shared, "make": _Shared.__new__, "STATES": STATES}
    exec(source, namespace)
    made: Callable[..., _Shared] = namespace[signature.partition("(")[0]]
    return made


#: ``_copy_part(old)``: a copy of a part's fields.
_copy_part = _part_function(
    "copy(old)", "".join(f"    new.{name} = old.{name}\n" for name in _SHARED_FIELDS)
)
#: ``_make_part(values, seq)``: a part of ``values`` (every field of :data:`_SHARED_FIELDS`
#: but the last, ``seq_base``, in that order) and ``seq`` as its ``seq_base``.
_make_part = _part_function(
    "make_part(values, seq)",
    f"    {', '.join(f'new.{name}' for name in _SHARED_FIELDS[:-1])}, = values\n"
    "    new.seq_base = seq\n",
)


def _evolve(old: _Shared, name: str, value: object) -> _Shared:
    """:func:`_changed`, sharing the result: a part remembers the last change made from it
    and the part that came of it, so the next event making the very same change (the same
    field, the same value object) gets the same part. The events of a batch move through their
    states one after another, each making the change the one before made."""
    successor = old.successor
    if successor is not None and successor[0] is name and successor[1] is value:
        return successor[2]
    maker = _CHANGE_MAKERS.get(name)  # _changed's, one call less
    new = maker(old, value) if maker is not None else _changed(old, name, value)
    old.successor = (name, value, new)
    return new


#: The last part made from scratch and the values it was made of (compared by identity).
_LAST_NEW: tuple[tuple[object, ...], _Shared] | None = None


#: The largest ``seq`` offset kept in an event (CPython shares the ints up to 256).
_MAX_OFFSET = 256


def _new_shared(values: tuple[object, ...], seq: int) -> tuple[_Shared, int]:
    """A part holding ``values`` (every shared field but ``seq_base``) for an event whose
    ``seq`` is ``seq``, and the event's offset from the part's ``seq_base``."""
    global _LAST_NEW
    last = _LAST_NEW
    if (
        last is not None
        and 0 <= seq - last[1].seq_base <= _MAX_OFFSET
        and (last[0] is values or all(map(is_, values, last[0])))  # a batch hands in one tuple
    ):
        return last[1], seq - last[1].seq_base
    part = _make_part(values, seq)
    _LAST_NEW = (values, part)
    return part, 0


def _shared_field(name: str) -> Any:
    def set_field(event: SystemEvent, value: object) -> None:
        event._part = _evolve(event._part, name, value)

    # attrgetter reads in C: as cheap as a slot read, on the queries' hot paths.
    return property(attrgetter(f"_part.{name}"), set_field)


class SystemEvent:
    """One instance system event with everything DescribeInstanceHistoryEvents returns.

    Records compare by identity. The fields an event usually shares with the events created
    with it live in one immutable shared part (a change replaces the event's part, see
    ``_evolve``); a million events would otherwise cost a record and a history tuple each.
    """

    # Not shown to mypy, which would refuse the properties' setters as names outside it.
    if not TYPE_CHECKING:
        __slots__ = ("_offset", "_part", "event_id", "instance_id")

    event_id: str
    instance_id: str
    #: ``seq`` less the part's ``seq_base``.
    _offset: int

    if TYPE_CHECKING:  # what the properties below read and write
        region: str
        event_type: str
        state: EventState
        not_before: datetime | None
        publish_time: datetime
        simulated: bool
        reason: str
        reason_code: str
        impact_level: str
        finish_time: datetime | None
        execute_start_time: datetime | None
        extended: Mapping[str, Any]
        trail: tuple[Any, ...]
        #: Bumped whenever the pending timer of the event changes, to invalidate old heap
        #: entries.
        version: int
        #: Bumped whenever a field the API returns changes, so that whoever keeps something
        #: derived from the event (the API layer keeps its rendering) can tell it is stale.
        revision: int
    else:
        region = _shared_field("region")
        event_type = _shared_field("event_type")
        state = _shared_field("state")
        not_before = _shared_field("not_before")
        publish_time = _shared_field("publish_time")
        simulated = _shared_field("simulated")
        reason = _shared_field("reason")
        reason_code = _shared_field("reason_code")
        impact_level = _shared_field("impact_level")
        finish_time = _shared_field("finish_time")
        execute_start_time = _shared_field("execute_start_time")
        #: ExtendedAttribute fields, e.g. InitialNotBefore after a reschedule. Read-only; a
        #: new mapping replaces it on change. Most events have none, and share one.
        extended = _shared_field("extended")
        #: Every state the event has been in and when it entered it, flat: time, state
        #: code, time, state code... (creation first); read it as :attr:`history`. A tuple
        #: of times and small ints holds nothing the cyclic GC tracks: the GC untracks it.
        trail = _shared_field("trail")
        version = _shared_field("version")
        revision = _shared_field("revision")

    def __init__(
        self,
        event_id: str,
        instance_id: str,
        region: str,
        event_type: str,
        state: EventState,
        not_before: datetime | None,
        publish_time: datetime,
        simulated: bool,
        reason: str = "",
        reason_code: str = "",
        impact_level: str = "",
        finish_time: datetime | None = None,
        execute_start_time: datetime | None = None,
        extended: Mapping[str, Any] = NO_EXTENDED,
        trail: tuple[Any, ...] = (),
        seq: int = 0,
        version: int = 0,
        revision: int = 0,
    ) -> None:
        self.event_id = event_id
        self.instance_id = instance_id
        self._part, self._offset = _new_shared(
            (region, event_type, state, not_before, publish_time, simulated, reason,
             reason_code, impact_level, finish_time, execute_start_time, extended, trail,
             version, revision),
            seq,
        )  # fmt: skip

    @property
    def seq(self) -> int:
        """Creation order, used to sort and page without comparing times."""
        return self._part.seq_base + self._offset

    @seq.setter
    def seq(self, value: int) -> None:
        self._part = _evolve(self._part, "seq_base", value)
        self._offset = 0

    @property
    def history(self) -> list[tuple[datetime, EventState]]:
        """Every state the event has been in, with the virtual time it entered it; creation
        first (a new list at each read)."""
        trail = self._part.trail
        return [(trail[i], STATES[trail[i + 1]]) for i in range(0, len(trail), 2)]

    @classmethod
    def created(cls, **fields: Any) -> SystemEvent:
        """A new event (the record's fields as keywords), its history starting at
        ``publish_time`` in ``state``: how the simulation and live mode both first see one."""
        event = cls(**fields)
        # Through record(), so that the events created together share their history.
        event.record(fields["publish_time"], fields["state"])
        return event

    @classmethod
    def sharing(
        cls, event_id: str, instance_id: str, values: tuple[object, ...], seq: int
    ) -> SystemEvent:
        """:meth:`created` for the fields ``values`` (every field of :data:`_SHARED_FIELDS`
        but ``seq_base``, in that order), the one tuple handed in for each event of a batch:
        no keywords gathered and spread again per event."""
        event = cls.__new__(cls)
        event.event_id = event_id
        event.instance_id = instance_id
        # _new_shared's and _evolve's first cases inline: the batch's events share both parts.
        last = _LAST_NEW
        if last is not None and last[0] is values and 0 <= seq - last[1].seq_base <= _MAX_OFFSET:
            part = last[1]
            event._offset = seq - part.seq_base
        else:
            part, event._offset = _new_shared(values, seq)
        name = _RECORD_AS[values[2]]  # type: ignore[index]
        when = values[4]
        successor = part.successor
        if successor is not None and successor[0] is name and successor[1] is when:
            event._part = successor[2]
        else:
            event._part = _evolve(part, name, when)
        return event

    def record(self, when: datetime, state: EventState) -> None:
        """Note that the event entered ``state`` at ``when`` (the store does, with the state)."""
        self._part = _evolve(self._part, _RECORD_AS[state], when)

    def move(self, when: datetime, state: EventState) -> None:
        """Set ``state`` and :meth:`record` it, in one step (the store's transitions)."""
        self._part = _evolve(self._part, _MOVE_AS[state], when)

    def fire(self, when: datetime, state: EventState) -> None:
        """A transition's changes of the record, in one step: :meth:`move`, ``revision`` one
        up, ``finish_time`` ``when`` if ``state`` is final, ``version`` one up (its pending
        timer dropped); what ``Store.set_state``, ``mark_finished`` and ``clear_event_timer``
        do to it one after another."""
        # _evolve's first case inline: a batch's events make the very same change in turn.
        part = self._part
        name = _FIRE_AS[state]
        successor = part.successor
        if successor is not None and successor[0] is name and successor[1] is when:
            self._part = successor[2]
        else:
            self._part = _evolve(part, name, when)

    def start(self, when: datetime) -> None:
        """``execute_start_time`` ``when`` and ``version`` one up, in one step: entering
        Executing, before its timer is pushed (``Store.push_event_timer``)."""
        part = self._part  # _evolve's first case inline, as in fire()
        successor = part.successor
        if successor is not None and successor[0] == "start" and successor[1] is when:
            self._part = successor[2]
        else:
            self._part = _evolve(part, "start", when)

    def __repr__(self) -> str:
        return (
            f"SystemEvent({self.event_id!r}, {self.event_type!r}, instance={self.instance_id!r}, "
            f"state={self.state.value!r}, not_before={self.not_before!s}, "
            f"simulated={self.simulated})"
        )


#: The change record() makes, by state: the trail entry's state is part of the change.
_RECORD_AS: Mapping[EventState, str] = MappingProxyType({s: f"trail+{s.value}" for s in STATES})
_MOVE_AS: Mapping[EventState, str] = MappingProxyType({s: f"move+{s.value}" for s in STATES})
_FIRE_AS: Mapping[EventState, str] = MappingProxyType({s: f"fire+{s.value}" for s in STATES})


def _change_maker(changes: dict[str, str]) -> Callable[[_Shared, object], _Shared]:
    """``_changed(old, name, value)`` as one generated function: every field copied but those
    ``changes`` sets (to the expression given, of ``old`` and ``value``), in one pass."""
    fill = "".join(
        f"    new.{field} = {changes.get(field, f'old.{field}')}\n" for field in _SHARED_FIELDS
    )
    return _part_function("change(old, value)", fill)


def _state_changes(kind: str, state: EventState) -> dict[str, str]:
    """What a ``trail``, ``move`` or ``fire`` change to ``state`` sets (see :func:`_changed`)."""
    code = STATE_CODES[state]
    changes = {"trail": f"(*old.trail, value, {code})"}
    if kind != "trail":
        changes["state"] = f"STATES[{code}]"
    if kind == "fire":
        changes["revision"] = "old.revision + 1"
        changes["version"] = "old.version + 1"
        if state.is_final:
            changes["finish_time"] = "value"
    return changes


#: What each change name :func:`_changed` knows sets (a field's own name sets that field).
_CHANGES: Mapping[str, dict[str, str]] = MappingProxyType({
    **{name: _state_changes(kind, state)
       for kind, names in (("trail", _RECORD_AS), ("move", _MOVE_AS), ("fire", _FIRE_AS))
       for state, name in names.items()},
    "start": {"execute_start_time": "value", "version": "old.version + 1"},
    **{field: {field: "value"} for field in _SHARED_FIELDS},
})  # fmt: skip

#: The generated function of each change name met so far: a change copies every field, so a
#: copy and then a few writes cost twice. Each is made at its first use (a test meets a few
#: of them; compiling them all cost every process's first test more than they save).
_CHANGE_MAKERS: dict[str, Callable[[_Shared, object], _Shared]] = {}


def _first_change_maker(name: str) -> Callable[[_Shared, object], _Shared] | None:
    """The function of change ``name``, made now (None: not a change :func:`_changed`
    knows). Two threads may both make one: the first kept is used by both from then on."""
    changes = _CHANGES.get(name)
    if changes is None:
        return None
    return _CHANGE_MAKERS.setdefault(name, _change_maker(changes))
