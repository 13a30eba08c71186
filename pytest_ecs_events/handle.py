"""``EcsHandle``: what a test's ``ecs_sim`` offers, offline and live, written once.

Both handles implement this Protocol by subclassing it: :class:`~pytest_ecs_events.EcsSimulator`
(offline) and :class:`~pytest_ecs_events.live.handle.LiveEcs` (a real account). The members
that take the friendly forms (``"+2h"``, a str or a list of ids, ``state=`` as a str or a set)
are implemented here and call the handle's primitives (the ``_`` methods), so that the two
handles cannot drift apart in what they accept. The argument normalisers are public for
extensions that write a handle of their own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from .api.params import param_text
from .core.catalog import Catalog, EventState, InstanceStatus
from .core.clock import format_api_time, parse_datetime, parse_duration, parse_time
from .core.disk_events import DiskEvent
from .core.lifecycle import Transition
from .core.models import Disk, Instance, SystemEvent
from .core.simulation import LATEST_TIME

if TYPE_CHECKING:  # the areas are imported by their first use (core/simulation.py)
    from .core.cloud_assistant import CommandRun, Outcome
    from .core.event_rules import EventPattern, EventRule
    from .core.load_balancers import (
        BackendChange,
        BackendView,
        ListenerSetup,
        LoadBalancerSnapshot,
    )
    from .core.queues import Message, QueueSnapshot
    from .core.rule_deliveries import RuleDelivery

__all__ = [
    "EcsHandle",
    "Target",
    "TimeAt",
    "advance_target",
    "command_outcome",
    "id_list",
    "matching_events",
    "param_text",
    "state_set",
    "time_at",
]

#: When ``advance()`` should stop, computed from "now" at the moment the handle moves (a
#: thread may move the clock in between), and the call as a progress label shows it.
Target = tuple[Callable[[datetime], datetime], str]


def id_list(value: str | Iterable[str], what: str) -> list[str]:
    """``"i-1"`` or ``["i-1", "i-2"]`` as a list; a clear TypeError for anything else."""
    if isinstance(value, str):
        return [value]
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{what} must be a str or a list of str, got {value!r}") from None
    for i in items:  # a loop, not all() of a generator: no generator made each time
        if not isinstance(i, str):
            raise TypeError(f"{what} must be a str or a list of str, got {value!r}")
    return items


def state_set(
    state: EventState | str | Iterable[EventState | str] | None,
) -> set[EventState] | None:
    """``events(state=...)``: one state or several, as a set (None: every state)."""
    if state is None:
        return None
    if isinstance(state, str):
        return {EventState(state)}
    return {EventState(s) for s in state}


def matching_events(
    candidates: Iterable[SystemEvent],
    state: EventState | str | Iterable[EventState | str] | None,
    event_type: str | None,
) -> list[SystemEvent]:
    """The candidates in one of the states and of the type asked for, in their order."""
    states = state_set(state)
    return [
        e
        for e in candidates
        if (states is None or e.state in states)
        and (event_type is None or e.event_type == event_type)
    ]


#: ``advance()``'s parts when none is given (the int ``0`` the keywords default to: a 0
#: given is the same object), and no time.
_NO_PART = 0
_NO_TIME = timedelta(0)

#: A time as a member takes it (``not_before``), as a function of "now": a handle evaluates it
#: when it acts (offline under the simulation's lock, so "+2h" means two hours from then).
TimeAt = Callable[[datetime], datetime]


def time_at(value: datetime | timedelta | str) -> TimeAt:
    """``not_before`` (a ``datetime``, a ``timedelta`` or ``"+<duration>"`` from now, or ISO
    8601 text) as a :data:`TimeAt`; a bad value raises ``TimeFormatError`` when evaluated."""
    return lambda now: parse_time(value, now=now)


def advance_target(
    by: timedelta | str | float | None,
    *,
    to: datetime | str | None,
    parts: timedelta,
    shown: str | None = None,
) -> Target:
    """The arguments of ``advance()`` checked, as a :data:`Target`; ``shown`` is how the call
    is named in an error (default: its duration)."""
    if to is not None:
        if by is not None or parts:
            raise TypeError("advance() takes either 'to' or a duration, not both")
        target = parse_datetime(to)
        return (lambda now: target), f"to={format_api_time(target)}"
    delta = parse_duration(by) if by is not None else _NO_TIME
    if parts < _NO_TIME:
        raise ValueError(f"advance() cannot go backwards, got {parts}")
    try:
        label = repr(by) if by is not None and not parts else str(delta + parts)
    except OverflowError:
        raise _past_the_end(shown or repr(by), None) from None
    shown = shown or label
    # Both are forward (a duration is never negative), so one sum overflows where two would.
    step = delta + parts if parts else delta

    def move_to(now: datetime) -> datetime:
        try:
            return now + step
        except OverflowError:  # past datetime.max, so far past the latest time
            raise _past_the_end(shown, now) from None

    return move_to, label


def _text_target(by: str) -> Target:
    """``advance(by)``'s :data:`Target` for a duration text and nothing else given."""
    return advance_target(by, to=None, parts=_NO_TIME)


#: :func:`_text_target` kept per text (a plain str: a subclass may parse its own way): a suite
#: advances by the same few texts in every test. A bad text raises, and is not kept.
_kept_target = functools.lru_cache(maxsize=64)(_text_target)


def _past_the_end(shown: str, now: datetime | None) -> ValueError:
    """``advance()`` by more than any datetime holds: say so, not a bare OverflowError."""
    since = f" from {format_api_time(now)}" if now is not None else ""
    return ValueError(
        f"advance({shown}){since} goes past the latest time the simulator reaches, "
        f"{format_api_time(LATEST_TIME)}"
    )


class EcsHandle(Protocol):
    """The members of ``ecs_sim`` (the public contract); see the README for a tour.

    A handle implements the primitives below (``_advance``, ``_create_events``,
    ``_cancel_events``, ``_event_candidates`` and the abstract public members); the
    argument handling above them is shared.
    """

    # --------------------------------------------------------------------- the account
    @property
    def now(self) -> datetime:
        """The current (virtual, or live: wall-clock) time, timezone-aware UTC."""
        ...

    @property
    def region(self) -> str:
        """The default region id, e.g. ``"cn-hangzhou"``."""
        ...

    @property
    def endpoint(self) -> str:
        """The ``host[:port]`` an SDK client should be given."""
        ...

    @property
    def catalog(self) -> Catalog:
        """The event types this handle knows."""
        ...

    @property
    def instances(self) -> list[Instance]:
        """Every instance of the account (live: of the allowlist)."""
        ...

    def instance(self, instance_id: str) -> Instance:
        """One instance (raises ``InvalidInstanceId.NotFound``)."""
        ...

    def add_instance(
        self,
        instance_id: str | None = None,
        *,
        name: str | None = None,
        region: str | None = None,
        zone: str | None = None,
        status: InstanceStatus | str = "Running",
        tags: Mapping[str, str] | None = None,
        instance_type: str | None = None,
        image_id: str | None = None,
        host_name: str | None = None,
        description: str | None = None,
        vpc_id: str | None = None,
        vswitch_id: str | None = None,
        private_ip: str | None = None,
        public_ip: str | bool | None = None,
        eip: str | bool | None = None,
        security_group_ids: str | Sequence[str] | None = None,
        charge_type: str | None = None,
        expired_time: datetime | str | None = None,
        resource_group_id: str | None = None,
        deletion_protection: bool | None = None,
        key_pair_name: str | None = None,
        internet_max_bandwidth_out: int | None = None,
        creation_time: datetime | str | None = None,
        system_disk_category: str | None = None,
        system_disk_size: int | None = None,
    ) -> Instance:
        """Register an instance the account owns (live: an alias of the allowlist); an
        existing id returns that instance as it is.

        Every attribute left out gets a realistic generated value (a free private IP of the
        zone's vSwitch, ``ecs.g7.large``, an Alibaba Cloud Linux image, ...), the same in
        every action and notification. ``public_ip=True`` / ``eip=True`` generate an address;
        times take the forms of ``create_events`` (``"+30d"``, ISO 8601, ``datetime``).
        Its system disk (``/dev/xvda``) is a 40 GiB ``cloud_essd`` unless
        ``system_disk_size`` / ``system_disk_category`` say otherwise.
        """
        attributes = {
            "name": name, "region": region, "zone": zone, "status": status,
            "tags": dict(tags or {}), "instance_type": instance_type, "image_id": image_id,
            "host_name": host_name, "description": description, "vpc_id": vpc_id,
            "vswitch_id": vswitch_id, "private_ip": private_ip, "public_ip": public_ip,
            "eip": eip, "security_group_ids": security_group_ids, "charge_type": charge_type,
            "expired_time": expired_time, "resource_group_id": resource_group_id,
            "deletion_protection": deletion_protection, "key_pair_name": key_pair_name,
            "internet_max_bandwidth_out": internet_max_bandwidth_out,
            "creation_time": creation_time, "system_disk_category": system_disk_category,
            "system_disk_size": system_disk_size,
        }  # fmt: skip
        return self._add_instance(instance_id, attributes)

    def _add_instance(self, instance_id: str | None, attributes: dict[str, Any]) -> Instance:
        """Register ``instance_id`` (None: a new generated id) with ``attributes``, the
        keywords of :meth:`add_instance`."""
        ...

    # ---------------------------------------------------------------------------- time
    def advance(
        self,
        by: timedelta | str | float | None = None,
        *,
        to: datetime | str | None = None,
        days: float = _NO_PART,
        hours: float = _NO_PART,
        minutes: float = _NO_PART,
        seconds: float = _NO_PART,
    ) -> list[Transition]:
        """Move the clock forward (live: wait), applying every due transition in time order.

        ``by`` is a ``timedelta`` or a duration (``"2h"``, ``"1h30m"``, ``"PT2H"``); ``to`` a
        ``datetime`` or ISO 8601 text. Going backwards is an error. Returns the transitions.
        """
        if days is hours is minutes is seconds is _NO_PART:  # the defaults: nothing to check
            # advance_target names the call as the general case would: repr(by), or its
            # duration when by is None too (the ``shown`` "" the general case passes)
            if to is None and type(by) is str:
                return self._advance(_kept_target(by))
            return self._advance(advance_target(by, to=to, parts=_NO_TIME))
        given = {"days": days, "hours": hours, "minutes": minutes, "seconds": seconds}
        shown = ", ".join(
            [repr(by)] * (by is not None) + [f"{k}={v!r}" for k, v in given.items() if v]
        )
        try:
            parts = timedelta(**given)
        except OverflowError:
            raise _past_the_end(shown, None) from None
        return self._advance(advance_target(by, to=to, parts=parts, shown=shown))

    def _advance(self, target: Target) -> list[Transition]:
        """Move to ``target`` (computed from "now" when the move starts)."""
        ...

    def advance_to_next(self) -> list[Transition]:
        """Advance just far enough for the next pending change to happen (if any)."""
        ...

    # -------------------------------------------------------------------------- events
    def create_events(
        self,
        event_type: str,
        instance_ids: str | Sequence[str],
        not_before: datetime | timedelta | str = "+1h",
        *,
        region: str | None = None,
    ) -> list[SystemEvent]:
        """Exactly what CreateSimulatedSystemEvents does (same validation and errors).

        ``not_before`` is a ``datetime``, a ``timedelta`` or ``"+<duration>"`` from now, or
        ISO 8601 text.
        """
        ids = id_list(instance_ids, "instance_ids")
        return self._create_events(event_type, ids, time_at(not_before), region)

    def _create_events(
        self, event_type: str, instance_ids: list[str], at: TimeAt, region: str | None
    ) -> list[SystemEvent]: ...

    def cancel_events(
        self, event_ids: str | Sequence[str], *, region: str | None = None
    ) -> list[SystemEvent]:
        """Exactly what CancelSimulatedSystemEvents does."""
        return self._cancel_events(id_list(event_ids, "event_ids"), region)

    def _cancel_events(self, event_ids: list[str], region: str | None) -> list[SystemEvent]: ...

    def events(
        self,
        *,
        instance_id: str | None = None,
        state: EventState | str | Iterable[EventState | str] | None = None,
        event_type: str | None = None,
    ) -> list[SystemEvent]:
        """All matching events in every state, oldest first (live: this test's events)."""
        with self._reading():  # offline, the states are read as one snapshot
            if state is None and event_type is None:  # every candidate: matching_events' copy
                return list(self._event_candidates(instance_id))
            return matching_events(self._event_candidates(instance_id), state, event_type)

    def _reading(self) -> AbstractContextManager[object]:
        """Held while :meth:`events` reads, so a concurrent change cannot split its answer
        (offline: the simulation's lock; live: nothing, each read is one API call)."""
        return nullcontext()

    def _event_candidates(self, instance_id: str | None) -> Collection[SystemEvent]:
        """The events :meth:`events` chooses from, oldest first (one instance's, or all),
        read under :meth:`_reading` (they may be the store's own: not to be kept)."""
        ...

    def event(self, event_id: str) -> SystemEvent:
        """One event (raises ``InvalidEventId.NotFound``)."""
        ...

    def accept_event(self, event_id: str) -> SystemEvent:
        """What AcceptInquiredSystemEvent does."""
        ...

    def reschedule_event(
        self, event_id: str, not_before: datetime | timedelta | str
    ) -> SystemEvent:
        """What ModifySystemEventAttribute does."""
        return self._reschedule_event(event_id, time_at(not_before))

    def _reschedule_event(self, event_id: str, at: TimeAt) -> SystemEvent: ...

    def inject_event(
        self,
        event_type: str,
        instance_id: str,
        *,
        not_before: datetime | timedelta | str | None = None,
        state: EventState | str | None = None,
        reason: str | None = None,
    ) -> SystemEvent:
        """A platform event (offline only): not cancellable, and it acts on the instance."""
        at = time_at(not_before) if not_before is not None else None
        return self._inject_event(event_type, instance_id, at, state, reason)

    def _inject_event(
        self,
        event_type: str,
        instance_id: str,
        at: TimeAt | None,
        state: EventState | str | None,
        reason: str | None,
    ) -> SystemEvent: ...

    # ---------------------------------------------------------------- instance actions
    def reboot_instance(self, instance_id: str) -> Instance:
        """What RebootInstance does (avoids a Scheduled SystemMaintenance.Reboot)."""
        ...

    def reboot_instances(self, instance_ids: str | Sequence[str]) -> list[Instance]:
        """What RebootInstances does."""
        return self._reboot_instances(id_list(instance_ids, "instance_ids"))

    def _reboot_instances(self, instance_ids: list[str]) -> list[Instance]: ...

    def stop_instance(self, instance_id: str) -> Instance:
        """What StopInstance does."""
        ...

    def start_instance(self, instance_id: str) -> Instance:
        """What StartInstance does."""
        ...

    def redeploy_instance(self, instance_id: str) -> str:
        """What RedeployInstance does; returns the TaskId."""
        ...

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """Call any action with API parameters; returns the body or raises EcsApiError.

        Values are sent as the API's text (:func:`~pytest_ecs_events.api.params.param_text`).
        """
        ...

    # -------------------------------------------------------------------------- faults
    def fail_next(
        self,
        action: str,
        *,
        code: str = "Throttling",
        status: int = 400,
        message: str | None = None,
        times: int = 1,
        fault: str | None = None,
        required: bool = True,
    ) -> None:
        """Offline only: the next ``times`` calls of ``action`` (``"*"``: any) get this error
        instead.

        ``fault="timeout"`` or ``fault="reset"`` injects a transport fault instead of an API
        error: the client gets no answer at all (requests' ``ReadTimeout`` or
        ``ConnectionError`` in process; over the loopback server the connection is held
        then closed, or reset). A timed-out request *was* served (as a real one may be); a
        reset one was not. Faults of both kinds queue for an action in the order given.

        ``action`` must be an action the simulator implements (a ``ValueError`` says which
        one was meant). A fault not used up when the test ends fails the test, unless
        ``required=False`` (it may or may not be met) or the ini option
        ``ecs_sim_strict_faults`` is false.
        """
        from .api import actions  # noqa: F401  (fills ACTIONS: the API layer loads on first use)
        from .api.registry import REGISTRIES, check_action_name

        if not isinstance(action, str) or not any(action in r for r in REGISTRIES.values()):
            from . import mns  # noqa: F401  (adds the MNS operations' names)

        check_action_name(action, "fail_next")
        options = {"code": code, "status": status, "message": message, "times": times}
        self._fail_next(action, {**options, "fault": fault, "required": required})

    def _fail_next(self, action: str, fault: dict[str, Any]) -> None: ...

    # ----------------------------------------------------------------------------- MNS
    def create_queue(self, name: str, **attributes: Any) -> QueueSnapshot:
        """Create an MNS queue, as CreateQueue does (offline only; docs/mns.md).

        ``attributes`` in snake case: ``delay_seconds``, ``maximum_message_size``,
        ``message_retention_period``, ``visibility_timeout``, ``polling_wait_seconds``,
        ``logging_enabled``; each in its documented range (else ``EcsApiError``
        ``InvalidArgument``). Creating it again with the same attributes returns it;
        with others raises ``QueueAlreadyExist``. Returns the queue as it is now.
        """
        from .core.queues import QUEUE_ATTRIBUTE_NAMES

        unknown = sorted(set(attributes) - set(QUEUE_ATTRIBUTE_NAMES))
        if unknown:
            raise TypeError(
                f"create_queue() got unknown attributes {unknown}; it takes "
                f"{', '.join(QUEUE_ATTRIBUTE_NAMES)}"
            )
        wire = {QUEUE_ATTRIBUTE_NAMES[k]: v for k, v in attributes.items()}
        return self._create_queue(name, wire)

    def _create_queue(self, name: str, attributes: dict[str, Any]) -> QueueSnapshot: ...

    def queue(self, name: str) -> QueueSnapshot:
        """An MNS queue at the current virtual time: its attributes, its messages (active,
        ``in_flight``, delayed) and dequeue counts (offline only; ``QueueNotExist``)."""
        ...

    @property
    def queues(self) -> list[QueueSnapshot]:
        """Every MNS queue of the account, by name (offline only)."""
        ...

    def send_message(
        self,
        queue: str,
        body: str,
        *,
        delay_seconds: int | None = None,
        priority: int | None = None,
    ) -> Message:
        """Put a message into an MNS queue at the current virtual time, as SendMessage does
        (offline only). Returns the message record (a copy)."""
        ...

    # ------------------------------------------------------- CloudMonitor event rules
    def add_event_rule(
        self,
        name: str,
        *,
        queue: str | None = None,
        product: str = "ECS",
        event_types: str | Sequence[str] = (),
        levels: str | Sequence[str] = (),
        names: str | Sequence[str] = (),
        statuses: str | Sequence[str] = (),
        keywords: str | Sequence[str] = (),
        keyword_relation: str = "OR",
        enabled: bool = True,
        region: str | None = None,
        duplicates: float | None = None,
        reorder: bool | None = None,
    ) -> EventRule:
        """Create (or update) a CloudMonitor event rule, as ``PutEventRule`` does, with an
        MNS ``queue`` as its target (``PutEventRuleTargets`` ``MnsParameters``; target Id
        ``mns-<queue>``) (offline only; docs/notifications.md).

        The lists filter as the rule's event pattern does (an empty list matches all):
        ``event_types`` (``Maintenance``, ``Exception``, ``StatusNotification``), ``levels``
        (``CRITICAL``, ``WARN``, ``INFO``), ``names`` (``Instance:SystemMaintenance.Reboot:
        Scheduled``, ``Instance:StateChange``), ``statuses``, ``keywords``. Every matching
        change then arrives in the queue as the CloudMonitor payload (Base64 JSON body), at
        its virtual time. ``duplicates`` (probability 0-1) and ``reorder`` turn on this
        rule's delivery faults (see :meth:`mns_delivery`). Returns the rule.
        """
        from .core.event_rules import EventPattern, KeywordFilter

        def listed(value: str | Sequence[str], what: str) -> tuple[str, ...]:
            items = (value,) if isinstance(value, str) else tuple(value)
            if not all(isinstance(v, str) and v for v in items):
                raise TypeError(f"{what} must be a str or a list of str, got {value!r}")
            return items

        words = listed(keywords, "keywords")
        pattern = EventPattern(
            product=product,
            event_type_list=listed(event_types, "event_types"),
            level_list=listed(levels, "levels"),
            name_list=listed(names, "names"),
            status_list=listed(statuses, "statuses"),
            keyword_filter=KeywordFilter(words, keyword_relation) if words else None,
        )
        faults = {"duplicates": duplicates, "reorder": reorder}
        return self._add_event_rule(name, pattern, queue, enabled, region, faults)

    def _add_event_rule(
        self, name: str, pattern: EventPattern, queue: str | None, enabled: bool,
        region: str | None, faults: dict[str, Any],
    ) -> EventRule: ...  # fmt: skip

    def mns_delivery(
        self,
        *,
        duplicates: float = 0.0,
        reorder: bool = False,
        seed: int | str | None = None,
    ) -> None:
        """Turn on delivery faults for every event rule's MNS targets (offline only).

        ``duplicates``: the probability (0 to 1) that a message is delivered twice (1.0:
        every message); ``reorder=True``: each message gets a random MNS priority, so the
        messages waiting in a queue are received out of order. The draws come from one
        generator per rule seeded with ``seed`` (default: the simulator's ``seed``, else 0),
        so a run is repeatable. A rule's own ``add_event_rule(duplicates=..., reorder=...)``
        wins. Handlers must be idempotent; this is how to test that they are.
        """
        ...

    @property
    def rule_deliveries(self) -> list[RuleDelivery]:
        """Every delivery of an event rule to an MNS queue, in order: ``.time``, ``.rule``,
        ``.queue``, ``.payload``, ``.message_id``, ``.duplicate``, ``.error`` (a queue that
        does not exist: ``QueueNotExist: ...``) and ``.ok`` (offline only)."""
        ...

    # --------------------------------------------------------------------------- disks
    @property
    def disks(self) -> list[Disk]:
        """Every disk of the account (system disks included), in creation order (offline
        only)."""
        ...

    def disk(self, disk_id: str) -> Disk:
        """One disk (raises ``InvalidDiskId.NotFound``; offline only)."""
        ...

    def add_disk(
        self,
        instance_id: str | None = None,
        *,
        category: str = "cloud_essd",
        size: int = 100,
        device: str | None = None,
        name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        delete_with_instance: bool = True,
        charge_type: str | None = None,
        performance_level: str | None = None,
        resource_group_id: str | None = None,
        region: str | None = None,
        zone: str | None = None,
        creation_time: datetime | str | None = None,
    ) -> Disk:
        """Add a data disk (offline only): attached to ``instance_id`` as its next free device
        (``/dev/xvdb``, ``/dev/xvdc``...; ``In_use``), or ``Available`` in ``zone`` when
        ``instance_id`` is None. A bad option is a ``ValueError`` naming it.

        ``size`` is in GiB within the category's range (CreateDisk's); ``charge_type``
        defaults to the instance's; ``performance_level`` (PL0 to PL3) is for cloud_essd.
        """
        options = {
            "category": category, "size": size, "device": device, "name": name,
            "description": description, "tags": dict(tags or {}),
            "delete_with_instance": delete_with_instance, "charge_type": charge_type,
            "performance_level": performance_level, "resource_group_id": resource_group_id,
            "creation_time": creation_time,
        }  # fmt: skip
        return self._add_disk(instance_id, region, zone, options)

    def _add_disk(
        self, instance_id: str | None, region: str | None, zone: str | None,
        options: dict[str, Any],
    ) -> Disk: ...  # fmt: skip

    def inject_disk_event(
        self,
        event_type: str,
        disk_id: str,
        *,
        at: datetime | timedelta | str | None = None,
        duration: timedelta | str | float | None = "10m",
        impact_level: str = "",
    ) -> DiskEvent:
        """A disk event (offline only): ``Stalled``, ``ErrorDetected``, ``Degraded`` or
        ``SeverelyDegraded``, as DescribeDisksFullStatus shows it.

        It happens at ``at`` (default now; the forms of ``create_events``) and ends
        ``duration`` later (None: when :meth:`end_disk_event` ends it). While it is active
        the disk's HealthStatus is Impaired (Stalled, ErrorDetected) or Warning (the
        Degraded types); once it has ended, EventEndTime is set and the disk is Ok again.
        """
        start = time_at(at) if at is not None else None
        length = parse_duration(duration) if duration is not None else None
        if length is not None and length <= timedelta(0):
            raise ValueError(f"duration must be positive, got {duration!r}")
        return self._inject_disk_event(event_type, disk_id, start, length, impact_level)

    def _inject_disk_event(
        self, event_type: str, disk_id: str, at: TimeAt | None, duration: timedelta | None,
        impact_level: str,
    ) -> DiskEvent: ...  # fmt: skip

    def end_disk_event(
        self, event_id: str, *, at: datetime | timedelta | str | None = None
    ) -> DiskEvent:
        """End an active (or scheduled) disk event at ``at`` (default now; offline only)."""
        return self._end_disk_event(event_id, time_at(at) if at is not None else None)

    def _end_disk_event(self, event_id: str, at: TimeAt | None) -> DiskEvent: ...

    def disk_events(
        self, *, disk_id: str | None = None, event_type: str | None = None
    ) -> list[DiskEvent]:
        """The disk events (all, or one disk's / one type's), oldest first (offline only)."""
        return [
            e
            for e in self._disk_event_candidates(disk_id)
            if event_type is None or e.event_type == event_type
        ]

    def _disk_event_candidates(self, disk_id: str | None) -> list[DiskEvent]: ...

    # ----------------------------------------------------------------- Cloud Assistant
    def on_command(
        self,
        match: str | re.Pattern[str] | Callable[[Instance, str], CommandResult],
        *,
        output: str = "",
        exit_code: int = 0,
        duration: timedelta | str | float = "5s",
    ) -> None:
        """Script what a Cloud Assistant command does (offline only; docs/cloud-assistant.md).

        ``match`` is a regular expression searched in the command's content as the instance
        runs it (decoded, parameters substituted): a command it matches prints ``output``,
        exits with ``exit_code`` and runs for ``duration`` of virtual time (longer than the
        invocation's ``Timeout``: it ends ``Timeout``). Or ``match`` is a callable
        ``(instance, content)`` returning the outcome: a ``CommandOutcome``, a dict of
        ``output`` / ``exit_code`` / ``duration``, or None to let the earlier scripts decide.
        The most recent script that applies wins. A command no script matches succeeds at
        once (5 s) with no output; the ini option ``ecs_sim_strict_commands`` (or
        ``@pytest.mark.ecs_sim(strict_commands=True)``) fails the test that runs one.
        """
        if callable(match):
            function = match

            def script(instance: Instance, content: str) -> Outcome | None:
                return command_outcome(function(instance, content))

        else:
            pattern = re.compile(match) if isinstance(match, str) else match
            if not isinstance(pattern, re.Pattern):
                raise TypeError(f"on_command() takes a regex or a callable, got {match!r}")
            fixed = command_outcome(
                {"output": output, "exit_code": exit_code, "duration": duration}
            )

            def script(instance: Instance, content: str) -> Outcome | None:
                return fixed if pattern.search(content) else None

        self._on_command(script)

    def _on_command(self, script: Callable[[Instance, str], Any]) -> None: ...

    @property
    def invocations(self) -> list[CommandRun]:
        """Every Cloud Assistant command run so far, one per instance and invocation, oldest
        first: ``.instance_id``, ``.content`` (as run), ``.status``, ``.output``,
        ``.exit_code``, ``.invoke_id``, ``.command_name``, ``.start_time``,
        ``.finish_time``, ``.scripted`` (offline only)."""
        ...

    def set_cloud_assistant(self, instance_id: str, *, installed: bool = True) -> None:
        """Mark the instance's Cloud Assistant agent as installed or not (offline only; every
        instance has one by default). Without it, RunCommand and InvokeCommand on the
        instance answer ``InvalidInstance.NoClient`` and DescribeCloudAssistantStatus shows
        ``CloudAssistantStatus`` ``false``."""
        ...

    # ----------------------------------------------------------- Server Load Balancer
    def add_load_balancer(
        self,
        name: str | None = None,
        *,
        listeners: Any = (80,),
        backends: Any = (),
        vserver_groups: Mapping[str, Any] | None = None,
        health_check: Mapping[str, int] | None = None,
        region: str | None = None,
        load_balancer_id: str | None = None,
    ) -> LoadBalancerSnapshot:
        """Set up a Server Load Balancer instance with its listeners and backends, as the
        SLB API then shows it (offline only; docs/slb.md).

        ``listeners``: ports (TCP, forwarding to the default server group), ``(port,
        "group")`` (forwarding to a vServer group), or dicts with ``port``, ``protocol``,
        ``vserver_group``, ``backend_port``, ``interval``, ``healthy_threshold``,
        ``unhealthy_threshold``; ``health_check`` (a dict of the last three) is every
        listener's default (2 s, 3, 3). ``backends``: the default server group, instance ids
        or ``(id, weight)``. ``vserver_groups``: ``{"name": [(id, weight, port), ...]}``.
        Instances not in the account yet are added (running). Backends start ``normal``
        (``abnormal`` if their instance is not running). Returns the load balancer:
        ``.load_balancer_id``, ``.vserver_group_ids`` (by name), ``.backends``...
        """
        from .core.load_balancers import backend_setup, group_setup, listener_setup

        return self._add_load_balancer(
            name,
            listener_setup(listeners, health_check),
            backend_setup(backends),
            group_setup(vserver_groups),
            region,
            load_balancer_id,
        )

    def _add_load_balancer(
        self, name: str | None, listeners: list[ListenerSetup], backends: list[tuple[str, int]],
        vserver_groups: dict[str, list[tuple[str, int, int]]], region: str | None,
        load_balancer_id: str | None,
    ) -> LoadBalancerSnapshot: ...  # fmt: skip

    def load_balancer(self, load_balancer_id: str) -> LoadBalancerSnapshot:
        """A load balancer now: its listeners, backends (weight, health per listener) and
        vServer groups (raises ``InvalidLoadBalancerId.NotFound``; offline only)."""
        ...

    @property
    def load_balancers(self) -> list[LoadBalancerSnapshot]:
        """Every load balancer of the account, in creation order (offline only)."""
        ...

    def backends_of(self, instance_id: str) -> list[BackendView]:
        """Every backend the instance is now, in every load balancer and server group: its
        ``.load_balancer_id``, ``.vserver_group_id`` ("" for the default server group),
        ``.weight``, ``.health`` (offline only). ``all(b.weight == 0 for b in ...)``: the
        instance gets no traffic."""
        ...

    @property
    def backend_changes(self) -> list[BackendChange]:
        """Every backend change so far, in virtual-time order: health (``.change ==
        "health"``, ``.old`` / ``.new``), ``"weight"``, ``"added"`` and ``"removed"``, each
        with ``.time``, ``.instance_id``, ``.load_balancer_id``, ``.vserver_group_id``,
        ``.port``, ``.weight`` (after the change) and ``.cause`` (offline only)."""
        ...


if TYPE_CHECKING:
    #: What an ``on_command`` callable may return.
    CommandResult = Outcome | Mapping[str, Any] | None


def __getattr__(name: str) -> Any:
    """``CommandResult``, made on first access (it names Cloud Assistant's ``Outcome``)."""
    if name == "CommandResult":
        from .core.cloud_assistant import Outcome

        return Outcome | Mapping[str, Any] | None
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_outcome(value: object) -> Outcome | None:
    """An ``on_command`` outcome (a ``CommandOutcome``, or a dict of ``output``,
    ``exit_code``, ``duration``) checked, as the core's ``Outcome``; None stays None."""
    from .core.cloud_assistant import Outcome

    if value is None or isinstance(value, Outcome):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(
            "an on_command() callable must return None, a CommandOutcome or a dict of "
            f"output, exit_code and duration; it returned {value!r}"
        )
    unknown = sorted(set(value) - {"output", "exit_code", "duration"})
    if unknown:
        raise TypeError(f"unknown command outcome key(s) {unknown}: use output, exit_code, "
                        "duration")  # fmt: skip
    output = value.get("output", "")
    exit_code = value.get("exit_code", 0)
    duration = parse_duration(value.get("duration", "5s"))
    if not isinstance(output, str):
        raise TypeError(f"a command's output must be a str, got {output!r}")
    if isinstance(exit_code, bool) or not isinstance(exit_code, int):
        raise TypeError(f"a command's exit_code must be an int, got {exit_code!r}")
    if duration < timedelta(0):
        raise ValueError(f"a command's duration cannot be negative, got {duration}")
    return Outcome(output, exit_code, duration)
