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
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from ...core.clock import wall_clock_now
from ...core.lifecycle import Transition
from ...core.simulation import LATEST_TIME
from .protocols import Clocked

__all__ = ["WallClockFollower"]


def _second() -> int:
    """The current second of :func:`wall_clock_now` (the same system clock, floored)."""
    return int(time.time())


class WallClockFollower:
    """Keeps a simulator's clock on the wall clock, plus whatever the control API advanced.

    Before each request :meth:`sync` moves the simulator to ``max(now, wall + offset)``;
    :meth:`advance` moves it forward and grows the offset by as much, so an advanced clock
    keeps ticking from where it was put.

    ``second`` is the wall clock's current whole second as a POSIX timestamp (the default
    goes with the default ``wall``; a custom ``wall`` gets none unless given). With it,
    :meth:`sync` skips the work when the wall second, the offset and the simulator are
    those of a sync that left the clock at or past its target: the target cannot be later.
    """

    def __init__(
        self,
        simulator: Clocked,
        *,
        wall: Callable[[], datetime] = wall_clock_now,
        anchored: bool = False,
        second: Callable[[], int] | None = None,
    ) -> None:
        self.simulator = simulator
        self.wall = wall
        self.second = second if second is not None or wall is not wall_clock_now else _second
        #: (wall second, offset, simulator, target) of the last full sync.
        self._synced: tuple[int, timedelta, Clocked, datetime] | None = None
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
        synced = self._synced
        if synced is not None and self.second is not None:
            second, offset, simulator, target = synced
            if (
                self.second() == second
                and offset == self.offset
                and simulator is self.simulator
                and target <= simulator.now
            ):
                return  # the same target as then, and the clock is there already
        wall = self.wall()
        try:
            target = min(wall + self.offset, LATEST_TIME)
        except OverflowError:  # past datetime.max: past the end as well
            target = LATEST_TIME
        if target > self.simulator.now:
            self.simulator.advance(to=target)
        if self.second is not None:
            self._synced = (int(wall.timestamp()), self.offset, self.simulator, target)

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
