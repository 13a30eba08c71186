"""The simulator's API layer (EcsApi, SignatureVerifier) is made by the first use that needs
it: before that, everything that reads it answers as a fresh API would."""

from __future__ import annotations

import threading

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.errors import EcsApiError


def test_a_new_simulator_reads_as_an_api_with_no_call() -> None:
    sim = EcsSimulator(now="2026-01-01T00:00:00Z")
    sim.add_instance("i-1")
    assert sim._api_if_made() is None
    assert sim.calls == []
    assert sim.internal_errors == []
    assert [type(r).__name__ for r in sim.timeline] == ["InstanceChange"]
    assert "calls=0" in repr(sim)
    assert sim._api_if_made() is None  # reading all that made nothing
    assert sim.api.calls == []
    assert sim.api.unused_faults() == []
    assert sim._api_if_made() is sim.api


def test_the_recorder_reads_the_calls_of_the_api_made_later() -> None:
    sim = EcsSimulator(now="2026-01-01T00:00:00Z")
    sim.add_instance("i-1")
    sim.call("DescribeInstances", RegionId="cn-hangzhou")
    api = sim._api_if_made()
    assert api is not None
    assert api.calls == sim.calls
    assert [c.action for c in sim.calls] == ["DescribeInstances"]
    kinds = [type(r).__name__ for r in sim.timeline]
    assert kinds == ["InstanceChange", "ApiCall"]


def test_credentials_changed_before_the_first_call_are_checked() -> None:
    sim = EcsSimulator(credentials={"AK": "SECRET"})
    sim.credentials["AK2"] = "SECRET2"  # the dict the verifier reads, as before
    assert sim._signatures.credentials == {"AK": "SECRET", "AK2": "SECRET2"}
    assert sim._api.authenticator is sim._signatures


def test_credentials_replaced_before_the_first_call_are_not_the_verifiers() -> None:
    sim = EcsSimulator(credentials={"AK": "SECRET"})
    sim.credentials = {"OTHER": "X"}  # as when the verifier was made in __init__
    assert sim._signatures.credentials == {"AK": "SECRET"}


def test_faults_queued_before_any_call_are_used() -> None:
    sim = EcsSimulator()
    sim.fail_next("DescribeInstances", code="Throttling")
    assert len(sim.api.unused_faults()) == 1
    with pytest.raises(EcsApiError) as caught:
        sim.call("DescribeInstances", RegionId="cn-hangzhou")
    assert caught.value.code == "Throttling"
    assert sim.api.unused_faults() == []


def test_two_threads_first_uses_make_one_api() -> None:
    for _ in range(20):
        sim = EcsSimulator()
        seen: list[object] = []
        barrier = threading.Barrier(4)

        def use(sim: EcsSimulator, seen: list[object], barrier: threading.Barrier) -> None:
            barrier.wait()
            seen.append(sim.api)

        threads = [threading.Thread(target=use, args=(sim, seen, barrier)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({id(a) for a in seen}) == 1
        assert seen[0] is sim.api
        assert sim._api_if_made() is sim.api


def test_a_first_call_and_a_first_mns_use_under_the_lock_do_not_deadlock() -> None:
    # One thread holds the simulation's lock and reads ``mns`` (which reads the verifier
    # under that lock) while another makes the first call (which makes the API, then takes
    # that lock). With one lock of the property's own taken first (functools.cached_property
    # up to Python 3.11) the two waited on each other for ever.
    sim = EcsSimulator()
    done: list[str] = []
    first_call = threading.Thread(
        target=lambda: (sim.call("DescribeRegions"), done.append("call")), daemon=True
    )

    def under_the_lock() -> None:
        with sim._sim.lock:
            first_call.start()
            first_call.join(0.3)  # the call is waiting for the lock by now
            assert sim.mns is not None
        done.append("mns")

    holder = threading.Thread(target=under_the_lock, daemon=True)
    holder.start()
    holder.join(10)
    first_call.join(10)
    assert sorted(done) == ["call", "mns"]
