"""The wait of ``advance()`` in live mode, on a fake timer: no test here waits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pytest_ecs_events.core.catalog import DEFAULT_CATALOG, EventState
from pytest_ecs_events.core.models import SystemEvent
from pytest_ecs_events.live.errors import LiveTimeout
from pytest_ecs_events.live.waiting import Timer, due_time, observed_transitions, wait_until

START = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)


class FakeTime:
    """A clock that moves only when the wait sleeps."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def timer(self) -> Timer:
        return Timer(now=lambda: START + timedelta(seconds=self.elapsed),
                     monotonic=lambda: self.elapsed, sleep=self.sleep)  # fmt: skip

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds


def _event(event_type: str = "SystemMaintenance.Reboot", state: str = "Scheduled",
           not_before: datetime | None = START) -> SystemEvent:  # fmt: skip
    return SystemEvent.created(event_id="e-1", instance_id="web", region="r", event_type=event_type,
                     state=EventState(state), not_before=not_before, publish_time=START,
                     simulated=True)  # fmt: skip


def test_due_time_by_state_and_type() -> None:
    kw = {"execution_duration": timedelta(seconds=30), "catalog": DEFAULT_CATALOG}
    assert due_time(_event(), **kw) == START
    assert due_time(_event(state="Executing"), **kw) == START + timedelta(seconds=30)
    assert due_time(_event("SystemFailure.Reboot", "Executing"), **kw) == START  # starts there
    assert due_time(_event(state="Executed"), **kw) is None
    assert due_time(_event(state="Inquiring"), **kw) is None
    assert due_time(_event(not_before=None), **kw) is None


def test_observed_transitions_go_through_executing() -> None:
    event = _event(state="Executed")
    event.record(START + timedelta(minutes=1), EventState.Executed)
    unchanged = _event()
    [first, second] = observed_transitions({"e-1": EventState.Scheduled}, [event], now=START)
    assert (first.old_state, first.new_state, second.new_state) == (
        "Scheduled", "Executing", "Executed")  # fmt: skip
    assert first.time == START + timedelta(minutes=1)
    assert first.trigger == "observed"
    assert observed_transitions({"e-1": EventState.Scheduled}, [unchanged], now=START) == []
    assert observed_transitions({}, [event], now=START) == []


def test_wait_until_waits_for_the_time_then_for_the_events() -> None:
    fake = FakeTime()
    event = _event()
    reads: list[float] = []

    def refresh() -> list[SystemEvent]:
        reads.append(fake.elapsed)
        if fake.elapsed >= 25 and event.state is EventState.Scheduled:  # the cloud lags 5s
            event.state = EventState.Executing
            event.record(START + timedelta(seconds=25), EventState.Executing)
        return [event]

    said: list[str] = []
    applied = wait_until(
        START + timedelta(seconds=20), "advance('20s')", timeout=60, refresh=refresh,
        due=lambda e: e.not_before if e.state is EventState.Scheduled else None,
        say=said.append, timer=fake.timer(),
    )  # fmt: skip
    assert [(t.old_state, t.new_state) for t in applied] == [("Scheduled", "Executing")]
    assert said[0] == "ecs-live: advance('20s'): waiting 20s for the cloud to reach " \
        "2030-01-01T12:00:20Z (1 event(s) of this test)"  # fmt: skip
    assert "ecs-live: advance('20s'): 11s to go" in said  # every 10s, the left before a sleep
    assert any("waiting for the cloud to move 1 due event(s) (e-1 Scheduled)" in x for x in said)
    assert said[-1].startswith("ecs-live: advance('20s'): reached 2030-01-01T12:00:20Z after ")
    assert said[-1].endswith(", 1 transition(s)")
    assert max(fake.sleeps) <= 10.0


def test_wait_until_gives_up_at_once_on_a_wait_past_the_timeout() -> None:
    fake = FakeTime()
    with pytest.raises(LiveTimeout, match=r"in 3600s, longer than --ecs-live-timeout=60s"):
        wait_until(START + timedelta(hours=1), "advance('1h')", timeout=60,
                   refresh=list, due=lambda e: None, say=print, timer=fake.timer())  # fmt: skip
    assert fake.sleeps == []


def test_wait_until_gives_up_when_the_cloud_does_not_catch_up() -> None:
    fake = FakeTime()
    with pytest.raises(LiveTimeout, match=r"e-1 \(SystemMaintenance.Reboot on web\) is still"):
        wait_until(START, "advance('0s')", timeout=5, refresh=lambda: [_event()],
                   due=lambda e: e.not_before, say=print, timer=fake.timer())  # fmt: skip
    assert 5 <= fake.elapsed < 6
