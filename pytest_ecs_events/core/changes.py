"""What a simulation tells its observers: one record per change, in virtual-time order.

Each area records its own kind of change: event transitions and instance status changes
(:mod:`.lifecycle`), and the areas added after them (command invocations, load-balancer
backend health, ...). They share this small shape so that an observer (the report's
timeline, ``ecs_sim.timeline``, the notification channels) can take any of them and pass over
the kinds it does not know: a new area never has to touch the observers of the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .store import Store, Timer

__all__ = ["AreaHost", "Change", "Observer"]


class Change(Protocol):
    """One change: when (virtual time), which kind, and the instance it concerns."""

    @property
    def time(self) -> datetime: ...

    @property
    def kind(self) -> str:
        """``"event"``, ``"instance"``, ``"command"``, ``"backend"``...: one word per area."""
        ...

    @property
    def instance_id(self) -> str:
        """The instance the change concerns ("" when it concerns none)."""
        ...


Observer = Callable[[Change], None]


class AreaHost(Protocol):
    """What an area's store (Cloud Assistant, load balancers) needs of the simulation that
    holds it: named here so that ``core/simulation.py`` and the areas do not import each
    other. Callers hold the simulation's lock."""

    store: Store
    observers: list[Observer]
    #: Bumped on every change, so that cached answers are recomputed.
    mutations: int

    @property
    def now(self) -> datetime: ...

    def notify(self, change: Change) -> None: ...

    def call_at(self, due: datetime, callback: Callable[[], None]) -> Timer: ...

    def cancel_timer(self, timer: Timer) -> None: ...
