"""Each served instance's status over virtual time, for the console's timeline chart.

Events keep their own history; instances keep only their current status. The server keeps
this log of :class:`~pytest_ecs_events.core.lifecycle.InstanceChange` records while it
serves an account (an observer, attached by :class:`~.ecs_server.EcsServer` at start and
after a reset, removed at stop), so that nothing is recorded when no server runs. It starts
from each instance's status when attached, and is bounded: the oldest changes go first.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime
from typing import Any

from ...core.changes import Change
from ...core.clock import format_api_time
from ...core.simulation import Simulation

__all__ = ["MAX_CHANGES", "StatusLog"]

#: Changes kept (a day of a busy account's reboots; the chart shows the recent ones).
MAX_CHANGES = 10_000


class StatusLog:
    """``(time, instance_id, status)`` for each instance status change of one simulation."""

    def __init__(self, max_changes: int = MAX_CHANGES) -> None:
        self._changes: deque[tuple[datetime, str, str]] = deque(maxlen=max_changes)
        self._simulation: Simulation | None = None
        self._lock = threading.Lock()

    def attach(self, simulation: Simulation) -> None:
        """Follow ``simulation`` (and forget the one followed before)."""
        self.detach()
        with simulation.lock:
            with self._lock:
                self._changes.clear()
                for instance in simulation.store.instances.values():
                    if instance.released:
                        continue
                    since = instance.created_at or simulation.now
                    self._changes.append((since, instance.instance_id, instance.status.value))
            simulation.observers.append(self._observe)
            self._simulation = simulation

    def detach(self) -> None:
        simulation, self._simulation = self._simulation, None
        if simulation is not None:
            with simulation.lock:
                if self._observe in simulation.observers:
                    simulation.observers.remove(self._observe)

    def _observe(self, change: Change) -> None:
        if change.kind != "instance":
            return
        status = getattr(change, "new_status", None)
        with self._lock:
            self._changes.append(
                (change.time, change.instance_id, "Released" if status is None else status.value)
            )

    def lanes(self) -> dict[str, list[dict[str, Any]]]:
        """Each instance's changes, oldest first: ``{instance_id: [{"time", "status"}]}``."""
        with self._lock:
            changes = list(self._changes)
        lanes: dict[str, list[dict[str, Any]]] = {}
        for when, instance_id, status in sorted(changes, key=lambda c: c[0]):
            lanes.setdefault(instance_id, []).append(
                {"time": format_api_time(when), "status": status}
            )
        return lanes
