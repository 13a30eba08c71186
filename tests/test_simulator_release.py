"""A simulator's account is freed when nobody holds it, without the cyclic collector; the
parts that hold the account back (the MNS service, Cloud Assistant, load balancers) are
made on first use, as they were made before."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from pytest_ecs_events.simulator import EcsSimulator

START = "2025-01-01T00:00:00Z"


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_stopped_simulator_nobody_holds_is_freed_at_once(no_cyclic_gc: None) -> None:
    sim = EcsSimulator(now=START, instances=["i-1"], seed=3)
    sim.create_events("SystemMaintenance.Reboot", "i-1", "+2h")
    with sim:
        sim.advance("3h")
        assert sim.events()[0].state == "Executed"
        assert sim.invocations == []
    gone = weakref.ref(sim), weakref.ref(sim.simulation), weakref.ref(sim.api)
    del sim
    assert [ref() for ref in gone] == [None, None, None]


def test_a_started_simulator_stays_reachable_while_started(no_cyclic_gc: None) -> None:
    sim = EcsSimulator(now=START, instances=["i-1"]).start()
    ref = weakref.ref(sim)
    del sim
    alive = ref()
    assert alive is not None  # the interception holds it: SDK calls are still answered
    alive.stop()


def test_the_mns_service_is_made_on_first_use_with_the_credentials_given_at_start() -> None:
    given = {"ak": "secret"}
    sim = EcsSimulator(now=START, credentials=given)
    at_start = sim.credentials
    with sim:
        assert sim._mns_service is None  # not built by start()
        sim.credentials = {"other": "secret"}
        assert sim.mns.credentials is at_start
        assert sim.mns is sim.mns
    unstarted = EcsSimulator(now=START, credentials=given)
    unstarted.credentials = later = {"later": "secret"}
    assert unstarted.mns.credentials is later


def test_mns_requests_are_answered_by_the_service_made_on_the_first_one() -> None:
    pytest.importorskip("mns")
    from mns.account import Account
    from mns.queue import QueueMeta

    sim = EcsSimulator(now=START, credentials={"ak": "secret"})
    with sim:
        account = Account(sim.mns_endpoint, "ak", "secret")
        try:
            account.get_queue("events").create(QueueMeta())
        finally:
            account.mns_client.close_connection()
        assert sim._mns_service is not None
        assert [q.name for q in sim.queues] == ["events"]


def test_cloud_assistant_and_load_balancers_are_made_on_first_use_seeded_as_before() -> None:
    def ids(change_seed: bool) -> tuple[str, list[str]]:
        sim = EcsSimulator(now=START, instances=["i-1"], seed=11)
        assert sim.simulation._cloud_assistant is None
        assert sim.simulation._load_balancers is None
        if change_seed:
            sim.simulation.config.seed = 12  # after the account was made: not the store's
        lb = sim.add_load_balancer(backends=["i-1"])
        sim.set_cloud_assistant("i-1", installed=False)
        assert sim.simulation.cloud_assistant is sim.simulation.cloud_assistant
        return lb.load_balancer_id, sorted(sim.simulation.cloud_assistant.without_agent)

    assert ids(change_seed=True) == ids(change_seed=False)
    assert ids(change_seed=False)[1] == ["i-1"]
