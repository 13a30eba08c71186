"""The account's random generator: a seed's draws are ``random.Random(seed)``'s; without a
seed the accounts share the process's unseeded generator (reseeded in a forked child), and
still each draws other ids."""

from __future__ import annotations

import random
from datetime import datetime, timezone

from pytest_ecs_events.core.simulation import Simulation, SimulationConfig, _new_rng

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_a_seeded_generator_draws_what_random_random_of_the_seed_draws() -> None:
    for seed in (0, 7, 2**70):
        ours, reference = _new_rng(seed), random.Random(seed)
        assert [ours.getrandbits(32) for _ in range(50)] == [
            reference.getrandbits(32) for _ in range(50)
        ]


def test_unseeded_accounts_draw_different_ids() -> None:
    ids = {
        Simulation(now=NOW, config=SimulationConfig()).add_instance().instance_id for _ in range(20)
    }
    assert len(ids) == 20


def test_seeded_accounts_draw_the_same_ids_and_addresses() -> None:
    def first(seed: int) -> tuple[str, str]:
        instance = Simulation(now=NOW, config=SimulationConfig(seed=seed)).add_instance()
        return instance.instance_id, repr(instance)

    assert first(5) == first(5)
    assert first(5) != first(6)


def test_unseeded_accounts_in_threads_draw_different_ids() -> None:
    import threading

    ids: list[str] = []

    def make() -> None:
        for _ in range(50):
            sim = Simulation(now=NOW, config=SimulationConfig())
            ids.append(sim.add_instance().instance_id)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 200
    assert len(set(ids)) == 200


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    import os

    import pytest

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first unseeded id, to the parent
        try:
            child = Simulation(now=NOW, config=SimulationConfig()).add_instance().instance_id
            os.write(write, child.encode())
        finally:
            os._exit(0)
    os.close(write)
    parent = Simulation(now=NOW, config=SimulationConfig()).add_instance().instance_id
    with os.fdopen(read, "rb") as pipe:
        child_id = pipe.read().decode()
    os.waitpid(pid, 0)
    assert child_id.startswith("i-")
    assert child_id != parent
