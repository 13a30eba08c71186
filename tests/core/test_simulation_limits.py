"""Limits and validation of the simulation (core/simulation.py): the quota of scheduled
simulated events, id limits, refused arguments, and refusals that leave no trace."""

from __future__ import annotations

import threading

import pytest

from pytest_ecs_events.core.clock import format_api_time
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.lifecycle import Transition
from pytest_ecs_events.core.simulation import Simulation
from tests.helpers.simulation import HOUR, MIN, SEC, T0, S, make_sim, refused, snapshot


# ========================================================================== quota / limits
def test_scheduled_quota_small() -> None:
    sim = make_sim(scheduled_quota=3)
    first = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a", "i-b"], T0 + HOUR)
    with refused(sim, "SimulatedEventLimitExceeded", 403):
        sim.create_simulated_events("SystemMaintenance.Stop", ["i-a", "i-c"], T0 + HOUR)
    [third] = sim.create_simulated_events("SystemMaintenance.Stop", ["i-c"], T0 + 2 * HOUR)
    with refused(sim, "SimulatedEventLimitExceeded", 403) as info:
        sim.create_simulated_events("SystemMaintenance.Redeploy", ["i-a"], T0 + HOUR)
    assert "3" in info.value.message
    # Failure events start Executing and do not count.
    sim.create_simulated_events("SystemFailure.Reboot", ["i-a", "i-b", "i-c"], T0 + HOUR)
    # A cancel frees a slot.
    sim.cancel_simulated_events([first[0].event_id])
    sim.create_simulated_events("SystemMaintenance.Redeploy", ["i-a"], T0 + HOUR)
    with refused(sim, "SimulatedEventLimitExceeded", 403):
        sim.create_simulated_events("SystemMaintenance.Redeploy", ["i-b"], T0 + HOUR)
    # Events leaving Scheduled at NotBefore free their slots.
    sim.advance_to(T0 + HOUR)
    assert sim.store.count([S.Scheduled], simulated=True) == 1
    assert third.state is S.Scheduled
    sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a", "i-b"], T0 + 3 * HOUR)
    assert sim.store.count([S.Scheduled], simulated=True) == 3


def test_quota_counts_the_whole_account_not_platform_events() -> None:
    sim = make_sim(scheduled_quota=2)
    sim.inject_event("SystemMaintenance.Reboot", "i-a")
    sim.inject_event("SystemMaintenance.Reboot", "i-b")
    sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR)
    sim.create_simulated_events(
        "SystemMaintenance.Reboot", ["i-bj"], T0 + HOUR, region="cn-beijing"
    )
    with refused(sim, "SimulatedEventLimitExceeded", 403):
        sim.create_simulated_events("SystemMaintenance.Reboot", ["i-c"], T0 + HOUR)


def test_real_quota_of_1000() -> None:
    sim = make_sim()
    assert sim.config.scheduled_quota == 1000
    ids = [sim.add_instance(f"i-q{n:03d}").instance_id for n in range(100)]
    for k in range(10):
        sim.create_simulated_events("SystemMaintenance.Reboot", ids, T0 + HOUR + k * SEC)
    assert sim.store.count([S.Scheduled], simulated=True) == 1000
    with refused(sim, "SimulatedEventLimitExceeded", 403):
        sim.create_simulated_events("SystemMaintenance.Stop", ["i-a"], T0 + HOUR)
    # Failure types are still accepted.
    sim.create_simulated_events("InstanceFailure.Reboot", ["i-a"], T0 + HOUR)
    some = sim.store.events_of_instance(ids[0])[0]
    sim.cancel_simulated_events([some.event_id])
    sim.create_simulated_events("SystemMaintenance.Stop", ["i-a"], T0 + HOUR)
    assert sim.store.count([S.Scheduled], simulated=True) == 1000


def test_more_than_100_instance_ids_refused(sim: Simulation) -> None:
    ids = [sim.add_instance(f"i-m{n}").instance_id for n in range(101)]
    with refused(sim, "InstanceIdLimitExceeded", 403):
        sim.create_simulated_events("SystemMaintenance.Reboot", ids, T0 + HOUR)
    assert len(sim.create_simulated_events("SystemMaintenance.Reboot", ids[:100], T0 + HOUR)) == 100


def test_not_before_in_the_past_refused(sim: Simulation) -> None:
    sim.advance_to(T0 + HOUR)
    with refused(sim, "InvalidNotBefore.Passed", 403) as info:
        sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR - SEC)
    assert format_api_time(T0 + HOUR) in info.value.message
    with refused(sim, "InvalidNotBefore.Passed", 403):
        sim.create_simulated_events("SystemFailure.Reboot", ["i-a"], T0)


@pytest.mark.parametrize(
    "ids",
    [["i-nope"], ["i-a", "i-nope"], ["i-bj"], ["i-a", "i-bj"]],
)
def test_unknown_or_other_region_instance_refused(sim: Simulation, ids: list[str]) -> None:
    with refused(sim, "InvalidInstanceId.NotFound", 404) as info:
        sim.create_simulated_events("SystemMaintenance.Reboot", ids, T0 + HOUR)
    assert ids[-1] in info.value.message


def test_instance_in_its_own_region(sim: Simulation) -> None:
    [event] = sim.create_simulated_events(
        "SystemMaintenance.Reboot", ["i-bj"], T0 + HOUR, region="cn-beijing"
    )
    assert event.region == "cn-beijing"
    assert event.event_id.startswith("e-2ze")
    with refused(sim, "InvalidInstanceId.NotFound", 404):
        sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 + HOUR,
                                    region="cn-beijing")  # fmt: skip


@pytest.mark.parametrize(
    "event_type",
    ["SystemFailure.Delete", "InstanceExpiration.Stop", "SystemMaintenance.Explode", ""],
)
def test_non_simulatable_type_refused(sim: Simulation, event_type: str) -> None:
    with refused(sim, "InvalidParameter", 403) as info:
        sim.create_simulated_events(event_type, ["i-a"], T0 + HOUR)
    assert "SystemMaintenance.Reboot" in info.value.message


def test_create_without_instances_refused(sim: Simulation) -> None:
    with refused(sim, "MissingParameter", 404):
        sim.create_simulated_events("SystemMaintenance.Reboot", [], T0 + HOUR)


def test_create_returns_one_event_per_instance_in_order(sim: Simulation) -> None:
    events = sim.create_simulated_events("SystemMaintenance.Reboot", ["i-c", "i-a"], T0 + HOUR)
    assert [e.instance_id for e in events] == ["i-c", "i-a"]
    assert len({e.event_id for e in events}) == 2


def test_refused_calls_leave_no_trace_in_later_ids_and_transitions() -> None:
    def scenario(sim: Simulation) -> list[Transition]:
        sim.create_simulated_events("SystemMaintenance.Reboot", ["i-a", "i-b"], T0 + HOUR)
        sim.create_simulated_events("SystemFailure.Stop", ["i-c"], T0 + MIN)
        return sim.advance_to(T0 + 2 * HOUR)

    clean, noisy = make_sim(seed=9), make_sim(seed=9)
    for call in (
        lambda: noisy.create_simulated_events("SystemMaintenance.Reboot", ["i-nope"], T0 + HOUR),
        lambda: noisy.create_simulated_events("SystemMaintenance.Reboot", ["i-a"], T0 - SEC),
        lambda: noisy.create_simulated_events("Bad.Type", ["i-a"], T0 + HOUR),
        lambda: noisy.cancel_simulated_events(["e-nope"]),
        lambda: noisy.start_instance("i-a"),
    ):
        with pytest.raises(EcsApiError):
            call()
    assert scenario(clean) == scenario(noisy)
    assert snapshot(clean) == snapshot(noisy)


def test_concurrent_creates_keep_counts_right() -> None:
    sim = make_sim(scheduled_quota=50)
    for n in range(40):
        sim.add_instance(f"i-t{n}")
    errors: list[str] = []

    def worker(n: int) -> None:
        for k in range(10):
            try:
                sim.create_simulated_events(
                    "SystemMaintenance.Reboot", [f"i-t{(n * 10 + k) % 40}"], T0 + HOUR
                )
            except EcsApiError as exc:
                errors.append(exc.code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sim.store.count([S.Scheduled], simulated=True) == 50
    assert len(sim.store.events) == 50
    assert errors == ["SimulatedEventLimitExceeded"] * 30
