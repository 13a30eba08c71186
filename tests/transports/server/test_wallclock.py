"""The wall-clock follower (wallclock.py): the served clock is the wall clock, plus whatever
the control API advanced, and it keeps ticking from there."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.protocols import Clocked
from pytest_ecs_events.transports.server.wallclock import WallClockFollower
from tests.helpers.http import HISTORY, get, post

UTC = timezone.utc


def test_wall_clock_follower(sim: EcsSimulator) -> None:
    wall = [datetime(2030, 1, 1, tzinfo=UTC)]
    clock = WallClockFollower(sim, wall=lambda: wall[0])
    with EcsServer(sim, clock=clock) as srv:
        wall[0] += timedelta(minutes=5)
        assert get(f"{srv.url}/_sim/clock")[1]["now"] == "2030-01-01T00:05:00Z"
        sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
        body = post(f"{srv.url}/_sim/advance", b'{"by": "2h"}')[1]
        assert body["now"] == "2030-01-01T02:05:00Z"
        assert {t["to"] for t in body["transitions"]} == {"Executing", "Executed"}
        wall[0] += timedelta(minutes=1)  # the advanced clock keeps ticking
        body = get(f"{srv.url}/_sim/clock")[1]
        assert body["now"] == "2030-01-01T02:06:00Z"
        assert body["follows_wall_clock"] is True
        assert body["offset_seconds"] == 7200.0
        get(f"{srv.url}/?{HISTORY}")
        assert sim.calls[-1].time == datetime(2030, 1, 1, 2, 6, tzinfo=UTC)


def test_sync_moves_forward_only(sim: EcsSimulator) -> None:
    wall = [datetime(2029, 12, 31, 23, 0, tzinfo=UTC)]  # behind the simulator
    follower = WallClockFollower(sim, wall=lambda: wall[0])
    follower.sync()
    assert sim.now == datetime(2030, 1, 1, tzinfo=UTC)  # never backwards
    wall[0] = datetime(2030, 1, 1, 0, 0, 5, tzinfo=UTC)
    follower.sync()
    assert sim.now == wall[0]
    assert follower.offset == timedelta(0)


def test_advance_grows_the_offset_and_reset_clears_it(sim: EcsSimulator) -> None:
    wall = [datetime(2030, 1, 1, tzinfo=UTC)]
    follower = WallClockFollower(sim, wall=lambda: wall[0])
    sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    applied = follower.advance("2h")
    assert [t.new_state for t in applied] == ["Executing", "Executed"]
    assert follower.offset == timedelta(hours=2)
    follower.advance(to="2030-01-01T03:00:00Z")
    assert follower.offset == timedelta(hours=3)
    wall[0] += timedelta(seconds=30)
    follower.sync()
    assert sim.now == datetime(2030, 1, 1, 3, 0, 30, tzinfo=UTC)

    fresh = EcsSimulator(now="2030-01-01T00:00:00Z")
    follower.reset(fresh)
    assert (follower.simulator, follower.offset) == (fresh, timedelta(0))
    follower.sync()
    assert fresh.now == wall[0]


def test_it_drives_any_clocked_account(sim: EcsSimulator) -> None:
    assert isinstance(sim, Clocked)
    assert isinstance(WallClockFollower(sim).simulator, Clocked)


def test_the_follower_stops_at_the_end_of_time(sim: EcsSimulator) -> None:
    from pytest_ecs_events.core.simulation import LATEST_TIME

    wall = [datetime(2030, 1, 1, tzinfo=UTC)]
    follower = WallClockFollower(sim, wall=lambda: wall[0])
    follower.advance(to=LATEST_TIME - timedelta(seconds=1))
    for step in (timedelta(seconds=1), timedelta(seconds=1), timedelta(days=10_000)):
        wall[0] += step
        follower.sync()  # never asks for a time the simulation cannot reach
        assert sim.now == LATEST_TIME
    fresh = EcsSimulator(now="2030-01-01T00:00:00Z")
    follower.reset(fresh)
    follower.sync()
    assert fresh.now == wall[0]
