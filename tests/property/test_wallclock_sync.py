"""The wall-clock follower's skipped syncs (transports/server/wallclock.py: no work when the
wall second, the offset and the simulator are those of a sync that reached its target) leave
the served account exactly where a follower syncing in full leaves it: after every step of
random scripts, the same clock and, byte for byte, the same answers."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.api.messages import ApiRequest, ApiResponse
from pytest_ecs_events.core.clock import wall_clock_now
from pytest_ecs_events.transports.server.wallclock import WallClockFollower

UTC = timezone.utc
START = datetime(2030, 1, 1, tzinfo=UTC)

steps = st.lists(
    st.tuples(st.sampled_from(["sync", "sync", "sync", "tick", "back", "advance", "event",
                               "sim_advance", "reset", "reboot"]),
              st.integers(0, 7200)),
    max_size=25,
)  # fmt: skip
QUESTIONS = [
    {"Action": "DescribeInstanceStatus", "RegionId": "cn-hangzhou"},
    {"Action": "DescribeInstanceHistoryEvents", "RegionId": "cn-hangzhou"},
]


class _World:
    """An account, its follower and the fake wall clock it follows."""

    def __init__(self, skipping: bool) -> None:
        self.wall = START
        self.sim = self._fresh()
        self.follower = WallClockFollower(
            self.sim,
            wall=lambda: self.wall,
            anchored=True,
            second=(lambda: int(self.wall.timestamp())) if skipping else None,
        )

    def _fresh(self) -> EcsSimulator:
        return EcsSimulator(now="2030-01-01T00:00:00Z", instances=["i-0", "i-1"], seed=3)

    def step(self, what: str, n: int) -> None:
        if what == "sync":
            self.follower.sync()
        elif what == "tick":
            self.wall += timedelta(seconds=n % 3)  # often the same second
        elif what == "back":
            self.wall -= timedelta(seconds=n % 5)  # a wall clock stepped back
        elif what == "advance":
            self.follower.advance(timedelta(seconds=n))
        elif what == "event":
            self.sim.create_events("SystemMaintenance.Reboot", f"i-{n % 2}", f"+{n % 90 + 1}s")
        elif what == "sim_advance":
            self.sim.advance(timedelta(seconds=n % 30))  # the test moves the account itself
        elif what == "reset":
            self.sim = self._fresh()
            self.follower.reset(self.sim)
        elif what == "reboot":
            with contextlib.suppress(EcsApiError):  # not Running: refused in both worlds
                self.sim.reboot_instance(f"i-{n % 2}")


def _without_request_id(response: ApiResponse) -> bytes:
    return response.content().replace(response.headers["x-acs-request-id"].encode(), b"")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_a_skipped_sync_leaves_what_a_full_sync_leaves(script: list[tuple[str, int]]) -> None:
    skipping, full = _World(skipping=True), _World(skipping=False)
    for what, n in [("sync", 0), *script]:
        for world in (skipping, full):
            world.step(what, n)
            world.follower.sync()  # as the server does before each request
        assert skipping.sim.now == full.sim.now
        assert skipping.follower.offset == full.follower.offset
        for question in QUESTIONS:
            request = ApiRequest(params=question)
            assert _without_request_id(skipping.sim.handle(request)) == _without_request_id(
                full.sim.handle(request)
            )


def test_the_default_wall_clock_skips_and_a_custom_one_does_not_unless_told() -> None:
    sim = EcsSimulator(now="2030-01-01T00:00:00Z")
    assert WallClockFollower(sim).second is not None
    assert WallClockFollower(sim, wall=wall_clock_now).second is not None
    assert WallClockFollower(sim, wall=lambda: START).second is None


def test_a_sync_within_the_same_second_does_no_work() -> None:
    sim = EcsSimulator(now="2030-01-01T00:00:00Z")
    reads: list[datetime] = []
    wall = [START]

    def read_wall() -> datetime:
        reads.append(wall[0])
        return wall[0]

    follower = WallClockFollower(sim, wall=read_wall, second=lambda: int(wall[0].timestamp()))
    follower.sync()
    follower.sync()
    assert len(reads) == 1  # the second did not change: the wall was not read again
    wall[0] += timedelta(seconds=1)
    follower.sync()
    assert len(reads) == 2
    assert sim.now == wall[0]
