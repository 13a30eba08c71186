"""``advance()`` in live mode: time passes for real, so the handle waits for the cloud.

"Reached" means: the wall clock is past the target, and every event of the test that was due
by then has moved on (Scheduled past its NotBefore, a failure past its NotBefore, a
maintenance past NotBefore + the execution duration). The wait shows its progress and is
bounded by the run's timeout; giving up raises :class:`~pytest_ecs_events.live.errors.LiveTimeout`.
The clock, the sleep and the monotonic timer are parameters, so that the loop is tested
without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..core.catalog import Catalog, EventState
from ..core.clock import UTC, format_api_time
from ..core.lifecycle import Transition
from ..core.models import SystemEvent
from .errors import LiveTimeout

__all__ = ["Timer", "due_time", "observed_transitions", "wait_until"]

#: Seconds between two "still waiting" lines while the wall clock runs to the target.
PROGRESS_EVERY = 10.0
#: The longest pause between two reads of the events once the target time has passed.
MAX_POLL = 10.0


def _utc_now() -> datetime:
    return datetime.now(UTC)  # to the microsecond: the wait ends when the target is past


@dataclass(frozen=True)
class Timer:
    """Where the wait reads the time and how it sleeps (the real ones by default)."""

    now: Callable[[], datetime] = _utc_now
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def due_time(
    event: SystemEvent, *, execution_duration: timedelta, catalog: Catalog
) -> datetime | None:
    """When the event's next change is due (None: final, or nothing the cloud promises)."""
    if event.not_before is None or event.state.is_final:
        return None
    if event.state is EventState.Scheduled:
        return event.not_before
    if event.state is EventState.Executing:
        spec = catalog.event_types.get(event.event_type)
        if spec is not None and spec.start_state is EventState.Executing:
            return event.not_before
        return event.not_before + execution_duration
    return None


def wait_until(
    target: datetime,
    label: str,
    *,
    timeout: float,
    refresh: Callable[[], list[SystemEvent]],
    due: Callable[[SystemEvent], datetime | None],
    say: Callable[[str], None],
    timer: Timer = Timer(),
) -> list[Transition]:
    """Wait until the cloud has reached ``target``; returns the transitions observed.

    ``refresh`` reads the test's events from the cloud, ``due`` says when one must move on.
    Raises :class:`LiveTimeout` at once when the wait would pass ``timeout`` seconds, or when
    due events have not moved on by then.
    """
    started = timer.monotonic()
    deadline = started + timeout
    wait = (target - timer.now().replace(microsecond=0)).total_seconds()  # as handle.now
    if wait > timeout:
        raise LiveTimeout(
            f"{label}: the cloud reaches {format_api_time(target)} in {wait:.0f}s, longer "
            f"than --ecs-live-timeout={timeout:g}s. In live mode time passes for real: "
            "give the events a shorter not_before (e.g. '+30s') or raise the timeout."
        )
    before = {e.event_id: e.state for e in refresh()}
    if wait > 0:
        say(
            f"ecs-live: {label}: waiting {wait:.0f}s for the cloud to reach "
            f"{format_api_time(target)} ({len(before)} event(s) of this test)"
        )
    next_note = timer.monotonic() + PROGRESS_EVERY
    while (left := (target - timer.now()).total_seconds()) > 0:
        timer.sleep(min(left, 1.0))
        if timer.monotonic() >= next_note and left > 1:
            say(f"ecs-live: {label}: {left:.0f}s to go")
            next_note = timer.monotonic() + PROGRESS_EVERY
    delay = 0.25
    while True:
        events = refresh()
        late = [e for e in events if (d := due(e)) is not None and d <= target]
        if not late:
            break
        if timer.monotonic() >= deadline:
            pending = "; ".join(
                f"{e.event_id} ({e.event_type} on {e.instance_id}) is still {e.state.value}, "
                f"due {format_api_time(due(e) or target)}"
                for e in late
            )
            raise LiveTimeout(
                f"{label}: the cloud had not caught up with {format_api_time(target)} after "
                f"--ecs-live-timeout={timeout:g}s: {pending}. Real drills may lag; raise "
                "--ecs-live-timeout, or check execution_duration (marker or ini "
                "ecs_sim_execution_duration) against how long the cloud takes."
            )
        say(
            f"ecs-live: {label}: waiting for the cloud to move {len(late)} due event(s) "
            f"({', '.join(f'{e.event_id} {e.state.value}' for e in late)})"
        )
        timer.sleep(max(0.0, min(delay, deadline - timer.monotonic())))
        delay = min(delay * 2, MAX_POLL)
    transitions = observed_transitions(before, events, now=timer.now())
    if wait > 0 or transitions:
        say(
            f"ecs-live: {label}: reached {format_api_time(target)} after "
            f"{timer.monotonic() - started:.1f}s, {len(transitions)} transition(s)"
        )
    return transitions


def observed_transitions(
    before: Mapping[str, EventState], events: Sequence[SystemEvent], *, now: datetime
) -> list[Transition]:
    """The changes between the states ``before`` and the events now, in time order.

    Scheduled -> Executed seen at once is two transitions (through Executing), as offline.
    """
    result = []
    for event in events:
        old = before.get(event.event_id)
        if old is None or old == event.state:
            continue
        steps = [(old, event.state)]
        if old is EventState.Scheduled and event.state is EventState.Executed:
            steps = [(old, EventState.Executing), (EventState.Executing, event.state)]
        history = event.history  # the store's encoding stays the model's own
        when = history[-1][0] if history else now
        for step_old, step_new in steps:
            result.append(
                Transition(
                    time=when,
                    event_id=event.event_id,
                    instance_id=event.instance_id,
                    event_type=event.event_type,
                    old_state=step_old,
                    new_state=step_new,
                    simulated=True,
                    trigger="observed",
                )
            )
    result.sort(key=lambda t: t.time)
    return result
