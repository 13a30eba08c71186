"""Random operations on the simulation (core/simulation.py), a hypothesis rule-based
machine: after each one, the store's indexes, counts, histories and quota hold."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pytest_ecs_events.core.catalog import DEFAULT_CATALOG, FINAL_STATES, Category, EventState
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.lifecycle import TRANSITIONS
from tests.helpers.simulation import INSTANCES, SIMULATABLE, S, make_sim, snapshot

# ================================================================== rule-based machine
QUOTA = 4


class SimulationMachine(RuleBasedStateMachine):
    """Random operations; after each one, the store must be consistent."""

    def __init__(self) -> None:
        super().__init__()
        self.sim = make_sim(seed=77, scheduled_quota=QUOTA)
        self.finals: dict[str, tuple[EventState, tuple[object, ...], datetime | None]] = {}
        self.last_now = self.sim.now

    def attempt(self, call: Callable[[], object]) -> object:
        before = snapshot(self.sim)
        try:
            return call()
        except (EcsApiError, ValueError):
            assert snapshot(self.sim) == before
            return None

    def event_ids(self) -> list[str]:
        return sorted(self.sim.store.events)

    @rule(
        event_type=st.sampled_from(SIMULATABLE),
        ids=st.lists(st.sampled_from(INSTANCES), min_size=1, max_size=3),
        offset=st.integers(min_value=-60, max_value=3 * 3600),
    )
    def create(self, event_type: str, ids: list[str], offset: int) -> None:
        scheduled = self.sim.store.count([S.Scheduled], simulated=True)
        created = self.attempt(
            lambda: self.sim.create_simulated_events(
                event_type, ids, self.sim.now + timedelta(seconds=offset)
            )
        )
        if created is None:
            spec = DEFAULT_CATALOG.spec(event_type)
            live = all(self.sim.store.live_instance(i) is not None for i in ids)
            quota_hit = spec.start_state is S.Scheduled and scheduled + len(set(ids)) > QUOTA
            # The only reasons to refuse here.
            assert offset < 0 or not live or quota_hit
            return
        assert isinstance(created, list)
        assert len(created) == len(set(ids))

    @rule(
        event_type=st.sampled_from(sorted(DEFAULT_CATALOG.event_types)),
        iid=st.sampled_from(INSTANCES),
        start=st.sampled_from([None, "Inquiring", "Scheduled", "Executing"]),
        offset=st.integers(min_value=0, max_value=3 * 3600),
    )
    def inject(self, event_type: str, iid: str, start: str | None, offset: int) -> None:
        not_before = None if start == "Inquiring" else self.sim.now + timedelta(seconds=offset)
        self.attempt(
            lambda: self.sim.inject_event(event_type, iid, state=start, not_before=not_before)
        )

    @rule(data=st.data(), bogus=st.booleans())
    @precondition(lambda self: any(e.simulated for e in self.sim.store.events.values()))
    def cancel(self, data: st.DataObject, bogus: bool) -> None:
        simulated = [e.event_id for e in self.sim.store.events.values() if e.simulated]
        ids = data.draw(st.lists(st.sampled_from(simulated), min_size=1, max_size=3))
        if bogus:
            ids = [*ids, "e-bogus"]
        events = self.sim.store.events
        before = {i: events[i].state for i in ids if i in events}
        result = self.attempt(lambda: self.sim.cancel_simulated_events(ids))
        if result is None:
            assert bogus
            return
        for eid, state in before.items():
            expected = S.Canceled if state in (S.Scheduled, S.Executing) else state
            assert events[eid].state is expected

    @rule(data=st.data())
    @precondition(lambda self: any(not e.simulated for e in self.sim.store.events.values()))
    def cancel_platform(self, data: st.DataObject) -> None:
        platform = [e.event_id for e in self.sim.store.events.values() if not e.simulated]
        eid = data.draw(st.sampled_from(platform))
        before = snapshot(self.sim)
        with pytest.raises(EcsApiError, match="NotSimulated"):
            self.sim.cancel_simulated_events([eid])
        assert snapshot(self.sim) == before

    @rule(iid=st.sampled_from(INSTANCES), many=st.booleans())
    def reboot(self, iid: str, many: bool) -> None:
        now = self.sim.now
        avoidable = [
            e
            for e in self.sim.store.events_of_instance(iid)
            if e.simulated
            and e.event_type == "SystemMaintenance.Reboot"
            and e.state is S.Scheduled
            and e.not_before is not None
            and now < e.not_before
        ]
        others = {
            e.event_id: e.state
            for e in self.sim.store.events.values()
            if e.simulated and e not in avoidable
        }
        if many:
            result = self.attempt(lambda: self.sim.reboot_instances([iid]))
        else:
            result = self.attempt(lambda: self.sim.reboot_instance(iid))
        if result is None:
            return
        assert all(e.state is S.Avoided for e in avoidable)
        # Simulated events other than a pending maintenance reboot are never touched.
        for eid, state in others.items():
            assert self.sim.store.events[eid].state is state

    @rule(iid=st.sampled_from(INSTANCES), action=st.sampled_from(["stop", "start", "redeploy"]))
    def instance_action(self, iid: str, action: str) -> None:
        simulated = {e.event_id: e.state for e in self.sim.store.events.values() if e.simulated}
        result = self.attempt(lambda: getattr(self.sim, f"{action}_instance")(iid))
        if result is not None:
            assert {
                e.event_id: e.state for e in self.sim.store.events.values() if e.simulated
            } == simulated

    @rule(iid=st.sampled_from(INSTANCES))
    def re_add(self, iid: str) -> None:
        self.sim.add_instance(iid)
        assert self.sim.store.live_instance(iid) is not None

    @rule(data=st.data())
    @precondition(lambda self: any(e.state is S.Inquiring for e in self.sim.store.events.values()))
    def accept(self, data: st.DataObject) -> None:
        inquiring = [e.event_id for e in self.sim.store.events_in_state(S.Inquiring)]
        eid = data.draw(st.sampled_from(sorted(inquiring)))
        event = self.sim.store.events[eid]
        spec = self.sim.catalog.spec(event.event_type)
        instance = self.sim.store.live_instance(event.instance_id)
        refused = (
            not spec.acceptable
            or instance is None
            or instance.status.value not in ("Running", "Stopped")
            or any(e.state is S.Executing and not e.simulated
                   for e in self.sim.store.events_of_instance(event.instance_id))
        )  # fmt: skip
        result = self.attempt(lambda: self.sim.accept_inquired_event(eid))
        assert (result is None) is refused
        if not refused:
            assert self.sim.store.events[eid].state in (S.Executing, S.Executed)

    @rule(data=st.data())
    @precondition(lambda self: self.sim.store.events)
    def fail(self, data: st.DataObject) -> None:
        event_id = data.draw(st.sampled_from(self.event_ids()))
        active = not self.sim.store.events[event_id].state.is_final
        result = self.attempt(lambda: self.sim.fail_event(event_id))
        assert (result is not None) is active
        assert self.sim.store.events[event_id].state is not S.Executed or not active

    @rule(data=st.data(), offset=st.integers(min_value=-60, max_value=3 * 3600))
    @precondition(lambda self: self.sim.store.events)
    def reschedule(self, data: st.DataObject, offset: int) -> None:
        event_id = data.draw(st.sampled_from(self.event_ids()))
        event = self.sim.store.events[event_id]
        self.attempt(
            lambda: self.sim.reschedule_event(
                event_id, event.instance_id, self.sim.now + timedelta(seconds=offset)
            )
        )

    @rule(seconds=st.integers(min_value=0, max_value=4 * 3600))
    def advance(self, seconds: int) -> None:
        start = self.sim.now
        target = start + timedelta(seconds=seconds)
        transitions = self.sim.advance_to(target)
        times = [t.time for t in transitions]
        assert times == sorted(times)
        assert all(start <= t <= target for t in times)
        assert self.sim.now == target
        # Nothing due is left behind.
        due = self.sim.next_due()
        assert due is None or due > target

    @rule(seconds=st.integers(min_value=1, max_value=3600))
    def advance_backwards(self, seconds: int) -> None:
        before = snapshot(self.sim)
        with pytest.raises(ValueError, match="backwards"):
            self.sim.advance_to(self.sim.now - timedelta(seconds=seconds))
        assert snapshot(self.sim) == before

    # ------------------------------------------------------------------ invariants
    @invariant()
    def each_event_in_exactly_one_state_index(self) -> None:
        store = self.sim.store
        index = {s: {e.event_id for e in store.events_in_state(s)} for s in EventState}
        for event in store.events.values():
            holding = [s for s, ids in index.items() if event.event_id in ids]
            assert holding == [event.state]
        assert sum(len(ids) for ids in index.values()) == len(store.events)

    @invariant()
    def counts_match_a_brute_force_count(self) -> None:
        store = self.sim.store
        for state in EventState:
            for simulated in (None, True, False):
                for region in (None, "cn-hangzhou", "cn-beijing"):
                    brute = sum(
                        1
                        for e in store.events.values()
                        if e.state is state
                        and (simulated is None or e.simulated is simulated)
                        and (region is None or e.region == region)
                    )
                    assert store.count([state], simulated=simulated, region=region) == brute
        assert store.count(EventState) == len(store.events)

    @invariant()
    def scheduled_simulated_within_quota(self) -> None:
        assert self.sim.store.count([S.Scheduled], simulated=True) <= QUOTA

    @invariant()
    def histories_are_consistent(self) -> None:
        for event in self.sim.store.events.values():
            history = event.history
            assert history
            assert history[0][0] == event.publish_time
            times = [t for t, _ in history]
            assert times == sorted(times)
            assert times[-1] <= self.sim.now
            assert history[-1][1] is event.state
            for (_, a), (_, b) in itertools.pairwise(history):
                assert any(src is a and dst is b for (src, _), dst in TRANSITIONS.items())
            if event.state in FINAL_STATES:
                assert event.finish_time == history[-1][0]
            else:
                assert event.finish_time is None

    @invariant()
    def timed_transitions_happen_on_time(self) -> None:
        duration = self.sim.config.execution_duration
        for event in self.sim.store.events.values():
            history = event.history
            category = DEFAULT_CATALOG.spec(event.event_type).category
            for index in range(1, len(history)):
                (entered, a), (left, b) = history[index - 1], history[index]
                if (a, b) == (S.Scheduled, S.Executing):
                    assert left == event.not_before
                elif (a, b) == (S.Executing, S.Executed):
                    if index == 1 and category is Category.FAILURE and event.not_before:
                        assert left == max(event.not_before, entered)
                    else:
                        assert left == entered + duration

    @invariant()
    def final_states_never_change(self) -> None:
        for event in self.sim.store.events.values():
            record = (event.state, tuple(event.history), event.finish_time)
            if event.event_id in self.finals:
                assert self.finals[event.event_id] == record
            elif event.state in FINAL_STATES:
                self.finals[event.event_id] = record

    @invariant()
    def clock_never_goes_backwards(self) -> None:
        assert self.sim.now >= self.last_now
        self.last_now = self.sim.now

    @invariant()
    def simulated_events_have_a_not_before_passed_only_when_final_or_executing(self) -> None:
        now = self.sim.now
        for event in self.sim.store.events_in_state(S.Scheduled):
            assert event.not_before is not None
            assert event.not_before > now


SimulationMachine.TestCase.settings = settings(
    max_examples=80,
    stateful_step_count=40,
    deadline=None,
    database=None,
    derandomize=True,
)
TestSimulationMachine = SimulationMachine.TestCase
