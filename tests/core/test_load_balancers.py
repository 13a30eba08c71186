"""Load balancers, backends and backend health on the virtual clock (core/load_balancers.py)."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import pytest

from pytest_ecs_events.core.catalog import InstanceStatus
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.load_balancers import (
    DEFAULT_HEALTH_CHECK,
    BackendChange,
    BackendSpec,
    HealthCheck,
    LoadBalancer,
)
from pytest_ecs_events.core.simulation import Simulation
from pytest_ecs_events.core.timeline import Timeline, subject_of
from tests.helpers.simulation import SEC, T0

CHECK = DEFAULT_HEALTH_CHECK


def _lb(sim: Simulation, **kwargs: Any) -> LoadBalancer:
    spec: dict[str, Any] = {
        "name": "web",
        "region": "cn-hangzhou",
        "zone": "cn-hangzhou-g",
        "listeners": [(80, "tcp", None, 80, CHECK), (8080, "http", "api", 8080, CHECK)],
        "backends": [("i-a", 100), ("i-b", 50)],
        "vserver_groups": {"api": [("i-a", 100, 8080), ("i-b", 100, 8080)]},
    }
    spec.update(kwargs)
    if not spec["vserver_groups"] and "listeners" not in kwargs:
        spec["listeners"] = [(80, "tcp", None, 80, CHECK)]
    return sim.load_balancers.create(**spec)


#: Each test simulation's backend changes, as an observer (the plugin's recorder) sees them.
_LOGS: WeakKeyDictionary[Simulation, list[BackendChange]] = WeakKeyDictionary()


@pytest.fixture
def sim(sim: Simulation) -> Simulation:
    log: list[BackendChange] = []
    _LOGS[sim] = log
    sim.observers.append(lambda c: log.append(c) if isinstance(c, BackendChange) else None)
    return sim


def _changes(sim: Simulation, change: str | None = None) -> list[BackendChange]:
    return [c for c in _LOGS[sim] if change is None or c.change == change]


def _health(sim: Simulation, lb: LoadBalancer, instance_id: str) -> set[str]:
    return {entry.status for key, entry in lb.health.items() if key[2] == instance_id}


def test_setup_backends_start_in_their_instances_state(sim: Simulation) -> None:
    sim.stop_instance("i-b")
    sim.advance_to(T0 + 60 * SEC)
    lb = _lb(sim)
    assert _health(sim, lb, "i-a") == {"normal"}
    assert _health(sim, lb, "i-b") == {"abnormal"}
    snapshot = sim.load_balancers.snapshot(lb.load_balancer_id)
    assert [(b.server_id, b.weight, dict(b.health)) for b in snapshot.backends] == [
        ("i-a", 100, {80: "normal"}), ("i-b", 50, {80: "abnormal"}),
    ]  # fmt: skip
    group = snapshot.vserver_groups["api"]
    assert group.vserver_group_id.startswith("rsp-")
    assert [dict(b.health) for b in group.backends] == [{8080: "normal"}, {8080: "abnormal"}]
    added = _changes(sim, "added")
    assert len(added) == 4
    assert {c.cause for c in added} == {"add_load_balancer"}


def test_a_reboot_is_noticed_after_interval_times_threshold_and_recovers(sim: Simulation) -> None:
    lb = _lb(sim)
    start = sim.now
    sim.reboot_instance("i-a")  # Stopping now, Starting +5 s, Running +10 s
    sim.advance_to(start + 5 * SEC)
    assert _health(sim, lb, "i-a") == {"normal"}  # not noticed yet (2 s x 3)
    sim.advance_to(start + 6 * SEC)
    assert _health(sim, lb, "i-a") == {"abnormal"}
    sim.advance_to(start + 15 * SEC)
    assert _health(sim, lb, "i-a") == {"abnormal"}  # running again at +10 s, checked 2 s x 3
    sim.advance_to(start + 16 * SEC)
    assert _health(sim, lb, "i-a") == {"normal"}
    health = _changes(sim, "health")
    assert [(c.time - start, c.old, c.new, c.listener_port) for c in health] == [
        (6 * SEC, "normal", "abnormal", 80), (6 * SEC, "normal", "abnormal", 8080),
        (16 * SEC, "abnormal", "normal", 80), (16 * SEC, "abnormal", "normal", 8080),
    ]  # fmt: skip
    assert {c.instance_id for c in health} == {"i-a"}
    assert _health(sim, lb, "i-b") == {"normal"}


def test_an_outage_shorter_than_the_check_is_never_seen(sim: Simulation) -> None:
    lb = _lb(
        sim,
        listeners=[(80, "tcp", None, 80, HealthCheck(interval=5, unhealthy_threshold=3))],
        vserver_groups={},
    )
    start = sim.now
    sim.reboot_instance("i-a")  # down for 10 s, the check needs 15 s
    sim.advance_to(start + 60 * SEC)
    assert _health(sim, lb, "i-a") == {"normal"}
    assert _changes(sim, "health") == []


def test_a_stopped_instance_stays_abnormal_and_its_weight_is_kept(sim: Simulation) -> None:
    lb = _lb(sim, vserver_groups={}, listeners=[(80, "tcp", None, 80, CHECK)])
    sim.stop_instance("i-b")
    sim.advance_to(sim.now + 3600 * SEC)
    assert _health(sim, lb, "i-b") == {"abnormal"}
    assert lb.backends["i-b"].weight == 50
    (change,) = _changes(sim, "health")
    assert (change.instance_id, change.weight, change.vserver_group_id) == ("i-b", 50, "")


def test_backends_added_by_the_api_are_unavailable_until_checked(sim: Simulation) -> None:
    lb = _lb(sim, backends=[], vserver_groups={}, listeners=[(80, "tcp", None, 80, CHECK)])
    sim.load_balancers.add_backends(lb, [BackendSpec("i-c", 30)], "AddBackendServers")
    assert _health(sim, lb, "i-c") == {"unavailable"}
    sim.advance_to(sim.now + 6 * SEC)
    assert _health(sim, lb, "i-c") == {"normal"}
    assert [(c.change, c.new) for c in _changes(sim)] == [("added", "30"), ("health", "normal")]


def test_only_running_instances_of_the_region_can_join(sim: Simulation) -> None:
    lb = _lb(sim, backends=[], vserver_groups={})
    sim.stop_instance("i-c")
    for server in ("i-c", "i-bj", "i-nope"):
        with pytest.raises(EcsApiError) as err:
            sim.load_balancers.add_backends(lb, [BackendSpec("i-a"), BackendSpec(server)], "x")
        assert (err.value.code, err.value.status) == ("ObtainIpFail", 400)
    assert lb.backends == {}  # all or nothing


def test_a_server_given_twice_is_added_once_an_existing_one_is_refused(sim: Simulation) -> None:
    lb = _lb(sim, backends=[], vserver_groups={})
    sim.load_balancers.add_backends(lb, [BackendSpec("i-a", 10), BackendSpec("i-a", 20)], "x")
    assert lb.backends["i-a"].weight == 10
    with pytest.raises(EcsApiError, match="already exists"):
        sim.load_balancers.add_backends(lb, [BackendSpec("i-a")], "x")


def test_weights_and_removal_are_recorded(sim: Simulation) -> None:
    lb = _lb(sim)
    store = sim.load_balancers
    store.set_weights(lb, [BackendSpec("i-a", 0)], "SetBackendServers")
    group_id = next(iter(lb.vserver_groups))
    group = lb.vserver_groups[group_id]
    store.modify_group_backends(
        lb, group, [BackendSpec("i-a", port=8080)], [BackendSpec("i-a", 0, 8080)], "Modify"
    )
    store.remove_group_backends(lb, group, [BackendSpec("i-b", port=8080)], "Remove")
    store.remove_group_backends(lb, group, [BackendSpec("i-c", port=8080)], "ignored")
    weights = [(c.vserver_group_id, c.old, c.new) for c in _changes(sim, "weight")]
    assert weights == [("", "100", "0"), (group_id, "100", "0")]
    (removed,) = _changes(sim, "removed")
    assert (removed.instance_id, removed.port, removed.weight) == ("i-b", 8080, 0)
    assert all(b.weight == 0 for b in store.backends_of("i-a"))
    with pytest.raises(EcsApiError, match="does not exist"):
        store.set_weights(lb, [BackendSpec("i-c", 5)], "x")


def test_a_removed_backend_has_no_pending_verdict(sim: Simulation) -> None:
    lb = _lb(sim, vserver_groups={}, listeners=[(80, "tcp", None, 80, CHECK)])
    sim.stop_instance("i-a")
    sim.load_balancers.remove_backends(lb, [BackendSpec("i-a")], "x")
    sim.advance_to(sim.now + 60 * SEC)
    assert _changes(sim, "health") == []
    assert sim.load_balancers.backends_of("i-a") == []


def test_a_released_instance_leaves_its_load_balancers(sim: Simulation) -> None:
    lb = _lb(sim)
    sim.delete_instance("i-b", force=True)
    assert "i-b" not in lb.backends
    removed = _changes(sim, "removed")
    assert {(c.instance_id, c.cause) for c in removed} == {("i-b", "released")}
    assert len(removed) == 2


def test_lookups_refuse_unknown_ids_and_other_regions(sim: Simulation) -> None:
    lb = _lb(sim)
    with pytest.raises(EcsApiError) as err:
        sim.load_balancers.get(lb.load_balancer_id, "cn-beijing")
    assert (err.value.code, err.value.status) == ("InvalidLoadBalancerId.NotFound", 404)
    with pytest.raises(EcsApiError) as err:
        sim.load_balancers.group("rsp-nope")
    assert (err.value.code, err.value.status) == ("InvalidParameter", 404)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"backends": [("i-a", 101)]}, "weight"),
        ({"backends": [("i-bj", 100)]}, "region"),
        ({"backends": [("i-a", 1), ("i-a", 2)]}, "twice"),
        ({"listeners": [(80, "tcp", None, 80, CHECK)] * 2}, "differ"),
        ({"listeners": [(0, "tcp", None, 80, CHECK)]}, "1-65535"),
        ({"listeners": [(80, "tcp", "nope", 80, CHECK)]}, "nope"),
        ({"vserver_groups": {"api": [("i-a", 1, 70000)]}}, "1-65535"),
    ],
)
def test_setup_is_checked(sim: Simulation, change: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        _lb(sim, **change)
    assert sim.load_balancers.balancers == {}


def test_health_check_settings_are_range_checked() -> None:
    with pytest.raises(ValueError, match="interval"):
        HealthCheck(interval=0)
    with pytest.raises(ValueError, match="healthy_threshold"):
        HealthCheck(healthy_threshold=11)


def test_accounts_without_load_balancers_do_not_watch_instances(sim: Simulation) -> None:
    assert sim.load_balancers._observe not in sim.observers
    _lb(sim)
    assert sim.observers.count(sim.load_balancers._observe) == 1
    _lb(sim, name="second")
    assert sim.observers.count(sim.load_balancers._observe) == 1


def test_changes_are_notified_and_print(sim: Simulation) -> None:
    seen: list[Any] = []
    sim.observers.append(seen.append)
    _lb(sim, vserver_groups={}, listeners=[(80, "tcp", None, 80, CHECK)])
    sim.reboot_instance("i-a")
    sim.advance_to(sim.now + 20 * SEC)
    backend = [c for c in seen if c.kind in ("backend", "weight")]
    assert [c.change for c in backend] == ["added", "added", "health", "health"]
    # health verdicts and traffic are two kinds, each with its own value
    assert [(c.kind, c.value) for c in backend] == [
        ("weight", "100"), ("weight", "50"), ("backend", "abnormal"), ("backend", "normal")
    ]  # fmt: skip
    assert "i-a in lb-" in str(backend[2])
    assert "normal -> abnormal" in str(backend[2])
    assert sim.get_instance("i-a").status is InstanceStatus.Running


def test_each_backend_and_listener_is_its_own_timeline_subject(sim: Simulation) -> None:
    """An instance twice in one vServer group (two ports), checked by two listeners of
    different speeds: the timeline tells each backend's weight, and each listener's verdict,
    apart (one subject for them all would show only the latest)."""
    fast = HealthCheck(interval=1, healthy_threshold=3, unhealthy_threshold=3)
    lb = _lb(
        sim,
        listeners=[(80, "tcp", "api", 8080, CHECK), (81, "tcp", "api", 8080, fast)],
        backends=[],
        vserver_groups={"api": [("i-a", 100, 8080), ("i-a", 100, 8081)]},
    )
    store = sim.load_balancers
    group_id = next(iter(lb.vserver_groups))
    group = lb.vserver_groups[group_id]
    start = sim.now
    store.modify_group_backends(
        lb, group, [BackendSpec("i-a", port=8080)], [BackendSpec("i-a", 0, 8080)], "Modify"
    )
    sim.reboot_instance("i-a")  # abnormal at +3 s (81) and +6 s (80), normal at +13 s, +16 s
    sim.advance_to(start + 14 * SEC)
    t = Timeline(_changes(sim), start=start, end=sim.now)

    where = f"{lb.load_balancer_id}/{group_id}"
    assert t.values_at(sim.now, kind="weight", instance="i-a") == {
        f"{where}:8080": "0", f"{where}:8081": "100",  # port 8081 still gets traffic
    }  # fmt: skip
    assert t.values_at(sim.now, kind="backend", instance="i-a") == {
        f"{where}:8080@80": "abnormal", f"{where}:8081@80": "abnormal",
        f"{where}:8080@81": "normal", f"{where}:8081@81": "normal",
    }  # fmt: skip
    assert t.most_at_once("backend", value="abnormal") == 4
    # The default server group: the load balancer alone, and its listener for health.
    plain = _lb(sim, listeners=[(80, "tcp", None, 80, CHECK)], vserver_groups={})
    added = [c for c in _changes(sim, "added") if c.load_balancer_id == plain.load_balancer_id]
    assert {subject_of(c) for c in added} == {plain.load_balancer_id}
