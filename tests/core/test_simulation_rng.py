"""The account's random generator: a seed's draws are ``random.Random(seed)``'s; without a
seed each account draws its own."""

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
