"""Each event's rendering and its JSON, kept until the event changes.

Benchmarks: P1 and P2 (``benchmarks/run.py``; ``docs/performance.md``, "What makes the hot
path fast"). Describe calls render the same unchanged events again and again; keeping each
event's :class:`~.json_output.Rendered` fragment keeps a call's cost close to that of a
canned body, and lets :class:`~.answer_cache.LastPage` see an unchanged page by identity.

The cache belongs to the API layer, not to the records: one :class:`RenderCache` per
dispatcher (``EcsApi``), keyed by the event object itself (records compare by identity, so
the key is as cheap as an attribute), and dropped with the dispatcher's other caches when it
serves another simulation (whose catalog may render differently). A kept rendering is valid
while the event's ``revision`` holds: the core bumps it whenever a field the API returns
changes. A new rendered field that depends on anything but the event's own fields (and the
catalog) needs its own invalidation here.

Guarded by ``tests/property/test_answer_cache.py``: after every step of random scripts, each
answer is byte for byte what a new dispatcher, with empty caches, computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ...core.catalog import Catalog
from ...core.models import SystemEvent
from ..render import history_event, scheduled_event
from .json_output import Rendered

__all__ = ["RenderCache"]

#: Kept renderings of one kind: the event's revision when rendered, and the rendering.
_Kept = dict[SystemEvent, tuple[int, Rendered]]


class RenderCache:
    """Renderings of events by kind; the cached fragments are shared: never mutate them."""

    __slots__ = ("_history", "_scheduled")

    def __init__(self) -> None:
        self._history: _Kept = {}
        self._scheduled: _Kept = {}

    def history_events(self, events: Iterable[SystemEvent], catalog: Catalog) -> list[Rendered]:
        """Each event as DescribeInstanceHistoryEvents shows it (:func:`.render.history_event`)."""
        return _render(self._history, history_event, events, catalog)

    def scheduled_events(self, events: Iterable[SystemEvent], catalog: Catalog) -> list[Rendered]:
        """Each event as DescribeInstancesFullStatus shows it
        (:func:`.render.scheduled_event`)."""
        return _render(self._scheduled, scheduled_event, events, catalog)

    def __len__(self) -> int:
        return len(self._history) + len(self._scheduled)


def _render(
    kept: _Kept,
    build: Callable[[SystemEvent, Catalog], dict[str, Any]],
    events: Iterable[SystemEvent],
    catalog: Catalog,
) -> list[Rendered]:
    bodies: list[Rendered] = []
    for event in events:
        entry = kept.get(event)
        if entry is None or entry[0] != event.revision:
            entry = kept[event] = (event.revision, Rendered(build(event, catalog)))
        bodies.append(entry[1])
    return bodies
