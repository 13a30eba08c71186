"""Thread safety: 8 threads hammering one simulator through both SDKs and ``handle()``.

Handlers often call the API from thread pools. Whatever the interleaving: the quota is never
exceeded, each event sits in exactly one state index, histories are in time order, no
successful create is lost, and nothing turns into a 5xx or an internal error.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as NewClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.CancelSimulatedSystemEventsRequest import (
    CancelSimulatedSystemEventsRequest,
)
from aliyunsdkecs.request.v20140526.CreateSimulatedSystemEventsRequest import (
    CreateSimulatedSystemEventsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

from pytest_ecs_events import EcsSimulator, EventState, Transition
from pytest_ecs_events.api.messages import ApiRequest

THREADS = 8
OPS_PER_THREAD = 300
QUOTA = 40
INSTANCES = [f"i-t{n}" for n in range(8)]
TYPES = ["SystemMaintenance.Reboot", "SystemMaintenance.Stop", "SystemFailure.Reboot"]
ACTIVE_STATES = ("Scheduled", "Executing", "Inquiring")


class Outcome:
    """What one call answered: (ok, code, body); SDK errors become (False, code, {})."""

    def __init__(self, ok: bool, code: str | None, status: int, body: dict[str, Any]) -> None:
        self.ok, self.code, self.status, self.body = ok, code, status, body


class Worker:
    """One thread's clients and its own random stream."""

    def __init__(self, sim: EcsSimulator, seed: int) -> None:
        self.sim = sim
        self.rng = random.Random(seed)
        self.legacy = AcsClient("AK", "SECRET", sim.region)
        self.new = NewClient(Config(access_key_id="AK", access_key_secret="SECRET",
                                    region_id=sim.region))  # fmt: skip
        self.outcomes: list[tuple[str, Outcome]] = []
        self.created: list[str] = []
        self.api_calls = 0

    # -- the three paths ----------------------------------------------------------------------
    def via_legacy(self, request: Any) -> Outcome:
        self.api_calls += 1
        try:
            body = json.loads(self.legacy.do_action_with_exception(request))
        except ServerException as exc:
            return Outcome(False, exc.get_error_code(), exc.get_http_status(), {})
        return Outcome(True, None, 200, body)

    def via_new(self, call: Callable[[], Any]) -> Outcome:
        self.api_calls += 1
        try:
            response = call()
        except ClientException as exc:
            return Outcome(False, exc.code, exc.status_code, {})
        return Outcome(True, None, 200, response.body.to_map())

    def via_handle(self, params: dict[str, str]) -> Outcome:
        self.api_calls += 1
        response = self.sim.handle(ApiRequest(params=params, host=self.sim.endpoint))
        body = dict(response.body)
        ok = response.status == 200
        return Outcome(ok, None if ok else body["Code"], response.status, body)

    def path(self) -> str:
        return self.rng.choice(["legacy", "new", "handle"])

    # -- operations ---------------------------------------------------------------------------
    def create(self) -> Outcome:
        event_type = self.rng.choice(TYPES)
        ids = self.rng.sample(INSTANCES, self.rng.randint(1, 3))
        offset = timedelta(minutes=self.rng.randint(1, 240))
        not_before = (self.sim.now + offset).strftime("%Y-%m-%dT%H:%M:%SZ")
        path = self.path()
        if path == "legacy":
            request = CreateSimulatedSystemEventsRequest()
            request.set_EventType(event_type)
            request.set_NotBefore(not_before)
            request.set_InstanceIds(ids)
            outcome = self.via_legacy(request)
        elif path == "new":
            outcome = self.via_new(lambda: self.new.create_simulated_system_events(
                ecs_models.CreateSimulatedSystemEventsRequest(
                    region_id=self.sim.region, event_type=event_type, not_before=not_before,
                    instance_id=ids)))  # fmt: skip
        else:
            params = {"Action": "CreateSimulatedSystemEvents", "RegionId": self.sim.region,
                      "EventType": event_type, "NotBefore": not_before}  # fmt: skip
            params.update({f"InstanceId.{n}": i for n, i in enumerate(ids, 1)})
            outcome = self.via_handle(params)
        if outcome.ok:
            event_ids = outcome.body["EventIdSet"]["EventId"]
            assert len(event_ids) == len(ids)
            self.created.extend(event_ids)
        return outcome

    def cancel(self, known: list[str]) -> Outcome:
        ids = self.rng.sample(known, min(len(known), self.rng.randint(1, 3))) or ["e-none"]
        path = self.path()
        if path == "legacy":
            request = CancelSimulatedSystemEventsRequest()
            request.set_EventIds(ids)
            return self.via_legacy(request)
        if path == "new":
            return self.via_new(lambda: self.new.cancel_simulated_system_events(
                ecs_models.CancelSimulatedSystemEventsRequest(region_id=self.sim.region,
                                                              event_id=ids)))  # fmt: skip
        params = {"Action": "CancelSimulatedSystemEvents", "RegionId": self.sim.region}
        params.update({f"EventId.{n}": i for n, i in enumerate(ids, 1)})
        return self.via_handle(params)

    def reboot(self) -> Outcome:
        instance_id = self.rng.choice(INSTANCES)
        path = self.path()
        if path == "legacy":
            request = RebootInstanceRequest()
            request.set_InstanceId(instance_id)
            return self.via_legacy(request)
        if path == "new":
            return self.via_new(lambda: self.new.reboot_instance(
                ecs_models.RebootInstanceRequest(instance_id=instance_id)))  # fmt: skip
        return self.via_handle({"Action": "RebootInstance", "InstanceId": instance_id})

    def describe(self) -> Outcome:
        states = self.rng.sample(["Scheduled", "Executing", "Executed", "Avoided", "Canceled"], 2)
        path = self.path()
        if path == "legacy":
            request = DescribeInstanceHistoryEventsRequest()
            request.set_InstanceEventCycleStatuss(states)
            request.set_PageSize(100)
            outcome = self.via_legacy(request)
        elif path == "new":
            outcome = self.via_new(lambda: self.new.describe_instance_history_events(
                ecs_models.DescribeInstanceHistoryEventsRequest(
                    region_id=self.sim.region, instance_event_cycle_status=states,
                    page_size=100)))  # fmt: skip
        else:
            params = {"Action": "DescribeInstancesFullStatus", "RegionId": self.sim.region,
                      "PageSize": "100"}  # fmt: skip
            return self.via_handle(params)
        if outcome.ok:
            rows = outcome.body["InstanceSystemEventSet"]["InstanceSystemEventType"]
            assert all(r["EventCycleStatus"]["Name"] in states for r in rows)
        return outcome

    def run(self, shared: list[str], lock: threading.Lock) -> None:
        for _ in range(OPS_PER_THREAD):
            roll = self.rng.random()
            if roll < 0.30:
                outcome = self.create()
                if outcome.ok:
                    with lock:
                        shared.extend(outcome.body["EventIdSet"]["EventId"])
                name = "create"
            elif roll < 0.50:
                with lock:
                    known = list(shared[-50:])
                outcome, name = self.cancel(known), "cancel"
            elif roll < 0.65:
                outcome, name = self.reboot(), "reboot"
            elif roll < 0.92:
                outcome, name = self.describe(), "describe"
            else:
                # Holding the simulation's (re-entrant) lock makes the relative advance atomic;
                # without it concurrent advance() calls fail or lose time (see the test below).
                with self.sim.simulation.lock:
                    self.sim.advance(minutes=self.rng.randint(1, 20))
                continue
            self.outcomes.append((name, outcome))


@pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", instances=INSTANCES,
                     credentials={"AK": "SECRET"}, seed=3)  # fmt: skip
def test_eight_threads_keep_every_invariant(ecs_sim: EcsSimulator) -> None:
    ecs_sim.simulation.config.scheduled_quota = QUOTA
    store = ecs_sim.simulation.store
    peak = [0]
    order_errors: list[str] = []

    def watch(change: object) -> None:  # runs under the simulation's lock
        if isinstance(change, Transition):
            peak[0] = max(peak[0], store.count([EventState.Scheduled], simulated=True))
            if change.time != ecs_sim.now:
                order_errors.append(f"{change} applied at {ecs_sim.now}")

    ecs_sim.on_change(watch)
    workers = [Worker(ecs_sim, seed) for seed in range(THREADS)]
    shared: list[str] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def target(worker: Worker) -> None:
        try:
            worker.run(shared, lock)
        except BaseException as exc:  # reported below, with the thread's traceback lost
            failures.append(exc)

    threads = [threading.Thread(target=target, args=(w,)) for w in workers]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, to make races likely
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        sys.setswitchinterval(interval)
    assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
    assert not failures, failures
    assert not ecs_sim.internal_errors, ecs_sim.internal_errors

    outcomes = [o for w in workers for o in w.outcomes]
    assert all(o.status < 500 for _, o in outcomes), [
        o.code for _, o in outcomes if o.status >= 500
    ]
    codes = Counter((name, o.code) for name, o in outcomes)
    # The run did exercise the interesting paths.
    assert codes[("create", None)] > 50
    assert codes[("create", "SimulatedEventLimitExceeded")] > 0
    assert codes[("cancel", None)] > 0
    assert codes[("reboot", None)] > 0
    assert not {code for _, code in codes} & {"SignatureNonceUsed", "SignatureDoesNotMatch"}

    # Quota: never more than QUOTA simulated events Scheduled at once.
    assert peak[0] <= QUOTA
    assert store.count([EventState.Scheduled], simulated=True) <= QUOTA

    # No lost updates: every successful create is in the store, nothing else is.
    created = [e for w in workers for e in w.created]
    assert len(created) == len(set(created))
    events = ecs_sim.events()
    assert sorted(created) == sorted(e.event_id for e in events)
    assert len(ecs_sim.calls) == sum(w.api_calls for w in workers)

    # Each event in exactly one state index, the one of its state.
    for event in events:
        holders = [s for s in EventState if event in list(store.events_in_state(s))]
        assert holders == [event.state], (event, holders)
    assert sum(len(list(store.events_in_state(s))) for s in EventState) == len(events)
    for state in EventState:
        assert store.count([state]) == sum(1 for e in events if e.state is state)

    # Histories: creation first, in time order, no repeated state, ending in the state.
    for event in events:
        times = [t for t, _ in event.history]
        states = [s for _, s in event.history]
        assert times == sorted(times), event.history
        assert states[0] in (EventState.Scheduled, EventState.Executing)
        assert states[-1] is event.state
        assert all(a is not b for a, b in itertools.pairwise(states)), event.history
        if event.state is EventState.Avoided:
            assert event.event_type == "SystemMaintenance.Reboot"
    assert not order_errors, order_errors[:3]


@pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z")
def test_concurrent_relative_advances_add_up(ecs_sim: EcsSimulator) -> None:
    """``advance(by)`` from several threads: every step counts, none fails.

    Reproduces a race in ``EcsSimulator.advance``: it reads ``now`` and computes the target
    outside the simulation's lock, so a concurrent advance in between makes the target lie
    in the past (``ValueError: the virtual clock cannot go backwards``) or makes two steps
    land on the same target (time lost).
    """
    start = ecs_sim.now
    steps, threads_count = 300, 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_count)

    def work() -> None:
        barrier.wait()
        for _ in range(steps):
            try:
                ecs_sim.advance(seconds=1)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a loaded machine would
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert not errors, f"{len(errors)} advance() calls failed, first: {errors[0]!r}"
    assert ecs_sim.now - start == timedelta(seconds=steps * threads_count)
