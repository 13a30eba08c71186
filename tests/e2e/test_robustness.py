"""Robustness: callers' bugs and edge values never corrupt the simulation or reach the SDK."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from pytest_ecs_events import EcsApiError, EcsSimulator, EventState
from pytest_ecs_events.core import DEFAULT_CATALOG, Transition

START = "2024-05-01T00:00:00Z"


def test_a_raising_observer_does_not_half_apply_a_change() -> None:
    sim = EcsSimulator(now=START, instances=["i-1", "i-2"], seed=1)
    events = sim.create_events("SystemMaintenance.Reboot", ["i-1", "i-2"], "+1h")

    def broken(change: object) -> None:
        raise RuntimeError("observer bug")

    sim.on_change(broken)
    sim.cancel_events([e.event_id for e in events])
    assert [e.state for e in events] == [EventState.Canceled, EventState.Canceled]
    (created,) = sim.create_events("SystemMaintenance.Reboot", "i-1", "+1h")
    sim.advance("2h")
    assert created.state == EventState.Executed  # its timer was set despite the observer
    assert len(sim.simulation.observer_errors) >= 3


def test_a_raising_call_observer_never_reaches_the_caller() -> None:
    sim = EcsSimulator(now=START, seed=1)
    sim.on_call(lambda call: 1 / 0)
    body = sim.call("DescribeRegions")
    assert body["Regions"]["Region"]
    assert isinstance(sim.internal_errors[0], ZeroDivisionError)


def test_observer_errors_fail_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        def pytest_ecs_events_transition(transition, simulator):
            raise ValueError("hook bug")
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_event("SystemFailure.Reboot", instance="i-1", not_before="+1m")
        def test_it(ecs_sim):
            ecs_sim.advance("2m")
            assert ecs_sim.events()[0].state == "Executed"
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*change observer(s)*ValueError: hook bug*"])


def test_the_shared_catalog_cannot_be_changed_in_place() -> None:
    sim = EcsSimulator(now=START)
    with pytest.raises(TypeError):
        sim.catalog.state_codes[EventState.Scheduled] = (99, True)  # type: ignore[index]
    with pytest.raises(TypeError):
        DEFAULT_CATALOG.event_types["X"] = DEFAULT_CATALOG.spec("SystemFailure.Reboot")  # type: ignore[index]
    assert DEFAULT_CATALOG.state_code(EventState.Scheduled) == 24


def test_instance_tags_are_read_only() -> None:
    sim = EcsSimulator(now=START)
    instance = sim.add_instance("i-1", tags={"env": "test"})
    with pytest.raises(TypeError):
        instance.tags["env"] = "prod"  # type: ignore[index]
    assert dict(instance.tags) == {"env": "test"}


def test_reboot_instances_honours_the_region() -> None:
    sim = EcsSimulator(now=START, instances=["i-hz"], seed=1)
    sim.add_instance("i-bj", region="cn-beijing")
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-bj", "+1h", region="cn-beijing")
    with pytest.raises(EcsApiError) as raised:
        sim.call("RebootInstances", RegionId="cn-hangzhou", **{"InstanceId.1": "i-bj"})
    assert (raised.value.code, raised.value.status) == ("InvalidInstanceIds.NotFound", 404)
    assert event.state == EventState.Scheduled


def test_id_limits_count_the_ids_as_sent() -> None:
    sim = EcsSimulator(now=START, instances=[f"i-{n}" for n in range(100)], seed=1)
    ids = [f"i-{n}" for n in range(100)] + ["i-0"]  # 101 ids, one repeated
    with pytest.raises(EcsApiError) as raised:
        sim.create_events("SystemMaintenance.Reboot", ids, "+1h")
    assert raised.value.code == "InstanceIdLimitExceeded"
    assert sim.events() == []


def test_far_future_times_are_refused_cleanly() -> None:
    sim = EcsSimulator(now=START, instances=["i-1"], seed=1)
    with pytest.raises(EcsApiError) as raised:
        sim.call(
            "CreateSimulatedSystemEvents", RegionId=sim.region, EventType="SystemFailure.Reboot",
            NotBefore="9999-12-31T23:59:50Z", **{"InstanceId.1": "i-1"},
        )  # fmt: skip
    assert (raised.value.code, raised.value.status) == ("InvalidParameter", 403)
    with pytest.raises(ValueError, match="stops at"):
        sim.advance(to="9999-12-31T23:59:59Z")
    assert sim.internal_errors == []


@pytest.mark.parametrize(
    ("args", "kwargs", "shown"),
    [
        ((), {"days": 2910982}, "days=2910982"),
        (("100000000d",), {}, "'100000000d'"),
        ((timedelta(days=999_999_999),), {}, "days=999999999"),
        ((), {"days": 1e20}, "days=1e+20"),
        ((), {"hours": 1e300}, "hours=1e+300"),
    ],
)
def test_an_advance_past_the_end_of_time_is_a_clear_error(
    args: tuple[object, ...], kwargs: dict[str, float], shown: str
) -> None:
    """Not a bare OverflowError: a ValueError naming the value and the latest time."""
    sim = EcsSimulator(now="2030-01-01T00:00:00Z", instances=["i-1"])
    with pytest.raises(ValueError) as raised:
        sim.advance(*args, **kwargs)  # type: ignore[arg-type]
    assert not isinstance(raised.value, OverflowError)
    assert shown in str(raised.value)
    assert "9000-01-01T00:00:00Z" in str(raised.value)
    assert str(sim.now) == "2030-01-01 00:00:00+00:00"  # nothing moved
    sim.advance(days=1)  # and the clock still works


def test_reads_and_writes_from_threads_do_not_collide() -> None:
    sim = EcsSimulator(now=START, seed=1)
    errors: list[BaseException] = []

    def writer() -> None:
        for n in range(300):
            sim.add_instance(f"i-{n}")

    def reader() -> None:
        try:
            for _ in range(300):
                sim.instances  # noqa: B018
                sim.events()
        except BaseException as exc:  # pragma: no cover - the failure being tested
            errors.append(exc)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(sim.instances) == 300


def test_advance_returns_only_event_transitions_in_time_order() -> None:
    sim = EcsSimulator(now=START, instances=["i-1"], seed=1)
    sim.create_events("SystemMaintenance.Reboot", "i-1", "+1h")
    sim.create_events("SystemFailure.Reboot", "i-1", "+10m")
    applied = sim.advance(timedelta(hours=2))
    assert all(isinstance(t, Transition) for t in applied)
    assert [t.time for t in applied] == sorted(t.time for t in applied)
    assert [t.new_state for t in applied] == ["Executed", "Executing", "Executed"]
