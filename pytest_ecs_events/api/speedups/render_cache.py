"""Each event's, instance's and disk's rendering and its JSON, kept until the record changes.

Benchmarks: P1 and P2 (``benchmarks/run.py``; ``docs/performance.md``, "What makes the hot
path fast"). Describe calls render the same unchanged events again and again; keeping each
event's :class:`~.json_output.Rendered` fragment keeps a call's cost close to that of a
canned body, and lets :class:`~.answer_cache.LastPage` see an unchanged page by identity.

The cache belongs to the API layer, not to the records: one :class:`RenderCache` per
dispatcher (``EcsApi``), keyed by the event object itself (records compare by identity, so
the key is as cheap as an attribute), and dropped with the dispatcher's other caches when it
serves another simulation (whose catalog may render differently). A kept rendering is valid
while the record's ``revision`` holds: the core bumps it whenever a field the API returns
changes (events: core/store.py and the core/sim_*.py parts; instances and disks: every write to a
rendered field of ``Instance`` or ``Disk`` in the core, tags included; Cloud Assistant runs
and their invocations: ``CloudAssistant._changed``, at each step of a run). A new rendered field
that depends on anything but the record's own fields (and the catalog) needs its own
invalidation here: a disk's ExpiredTime is its instance's, so it is part of the key.

Guarded by ``tests/property/test_answer_cache.py``: after every step of random scripts, each
answer is byte for byte what a new dispatcher, with empty caches, computes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from ...core.catalog import Catalog
from ...core.lazy import module_on_first_use
from ...core.models import Disk, Instance, SystemEvent
from ..render import history_event, scheduled_event
from ..render_disks import describe_disk
from ..render_instances import describe_instance, describe_instance_attribute
from .json_output import Rendered

if TYPE_CHECKING:
    from ...core.cloud_assistant import CommandRun, Invocation

__all__ = ["RenderCache"]

_R = TypeVar("_R")
#: How many derived answers are kept before they start afresh (one per distinct question).
MAX_DERIVED = 256
#: Kept renderings of one kind: the event's revision when rendered, and the rendering.
_Kept = dict[SystemEvent, tuple[int, Rendered]]


class RenderCache:
    """Renderings of events, instances and disks by kind; the cached fragments are shared:
    never mutate them."""

    __slots__ = (
        "_attributes", "_by_id", "_derived", "_disks", "_history", "_instances", "_invocations",
        "_results", "_scheduled",
    )  # fmt: skip

    def __init__(self) -> None:
        self._history: _Kept = {}
        self._scheduled: _Kept = {}
        #: By (instance, NeedSaleCycle): (revision, rendering).
        self._instances: dict[tuple[Instance, bool], tuple[int, Rendered]] = {}
        self._attributes: dict[Instance, tuple[int, Rendered]] = {}
        #: By (disk, placement): (revision, ExpiredTime, rendering).
        self._disks: dict[tuple[Disk, bool], tuple[int, datetime | None, Rendered]] = {}
        #: Records replaced rather than changed (CloudMonitor's derived system events), by
        #: kind and id: (the record rendered, its rendering).
        self._by_id: dict[tuple[str, str], tuple[object, Rendered]] = {}
        #: Cloud Assistant invocations by (invocation, ContentEncoding, IncludeOutput), and
        #: their runs by (run, ContentEncoding): (revision, rendering).
        self._invocations: dict[tuple[Invocation, str, bool], tuple[int, Rendered]] = {}
        self._results: dict[tuple[CommandRun, str], tuple[int, Rendered]] = {}
        #: By (kind, question): (the source it was derived from, what was derived).
        self._derived: dict[tuple[str, Hashable], tuple[object, Any]] = {}

    def history_events(self, events: Iterable[SystemEvent], catalog: Catalog) -> list[Rendered]:
        """Each event as DescribeInstanceHistoryEvents shows it (:func:`.render.history_event`)."""
        return _render(self._history, history_event, events, catalog)

    def scheduled_events(self, events: Iterable[SystemEvent], catalog: Catalog) -> list[Rendered]:
        """Each event as DescribeInstancesFullStatus shows it
        (:func:`.render.scheduled_event`)."""
        return _render(self._scheduled, scheduled_event, events, catalog)

    def instances(self, instances: Iterable[Instance], *, sale_cycle: bool) -> list[Rendered]:
        """Each instance as DescribeInstances shows it
        (:func:`.render_instances.describe_instance`)."""
        kept = self._instances
        return [
            _kept(kept, (i, sale_cycle), i.revision, describe_instance, i, sale_cycle=sale_cycle)
            for i in instances
        ]

    def instance_attribute(self, instance: Instance) -> Rendered:
        """DescribeInstanceAttribute's body
        (:func:`.render_instances.describe_instance_attribute`)."""
        return _kept(
            self._attributes, instance, instance.revision, describe_instance_attribute, instance
        )

    def disk(self, disk: Disk, expired_at: datetime | None, *, placement: bool) -> Rendered:
        """One disk as DescribeDisks shows it (:func:`.render_disks.describe_disk`)."""
        key = (disk, placement)
        entry = self._disks.get(key)
        if entry is None or entry[0] != disk.revision or entry[1] != expired_at:
            rendered = Rendered(describe_disk(disk, expired_at=expired_at, placement=placement))
            entry = self._disks[key] = (disk.revision, expired_at, rendered)
        return entry[2]

    def invocation(self, record: Invocation, encoding: str, *, output: bool) -> Rendered:
        """One invocation as DescribeInvocations shows it (:func:`.render_commands.invocation`):
        kept while its ``revision`` (moved by any change of one of its runs) holds."""
        key = (record, encoding, output)
        return _kept(self._invocations, key, record.revision, _render_commands().invocation,
                     record, encoding, output=output)  # fmt: skip

    def invocation_result(self, run: CommandRun, encoding: str) -> Rendered:
        """One run as DescribeInvocationResults shows it
        (:func:`.render_commands.invocation_result`)."""
        render = _render_commands().invocation_result
        return _kept(self._results, (run, encoding), run.revision, render, run, encoding)

    def derived(self, kind: str, source: object, question: Hashable, build: Callable[[], _R]) -> _R:
        """What ``build`` derives from ``source`` for ``question``, kept while ``source`` is the
        very same object: for a source that is replaced, never changed, when what it holds
        changes (as :func:`~pytest_ecs_events.cms.system_events.system_events`' list)."""
        key = (kind, question)
        entry = self._derived.get(key)
        if entry is None or entry[0] is not source:
            if len(self._derived) >= MAX_DERIVED:
                self._derived = {}
            entry = self._derived[key] = (source, build())
        return entry[1]

    def replaced(
        self,
        kind: str,
        records: Iterable[_R],
        id_of: Callable[[_R], str],
        build: Callable[[_R], dict[str, Any]],
    ) -> list[Rendered]:
        """Renderings of immutable records that a change replaces with a new object (as
        cms/system_events.py does): kept by id while the record is the very same object."""
        kept = self._by_id
        bodies: list[Rendered] = []
        for record in records:
            key = (kind, id_of(record))
            entry = kept.get(key)
            if entry is None or entry[0] is not record:
                entry = kept[key] = (record, Rendered(build(record)))
            bodies.append(entry[1])
        return bodies

    def __len__(self) -> int:
        return (
            len(self._history) + len(self._scheduled) + len(self._instances)
            + len(self._attributes) + len(self._disks) + len(self._by_id)
            + len(self._invocations) + len(self._results) + len(self._derived)
        )  # fmt: skip


def _render(
    kept: _Kept,
    build: Callable[[SystemEvent, Catalog], dict[str, Any]],
    events: Iterable[SystemEvent],
    catalog: Catalog,
) -> list[Rendered]:
    bodies: list[Rendered] = []
    for event in events:  # _kept's steps, inlined: a history page renders up to 100 a call
        entry = kept.get(event)
        if entry is None or entry[0] != event.revision:
            entry = kept[event] = (event.revision, Rendered(build(event, catalog)))
        bodies.append(entry[1])
    return bodies


def _kept(
    kept: dict[Any, tuple[int, Rendered]],
    key: Hashable,
    revision: int,
    build: Callable[..., dict[str, Any]],
    *args: Any,
    **options: Any,
) -> Rendered:
    """The rendering kept under ``key``, or ``build(*args, **options)``'s, kept now, when
    none is kept for this ``revision`` of the record."""
    entry = kept.get(key)
    if entry is None or entry[0] != revision:
        entry = kept[key] = (revision, Rendered(build(*args, **options)))
    return entry[1]


#: Cloud Assistant's renderings, imported by the first one (with the core's Cloud Assistant
#: they need: an account that never uses it never loads either).
_render_commands = module_on_first_use("..render_commands", __package__)
