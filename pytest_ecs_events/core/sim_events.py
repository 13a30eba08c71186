"""The system event actions and how events are made (a part of
:class:`~.simulation.Simulation`; see :mod:`.sim_base` for how the parts fit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from .catalog import EventState, EventTypeSpec, InstanceStatus, UnknownEventType
from .clock import format_api_time
from .disks import error_disk_attributes
from .errors import EcsApiError
from .lifecycle import Trigger, new_transition, next_state
from .models import NO_EXTENDED, SystemEvent
from .regions import draws_inline, resource_id_parts
from .sim_base import (
    LATEST_TIME,
    MSG_ACCEPT_INSTANCE_STATUS,
    MSG_ACCEPT_NOT_SUPPORTED,
    MSG_CANNOT_FIND_EVENT,
    MSG_CANNOT_FIND_INSTANCE,
    MSG_LIMIT_EXCEEDED,
    MSG_NOT_BEFORE_PASSED,
    MSG_NOT_SIMULATED,
    SIMULATED_IMPACT_LEVEL,
    SIMULATED_REASON,
    _gc_paused,
)
from .sim_timers import _TIMELINE_RECORD, Timers

#: Read once: an enum's members are attributes of a class with a ``__getattr__`` (EnumType's),
#: a slow lookup each time on Python 3.11.
_SCHEDULED_STATE = EventState.Scheduled
#: The states the quota of simulated events counts (a set: ``Store.count`` takes it as is).
_SCHEDULED = frozenset({_SCHEDULED_STATE})


def _listed_ids(values: Sequence[str], parameter: str, limit: int, limit_status: int) -> list[str]:
    """The ids a call lists, each once in the order given; none is the API's
    ``MissingParameter`` (404), more than ``limit`` (counted as sent) its
    ``<parameter>LimitExceeded`` with ``limit_status``."""
    ids = list(dict.fromkeys(values))
    if not ids:
        raise EcsApiError(
            "MissingParameter",
            f'The input parameter "{parameter}" that is mandatory for processing this request '
            "is not supplied.",
            404,
        )
    if len(values) > limit:
        raise EcsApiError(
            f"{parameter}LimitExceeded",
            f"The number of {parameter} exceeds the limit of {limit}: {len(values)} were given.",
            limit_status,
        )
    return ids


class EventOps(Timers):
    """Create, cancel, inject, accept, reschedule and fail events; make new ones."""

    def get_event(self, event_id: str) -> SystemEvent:
        with self.lock:
            event = self.store.events.get(event_id)
        if event is None:
            raise EcsApiError("InvalidEventId.NotFound", MSG_CANNOT_FIND_EVENT, 404)
        return event

    def create_simulated_events(
        self,
        event_type: str,
        instance_ids: Sequence[str],
        not_before: datetime,
        *,
        region: str | None = None,
    ) -> list[SystemEvent]:
        """CreateSimulatedSystemEvents: one Scheduled/Executing simulated event per instance."""
        with self.lock, _gc_paused():
            region = region or self.config.region
            spec = self.catalog.event_types.get(event_type)
            if spec is None or not spec.simulatable:
                allowed = ", ".join(self.catalog.simulatable)
                raise EcsApiError(
                    "InvalidParameter",
                    f'The specified parameter "EventType" is not valid: {event_type!r} '
                    f"cannot be simulated; CreateSimulatedSystemEvents accepts {allowed}.",
                    403,
                )
            ids = _listed_ids(instance_ids, "InstanceId", self.config.max_ids_per_call, 403)
            if not_before > LATEST_TIME:
                raise EcsApiError(
                    "InvalidParameter",
                    f'The specified parameter "NotBefore" is not valid: '
                    f"{format_api_time(not_before)} is beyond the simulator's calendar "
                    f"(latest {format_api_time(LATEST_TIME)}).",
                    403,
                )
            if not_before < self.clock.now:
                raise EcsApiError(
                    "InvalidNotBefore.Passed",
                    f"{MSG_NOT_BEFORE_PASSED} NotBefore {format_api_time(not_before)} is "
                    f"before the current time {format_api_time(self.now)}.",
                    403,
                )
            instances = self.store.instances  # _live_in_region(i, region) is None, inlined
            missing = []  # a loop, not a comprehension: no function made and called each time
            for i in ids:
                found = instances.get(i)
                if found is None or found.released or found.region != region:
                    missing.append(i)
            if missing:
                raise EcsApiError(
                    "InvalidInstanceId.NotFound",
                    f"{MSG_CANNOT_FIND_INSTANCE} Not found in {region}: {', '.join(missing)}",
                    404,
                )
            if spec.start_state is _SCHEDULED_STATE:
                scheduled = self.store.count(_SCHEDULED, simulated=True)
                if scheduled + len(ids) > self.config.scheduled_quota:
                    raise EcsApiError(
                        "SimulatedEventLimitExceeded",
                        f"{MSG_LIMIT_EXCEEDED} {scheduled} simulated events are Scheduled; "
                        f"{len(ids)} more would pass the limit of "
                        f"{self.config.scheduled_quota}.",
                        403,
                    )
            created = self._new_simulated_events(spec, ids, region, not_before)
            self._settle()
            return created

    def cancel_simulated_events(
        self, event_ids: Sequence[str], *, region: str | None = None
    ) -> list[SystemEvent]:
        """CancelSimulatedSystemEvents: Scheduled or Executing simulated events -> Canceled.

        Events already in a final state are left as they are (project choice: the real
        answer is unknown; an idempotent cancel suits clean-up code best).
        """
        with self.lock:
            region = region or self.config.region
            ids = _listed_ids(event_ids, "EventId", self.config.max_ids_per_call, 400)
            events = []
            for event_id in ids:
                event = self.store.events.get(event_id)
                if event is None or event.region != region:
                    raise EcsApiError(
                        "InvalidEventId.NotFound",
                        f"{MSG_CANNOT_FIND_EVENT} Not found in {region}: {event_id}",
                        403,
                    )
                if not event.simulated:
                    raise EcsApiError(
                        "CannotCancelSystemEvent.NotSimulated",
                        f"{MSG_NOT_SIMULATED} {event_id} is a platform event.",
                        403,
                    )
                events.append(event)
            for event in events:
                self._fire(event, Trigger.CANCEL, "CancelSimulatedSystemEvents")
            return events

    def inject_event(
        self,
        event_type: str,
        instance_id: str,
        *,
        not_before: datetime | None = None,
        state: EventState | str | None = None,
        reason: str | None = None,
        reason_code: str = "",
        impact_level: str = "",
        extended: dict[str, object] | None = None,
    ) -> SystemEvent:
        """A platform (non-simulated) event, as the cloud itself would publish it."""
        with self.lock:
            try:
                spec = self.catalog.spec(event_type)
            except UnknownEventType as exc:
                raise ValueError(str(exc)) from None
            instance = self.get_instance(instance_id)
            disks = self.store.disks_of_instance(instance.instance_id)
            extended = error_disk_attributes(spec.name, extended, disks)
            start = EventState(state) if state is not None else spec.start_state
            if not_before is None and start is not EventState.Inquiring:
                default = timedelta(hours=1)  # a Scheduled event, failure types included
                if start is not EventState.Scheduled:
                    default = self.config.execution_duration
                not_before = self.now + default
            event = self._new_event(
                spec, instance.instance_id, instance.region, not_before, simulated=False,
                state=start, reason=reason or "", reason_code=reason_code,
                impact_level=impact_level, extended=extended,
            )  # fmt: skip
            self._settle()
            return event

    def accept_inquired_event(self, event_id: str, *, region: str | None = None) -> SystemEvent:
        """AcceptInquiredSystemEvent: an Inquiring event starts executing now."""
        with self.lock:
            event = self.store.events.get(event_id)
            if (
                event is None
                or event.state is not EventState.Inquiring
                or (region is not None and event.region != region)
            ):
                raise EcsApiError(
                    "InvalidEventId.NoInquiringEventFound",
                    f"No inquiring system event was found with EventId {event_id}.",
                    404,
                )
            self._check_acceptable(event)
            self._fire(event, Trigger.ACCEPT, "AcceptInquiredSystemEvent")
            self._settle()
            return event

    def _check_acceptable(self, event: SystemEvent) -> None:
        """The 2025 refusals of AcceptInquiredSystemEvent (which case gives which code is our
        choice; docs/fidelity.md)."""
        spec = self.catalog.spec(event.event_type)
        if not spec.acceptable or event.extended.get("CanAccept") == "false":
            raise EcsApiError("OperationDenied.AcceptNotSupported", MSG_ACCEPT_NOT_SUPPORTED, 403)
        instance = self.store.live_instance(event.instance_id)
        if instance is None or instance.status not in (
            InstanceStatus.Running,
            InstanceStatus.Stopped,
        ):
            raise EcsApiError("IncorrectInstanceStatus", MSG_ACCEPT_INSTANCE_STATUS, 400)
        for other in self.store.events_of_instance(event.instance_id):
            if other.state is EventState.Executing and not other.simulated:
                raise EcsApiError(
                    "OperationConflict",
                    f"Event {other.event_id} ({other.event_type}) is being executed on "
                    f"{event.instance_id}; try again once it has finished.",
                    403,
                )

    def reschedule_event(
        self,
        event_id: str,
        instance_id: str,
        not_before: datetime,
        *,
        region: str | None = None,
    ) -> SystemEvent:
        """ModifySystemEventAttribute: move a Scheduled event's NotBefore.

        The first original time is kept in ``ExtendedAttribute.InitialNotBefore``. Its error
        codes are not documented; the ones here are our choice.
        """
        with self.lock:
            event = self.store.events.get(event_id)
            if event is None or (region is not None and event.region != region):
                raise EcsApiError("InvalidEventId.NotFound", MSG_CANNOT_FIND_EVENT, 404)
            if event.instance_id != instance_id:
                raise EcsApiError(
                    "InvalidParameter",
                    f'The specified parameter "InstanceId" is not valid: event {event_id} '
                    f"belongs to {event.instance_id}, not {instance_id}.",
                    400,
                )
            if event.state is not EventState.Scheduled:
                raise EcsApiError(
                    "IncorrectEventStatus",
                    f"Only a Scheduled event can be rescheduled; {event_id} is "
                    f"{event.state.value}.",
                    403,
                )
            if not_before < self.now:
                raise EcsApiError("InvalidNotBefore.Passed", MSG_NOT_BEFORE_PASSED, 403)
            if not_before > LATEST_TIME:
                raise EcsApiError(
                    "InvalidParameter",
                    f'The specified parameter "NotBefore" is not valid: it is beyond '
                    f"{format_api_time(LATEST_TIME)}.",
                    400,
                )
            if event.not_before is not None and "InitialNotBefore" not in event.extended:
                initial = format_api_time(event.not_before)
                event.extended = {**event.extended, "InitialNotBefore": initial}
            event.not_before = not_before
            event.revision += 1
            self.mutations += 1
            self.store.schedule_event(event, not_before)
            self._settle()
            return event

    def fail_event(self, event_id: str, reason_code: str = "") -> SystemEvent:
        """Force an active event to Failed (a test helper; the cloud decides this itself)."""
        with self.lock:
            event = self.get_event(event_id)
            if next_state(event.state, Trigger.FAIL) is None:
                raise ValueError(
                    f"event {event_id} is {event.state.value}; only Scheduled, Inquiring or "
                    f"Executing events can fail"
                )
            if reason_code:
                event.reason_code = reason_code
                event.revision += 1
            self._fire(event, Trigger.FAIL, "fail_event")
            return event

    def new_event_id(self, region: str) -> str:
        """A fresh event id of the region, as the simulation makes them."""
        with self.lock:
            return self._new_id("e", region, self.store.events.__contains__)

    def _new_event(
        self,
        spec: EventTypeSpec,
        instance_id: str,
        region: str,
        not_before: datetime | None,
        *,
        simulated: bool,
        state: EventState,
        reason: str,
        reason_code: str = "",
        impact_level: str = "",
        extended: dict[str, object] | None = None,
    ) -> SystemEvent:
        now = self.now
        event = SystemEvent.created(
            event_id=self._new_id("e", region, self.store.events.__contains__),
            instance_id=instance_id,
            region=region,
            event_type=spec.name,
            state=state,
            not_before=not_before,
            publish_time=now,
            simulated=simulated,
            reason=reason,
            reason_code=reason_code,
            impact_level=impact_level or (SIMULATED_IMPACT_LEVEL if simulated else ""),
            extended=dict(extended) if extended else NO_EXTENDED,
            seq=self.store.next_seq(),
        )
        if state.is_final:
            self.store.mark_finished(event, now)
        self.store.add_event(event)
        self.notify(
            new_transition(now, event.event_id, instance_id, spec.name, None, state, simulated,
                       "created")
        )  # fmt: skip
        self._enter(event, spec, state, "created")
        return event

    def _new_simulated_events(
        self, spec: EventTypeSpec, ids: Sequence[str], region: str, not_before: datetime
    ) -> list[SystemEvent]:
        """``_new_event(spec, iid, region, not_before, simulated=True, state=spec.start_state,
        reason=SIMULATED_REASON)`` for each id in turn, what the events share worked out once
        (tests/property/test_event_parts.py holds this equal to the one-by-one way)."""
        state = spec.start_state
        if state is not _SCHEDULED_STATE:
            return [
                self._new_event(spec, iid, region, not_before, simulated=True, state=state,
                                reason=SIMULATED_REASON)
                for iid in ids
            ]  # fmt: skip
        store = self.store
        now = self.clock.now
        name = spec.name
        values = (region, name, state, not_before, now, True, SIMULATED_REASON, "",
                  SIMULATED_IMPACT_LEVEL, None, None, NO_EXTENDED, (), 0, 0)  # fmt: skip
        # The same with version 1: the part an event has once schedule_event has bumped it.
        scheduled = (*values[:13], 1, 0)
        events = store.events
        sharing = SystemEvent.sharing
        observers = self.observers
        # Nobody can read the events between their steps: all at once. A timeline's
        # ``Recorder.record`` (the simulator's own) reads nothing; it gets each record after.
        if not observers or (
            len(observers) == 1 and getattr(observers[0], "__func__", None) is _TIMELINE_RECORD
        ):
            # _new_id's draw, inline: this loop makes every event of a large history
            head, size, table = resource_id_parts("e", region)
            randbytes = self._rng.randbytes
            getrandbits = self._rng.getrandbits
            bits = size * 8
            plain = draws_inline(self._rng)
            batch: dict[str, SystemEvent] = {}
            seq = store._seq
            for iid in ids:
                while (
                    event_id := head
                    + (getrandbits(bits).to_bytes(size, "little") if plain else randbytes(size))
                    .translate(table)
                    .decode()
                ) in events or event_id in batch:  # the batch's own are not in events yet
                    pass
                seq += 2  # the event's next_seq(), then its timer's
                batch[event_id] = sharing(event_id, iid, scheduled, seq - 1)
            store.add_scheduled_events(batch, not_before)
            self.mutations += len(batch)  # notify()'s, the record made only for a timeline
            if observers:
                timeline = observers[0]
                errors = self.observer_errors
                for event_id, event in batch.items():
                    try:  # notify()'s handling of an observer's error
                        timeline(new_transition(now, event_id, event.instance_id, name, None,
                                                state, True, "created"))  # fmt: skip
                    except Exception as exc:
                        errors.append(exc)
            return list(batch.values())
        created = []
        for iid in ids:
            event_id = self._new_id("e", region, events.__contains__)
            if self.observers:
                event = sharing(event_id, iid, values, store.next_seq())
                store.add_event(event)
                self.notify(new_transition(now, event_id, iid, name, None, state, True, "created"))
                store.schedule_event(event, not_before)  # _enter's for a new Scheduled event
            else:  # nobody can read the event between its steps: all of them at once
                store._seq += 1  # next_seq()
                event = sharing(event_id, iid, scheduled, store._seq)
                store.add_scheduled_event(event, not_before)
                self.mutations += 1  # notify()'s when nobody listens, without the record
            created.append(event)
        return created
