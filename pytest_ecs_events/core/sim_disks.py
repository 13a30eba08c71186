"""The account's data disks and disk events (a part of :class:`~.simulation.Simulation`;
see :mod:`.sim_base` for how the parts fit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .clock import format_api_time
from .disk_events import DISK_EVENT_TYPES, DiskEvent
from .disks import new_data_disk
from .errors import EcsApiError
from .models import Disk
from .sim_base import LATEST_TIME, MSG_CANNOT_FIND_EVENT, SimulationBase


class DiskOps(SimulationBase):
    """Data disks (``add_disk``, ``get_disk``, ``disks``) and disk events on the clock."""

    def add_disk(
        self,
        instance_id: str | None = None,
        *,
        region: str | None = None,
        zone: str | None = None,
        **options: Any,
    ) -> Disk:
        """A data disk of the account (see :func:`.disks.new_data_disk`), attached to the
        instance as its next free device, or Available when ``instance_id`` is None."""
        with self.lock:
            instance = self.get_instance(instance_id) if instance_id is not None else None
            taken = [d.device for d in self.store.disks_of_instance(instance_id or "")]
            where = instance.region if instance else region or self.config.region
            disk = new_data_disk(
                instance=instance, region=region, zone=zone, taken_devices=taken,
                options=options, now=self.now, rng=self._rng,
                default_region=self.config.region,
                new_id=self._new_id("d", where, self.store.disks.__contains__),
            )  # fmt: skip
            self.store.add_disk(disk)
            self.mutations += 1
            return disk

    def get_disk(self, disk_id: str) -> Disk:
        """The disk if the account still has it, or InvalidDiskId.NotFound (404)."""
        with self.lock:
            disk = self.store.disks.get(disk_id)
        if disk is None or disk.released:
            raise EcsApiError("InvalidDiskId.NotFound", "The specified disk does not exist.", 404)
        return disk

    def disks(self, region: str | None = None) -> list[Disk]:
        """The account's disks (not released), in creation order."""
        with self.lock:
            return [
                d
                for d in self.store.disks.values()
                if not d.released and (region is None or d.region == region)
            ]

    def inject_disk_event(
        self,
        event_type: str,
        disk_id: str,
        *,
        at: datetime | None = None,
        end: datetime | None = None,
        impact_level: str = "",
    ) -> DiskEvent:
        """A disk event the platform publishes at ``at`` (default now), ending at ``end``
        (None: it lasts until :meth:`end_disk_event`)."""
        with self.lock:
            if event_type not in DISK_EVENT_TYPES:
                raise ValueError(f"unknown disk event type {event_type!r}; the disk event "
                                 f"types are {', '.join(DISK_EVENT_TYPES)}")  # fmt: skip
            disk = self.get_disk(disk_id)
            start = self.now if at is None else at
            if start > LATEST_TIME or (end is not None and end > LATEST_TIME):
                raise ValueError(f"a disk event must end by {format_api_time(LATEST_TIME)}")
            if end is not None and end <= start:
                raise ValueError(f"a disk event must end after it starts: {format_api_time(end)}"
                                 f" is not after {format_api_time(start)}")  # fmt: skip
            event = DiskEvent(
                event_id=self._new_id("e", disk.region, self._disk_event_taken),
                disk_id=disk.disk_id, region=disk.region, event_type=event_type,
                event_time=start, end_time=end, impact_level=impact_level,
                seq=self.store.next_seq(),
            )  # fmt: skip
            self.store.disk_events.add(event)
            self._disk_event_due(event.event_id)
            return event

    def end_disk_event(self, event_id: str, *, at: datetime | None = None) -> DiskEvent:
        """End a started disk event at ``at`` (default now; not before it started)."""
        with self.lock:
            event = self.store.disk_events.events.get(event_id)
            if event is None:
                raise EcsApiError("InvalidEventId.NotFound", MSG_CANNOT_FIND_EVENT, 404)
            end = self.now if at is None else at
            if end < self.now or end < event.event_time or event.ended(self.now):
                raise ValueError(f"disk event {event_id} cannot end at {format_api_time(end)}: "
                                 f"it runs from {format_api_time(event.event_time)} to "
                                 f"{format_api_time(event.end_time) if event.end_time else 'now'}"
                                 )  # fmt: skip
            event.end_time = end
            self._disk_event_due(event_id)
            return event

    def _disk_event_taken(self, event_id: str) -> bool:
        return event_id in self.store.events or event_id in self.store.disk_events.events

    def _disk_event_due(self, event_id: str) -> None:
        """A disk event started or ended (or was created or changed): its next timer."""
        event = self.store.disk_events.events[event_id]
        due = event.next_due(self.now)
        if due is not None:
            self.store.schedule_disk_event(event, due)
        else:
            event.version += 1  # no timer left pending
        self.mutations += 1
