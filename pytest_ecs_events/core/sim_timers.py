"""Transitions and the timer loop (a part of :class:`~.simulation.Simulation`; see
:mod:`.sim_base` for how the parts fit): an event fired and the side effects of the state it
enters, an instance walked through an action's status plan, every timer applied in time order
by ``advance_to``, and the plans saved and resumed with a scenario."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from .catalog import ACTIVE_STATES, Category, EventState, EventTypeSpec, InstanceStatus
from .changes import Change
from .clock import format_api_time
from .instance_ops import note_status
from .lifecycle import (
    TIMED_TRIGGER,
    TRANSITIONS,
    Transition,
    Trigger,
    new_instance_change,
    new_transition,
)
from .models import Instance, SystemEvent
from .sim_base import LATEST_TIME, _gc_paused
from .sim_disks import DiskOps
from .store import Timer
from .timeline import Recorder

# The status steps each instance action goes through; offsets in transition-duration units.
_PLANS: dict[str, tuple[tuple[int, InstanceStatus], ...]] = {
    "reboot": ((0, InstanceStatus.Stopping), (1, InstanceStatus.Starting),
               (2, InstanceStatus.Running)),
    "stop": ((0, InstanceStatus.Stopping), (1, InstanceStatus.Stopped)),
    "start": ((0, InstanceStatus.Starting), (1, InstanceStatus.Running)),
    "redeploy_running": ((0, InstanceStatus.Stopping), (1, InstanceStatus.Starting),
                         (2, InstanceStatus.Running)),
    "redeploy_stopped": ((0, InstanceStatus.Starting), (1, InstanceStatus.Running)),
}  # fmt: skip


#: Each trigger's ``value`` (an enum member's ``value`` is a property, read per transition).
_CAUSES: dict[Trigger, str] = {trigger: trigger.value for trigger in Trigger}

#: A simulated event's timed steps as ``_run_timers`` makes them itself (the table's own
#: transitions): NotBefore reached (a simulated event is never busy), then done (no effect).
_TIMED_STEPS: dict[EventState, tuple[EventState, str]] = {
    state: (TRANSITIONS[(state, trigger)], _CAUSES[trigger])
    for state, trigger in (
        (EventState.Scheduled, Trigger.NOT_BEFORE),
        (EventState.Executing, Trigger.EXECUTION_DONE),
    )
}
_EXECUTING = _TIMED_STEPS[EventState.Scheduled][0]
#: A timeline's observer, which ``_run_timers`` may call itself (its one append).
_TIMELINE_RECORD = Recorder.record


class Timers(DiskOps):
    """``advance_to`` and the other timer members, and the transitions the timers make."""

    def advance_to(self, when: datetime) -> list[Transition]:
        """Move the clock to ``when``, applying every due timer in time order."""
        with self.lock, _gc_paused():
            if when < self.clock.now:
                raise ValueError(
                    f"the virtual clock cannot go backwards: it is {format_api_time(self.now)}, "
                    f"asked for {format_api_time(when)}"
                )
            if when > LATEST_TIME:
                raise ValueError(
                    f"the virtual clock stops at {format_api_time(LATEST_TIME)} (timers past it "
                    f"would not fit in a datetime), asked for {format_api_time(when)}"
                )
            applied: list[Transition] = []
            recorder = _Recorder.__new__(_Recorder)  # _Recorder(applied), without its frame
            recorder.sink = applied
            self.observers.append(recorder)
            try:
                self._run_timers(when)
                self.clock.set(when)
            finally:
                self.observers.remove(recorder)
            return applied

    def call_at(self, due: datetime, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` (with the lock held, the clock at ``due``) when ``advance_to``
        reaches ``due``, in time order with every other timer (a ``due`` already reached runs at
        the next ``advance_to``). This is how an area outside the event lifecycle (command
        invocations, backend health checks) moves on the virtual clock: its own records, its
        own ``notify`` calls, the one timer heap. Cancel with :meth:`cancel_timer`."""
        with self.lock:
            return self.store.schedule_callback(due, callback)

    def cancel_timer(self, timer: Timer) -> None:
        """A timer from :meth:`call_at` that must not run any more."""
        timer.cancelled = True

    def next_due(self) -> datetime | None:
        """When the next pending change happens (None if nothing is pending)."""
        with self.lock:
            return self.store.next_due()

    def _fire(self, event: SystemEvent, trigger: Trigger, cause: str) -> bool:
        """Apply ``trigger`` to the event if the table allows it; True if it moved."""
        old = event.state
        new = TRANSITIONS.get((old, trigger))  # next_state()
        if new is None:
            return False
        now = self.clock.now
        simulated = event.simulated
        self.store.fire_event(event, new, now)
        self.notify(
            new_transition(now, event.event_id, event.instance_id, event.event_type, old, new,
                       simulated, cause)
        )  # fmt: skip
        if new is not EventState.Executed or not simulated:  # _enter has nothing else to do
            self._enter(event, self.catalog.spec(event.event_type), new, cause)
        return True

    def _enter(
        self, event: SystemEvent, spec: EventTypeSpec, state: EventState, cause: str
    ) -> None:
        """Side effects of entering a state: its timer, and a platform event's instance effect."""
        now = self.clock.now
        if state is EventState.Executing:
            event.start(now)  # execute_start_time, and the version schedule_event would bump
            if (
                cause == "created"
                and spec.category is Category.FAILURE
                and event.not_before is not None
            ):
                due = max(event.not_before, now)
            else:
                due = now + self.config.execution_duration
            self.store.push_event_timer(event, due)
            if not event.simulated and spec.effect.during is not None:
                self._set_instance_status(event.instance_id, spec.effect.during, event.event_type)
        elif state is EventState.Scheduled and event.not_before is not None:
            self.store.schedule_event(event, event.not_before)
        elif state is EventState.Executed and not event.simulated:
            self._apply_final_effect(event, spec)
        elif state is EventState.Failed and not event.simulated:
            # The platform's operation failed: the instance is left running rather than
            # stranded in Starting/Stopping (project choice; the real outcome is unknown).
            # A user's action under way (its plan) is left to finish.
            instance = self.store.live_instance(event.instance_id)
            transitional = (InstanceStatus.Starting, InstanceStatus.Stopping)
            if (
                instance is not None
                and instance.status in transitional
                and instance.instance_id not in self._plans
            ):
                self._set_instance_status(instance.instance_id, InstanceStatus.Running, cause)

    def _apply_final_effect(self, event: SystemEvent, spec: EventTypeSpec) -> None:
        instance = self.store.live_instance(event.instance_id)
        if instance is None:
            return
        if spec.effect.release:
            old = instance.status
            instance.released = True
            addresses = (instance.private_ip, instance.public_ip, instance.eip_address)
            self.network.release(*[a for a in addresses if a])
            for disk in self.store.disks_of_instance(instance.instance_id):
                if disk.delete_with_instance:
                    disk.released = True
                else:
                    disk.instance_id, disk.device, disk.status = "", "", "Available"
                    disk.detached_at = self.now
                    disk.revision += 1
            self._plans.pop(instance.instance_id, None)
            self.store.clear_instance_timer(instance)
            self.notify(
                new_instance_change(self.now, instance.instance_id, old, None, event.event_type)
            )
        elif spec.effect.after is not None:
            self._set_instance_status(instance.instance_id, spec.effect.after, event.event_type)

    def _set_instance_status(self, instance_id: str, status: InstanceStatus, cause: str) -> None:
        instance = self.store.live_instance(instance_id)
        if instance is None:
            return
        self._plans.pop(instance_id, None)
        self.store.clear_instance_timer(instance)
        self._change_status(instance, status, cause)

    def _change_status(self, instance: Instance, status: InstanceStatus, cause: str) -> None:
        old = instance.status
        if old is status:
            return
        instance.status = status
        instance.revision += 1
        note_status(instance, old, status, self.now)
        self.notify(new_instance_change(self.now, instance.instance_id, old, status, cause))

    def _run_instance_action(self, instance: Instance, plan_name: str, action: str) -> None:
        """Avoid the events this action avoids, then walk the instance through its plan."""
        for event in list(self.store.events_of_instance(instance.instance_id)):
            if event.state not in ACTIVE_STATES:
                continue
            spec = self.catalog.spec(event.event_type)
            avoided_by = spec.simulated_avoided_by if event.simulated else spec.platform_avoided_by
            before = event.not_before is None or self.now < event.not_before
            if action in avoided_by and before:
                self._fire(event, Trigger.AVOID, action)
        step = self.config.instance_transition_duration
        steps = [(self.now + step * k, status) for k, status in _PLANS[plan_name]]
        self._plans[instance.instance_id] = steps[1:]
        self.store.clear_instance_timer(instance)
        self._change_status(instance, steps[0][1], action)
        self._schedule_next_step(instance)

    def _schedule_next_step(self, instance: Instance) -> None:
        remaining = self._plans.get(instance.instance_id)
        if remaining:
            due, status = remaining[0]
            self.store.schedule_instance(instance, due, status)
        else:
            self._plans.pop(instance.instance_id, None)

    def _run_timers(self, until: datetime) -> None:
        store = self.store
        clock = self.clock
        plans = self._plans
        pop = store.pop_next
        observers = self.observers
        # advance()'s own recorder alone hears the changes (no timeline, no subscriber): a
        # simulated event's timed transition is then made here in one piece, the steps of
        # _fire, notify, the recorder and _enter (tests/property/test_event_parts.py holds the
        # two ways equal). Anything else listening, or an event of another kind, goes the
        # general way; a callback may change the observers, so they are looked at each time.
        # One timeline's ``Recorder.record`` before advance()'s recorder (the simulator's own,
        # which every simulator has) may listen too: the loop hands it the record as notify
        # would.
        count = len(observers)
        solo = observers[-1] if 0 < count <= 2 else None
        sink = solo.sink if isinstance(solo, _Recorder) else None
        timeline = observers[0] if count == 2 else None
        if timeline is not None and getattr(timeline, "__func__", None) is not _TIMELINE_RECORD:
            sink = None
        errors = self.observer_errors
        event_types = self.catalog.event_types
        fire = store.fire_event
        push = store.push_event_timer
        heap = store._heap
        # pop_next's own first test ahead of its call: the last round finds nothing due
        while heap and heap[0][0] <= until and (entry := pop(until)) is not None:
            due = entry[0]
            if due > clock._now:
                clock._now = due  # clock.set(due): forward, as just checked
            target = entry[2]
            if not isinstance(target, Timer):  # an event's timer: a history is made of them
                event = target
                part = event._part  # its fields read once: each property read is two getattrs
                state = part.state
                if (
                    sink is not None
                    and part.simulated
                    and len(observers) == count
                    and observers[-1] is solo
                    and (timeline is None or observers[0] is timeline)
                    and (event_type := part.event_type) in event_types  # catalog.spec() finds it
                ):
                    step = _TIMED_STEPS.get(state)
                    if step is not None:
                        new, cause = step
                        now = clock.now
                        fire(event, new, now)
                        self.mutations += 1
                        record = new_transition(now, event.event_id, event.instance_id,
                                                event_type, state, new, True, cause)  # fmt: skip
                        if timeline is not None:
                            try:
                                timeline(record)
                            except Exception as exc:  # notify's handling of an observer's error
                                errors.append(exc)
                        sink.append(record)
                        if new is _EXECUTING:
                            event.start(now)
                            push(event, now + self.config.execution_duration)
                        continue
                trigger = TIMED_TRIGGER.get(state)
                if trigger is None:
                    continue
                if trigger is Trigger.NOT_BEFORE and self._busy_at_not_before(event):
                    self._fire(event, Trigger.FAIL, "instance busy")
                else:
                    self._fire(event, trigger, _CAUSES[trigger])
                continue
            timer = target
            kind = timer.kind
            if kind == "disk_event":
                self._disk_event_due(timer.target_id)
            elif kind == "callback":
                assert timer.callback is not None
                timer.callback()
            else:
                instance = store.instances[timer.target_id]
                remaining = plans.get(instance.instance_id)
                if remaining:
                    _, status = remaining.pop(0)
                    self._change_status(instance, status, "transition")
                    self._schedule_next_step(instance)

    def _busy_at_not_before(self, event: SystemEvent) -> bool:
        """A platform event of a ``fails_if_instance_busy`` type meets its instance in the
        middle of a user's action (a reboot, start or redeploy under way): it fails."""
        # Cheapest test first: this runs for every NotBefore the clock reaches.
        if event.instance_id not in self._plans or event.simulated:
            return False
        return self.catalog.spec(event.event_type).fails_if_instance_busy

    def _settle(self) -> None:
        """Apply timers already due at the current time (e.g. NotBefore == now)."""
        heap = self.store._heap
        now = self.clock.now
        if heap and heap[0][0] <= now:  # else _run_timers would pop nothing: skip its set-up
            self._run_timers(until=now)

    # ------------------------------------------------------------ saving and restoring
    def pending_statuses(self, instance_id: str) -> list[tuple[datetime, InstanceStatus]]:
        """The remaining steps (time, status) of the instance's reboot/stop/start under way."""
        with self.lock:
            return list(self._plans.get(instance_id, ()))

    def resume_statuses(
        self, instance: Instance, steps: Sequence[tuple[datetime, InstanceStatus]]
    ) -> None:
        """Continue an action under way with these remaining steps (a scenario being loaded)."""
        with self.lock:
            self._plans[instance.instance_id] = list(steps)
            self._schedule_next_step(instance)


class _Recorder:
    """Collects the event transitions of one ``advance_to`` call."""

    def __init__(self, sink: list[Transition]) -> None:
        self.sink = sink

    def __call__(self, change: Change) -> None:
        if isinstance(change, Transition):
            self.sink.append(change)
