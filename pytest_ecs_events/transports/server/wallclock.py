"""The wall-clock follower: ``ecs-sim serve``'s clock is the wall clock unless a test advances it.

Programs in other languages cannot move a virtual clock before each call, so the server does
it for them: the simulator's clock follows the wall clock, and ``POST /_sim/advance`` adds to
it without stopping it.

The simulation never goes past :data:`~pytest_ecs_events.core.simulation.LATEST_TIME` (its
timers must fit in a datetime), so the follower stops there: a clock advanced to the last
second keeps answering as the wall clock moves on, instead of asking for a time that is
refused on every later request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from ...core.clock import wall_clock_now
from ...core.lifecycle import Transition
from ...core.simulation import LATEST_TIME
from .protocols import Clocked

__all__ = ["WallClockFollower"]


class WallClockFollower:
    """Keeps a simulator's clock on the wall clock, plus whatever the control API advanced.

    Before each request :meth:`sync` moves the simulator to ``max(now, wall + offset)``;
    :meth:`advance` moves it forward and grows the offset by as much, so an advanced clock
    keeps ticking from where it was put.
    """

    def __init__(
        self,
        simulator: Clocked,
        *,
        wall: Callable[[], datetime] = wall_clock_now,
        anchored: bool = False,
    ) -> None:
        self.simulator = simulator
        self.wall = wall
        #: True: the clock ticks on from the simulator's own now (``ecs-sim serve --now`` or
        #: a loaded scenario), also after a reset; False: it jumps to the wall clock.
        self.anchored = anchored
        self.offset = self._start_offset(simulator)
        self._lock = threading.Lock()

    def _start_offset(self, simulator: Clocked) -> timedelta:
        return simulator.now - self.wall() if self.anchored else timedelta(0)

    def sync(self) -> None:
        with self._lock:
            self._sync()

    def _sync(self) -> None:
        try:
            target = min(self.wall() + self.offset, LATEST_TIME)
        except OverflowError:  # past datetime.max: past the end as well
            target = LATEST_TIME
        if target > self.simulator.now:
            self.simulator.advance(to=target)

    def advance(
        self, by: timedelta | str | None = None, *, to: datetime | str | None = None
    ) -> Sequence[Transition]:
        with self._lock:
            self._sync()
            applied = self.simulator.advance(by, to=to)
            self.offset = max(self.offset, self.simulator.now - self.wall())
            return applied

    def reset(self, simulator: Clocked) -> None:
        with self._lock:
            self.simulator = simulator
            self.offset = self._start_offset(simulator)
