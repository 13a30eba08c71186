"""Each instance's statuses while a server serves the account (status_log.py): seeded from
the current statuses, recording only while attached, bounded, following a reset."""

from __future__ import annotations

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.status_log import StatusLog
from tests.helpers.simulators import START


def statuses(log: StatusLog, instance_id: str) -> list[str]:
    return [s["status"] for s in log.lanes().get(instance_id, [])]


def test_seeded_then_recording_while_attached() -> None:
    sim = EcsSimulator(now=START, instances=["i-a"])
    sim.stop_instance("i-a")
    sim.advance("1m")
    log = StatusLog()
    log.attach(sim.simulation)
    assert log.lanes() == {"i-a": [{"time": START, "status": "Stopped"}]}
    sim.start_instance("i-a")
    sim.add_instance("i-b")
    sim.advance("1m")
    assert statuses(log, "i-a") == ["Stopped", "Starting", "Running"]
    assert log.lanes()["i-a"][1]["time"] == "2030-01-01T00:01:00Z"
    assert statuses(log, "i-b") == ["Running"]
    observers = len(sim.simulation.observers)
    log.detach()
    assert len(sim.simulation.observers) == observers - 1
    sim.reboot_instance("i-a")
    assert statuses(log, "i-a") == ["Stopped", "Starting", "Running"]  # no longer recording
    log.detach()  # twice is fine


def test_bounded_oldest_first_out() -> None:
    sim = EcsSimulator(now=START, instances=["i-a"])
    log = StatusLog(max_changes=4)
    log.attach(sim.simulation)
    for _ in range(3):
        sim.reboot_instance("i-a")
        sim.advance("1m")
    # the seed and nine changes happened; the last four are kept
    assert statuses(log, "i-a") == ["Running", "Stopping", "Starting", "Running"]


def test_the_server_attaches_at_start_detaches_at_stop_and_follows_a_reset() -> None:
    sim = EcsSimulator(now=START, instances=["i-a"])
    fresh = EcsSimulator(now=START, instances=["i-z"])
    server = EcsServer(sim, factory=lambda: fresh)
    before = len(sim.simulation.observers)
    with server:
        assert len(sim.simulation.observers) == before + 1
        assert set(server.status_log.lanes()) == {"i-a"}
        server.reset_account()
        assert len(sim.simulation.observers) == before
        assert set(server.status_log.lanes()) == {"i-z"}
        fresh.reboot_instance("i-z")
        assert statuses(server.status_log, "i-z") == ["Running", "Stopping"]
    assert fresh.simulation.observers.count(server.status_log._observe) == 0
