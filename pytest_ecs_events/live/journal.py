"""The live-mode journal: which simulated events a run created, on disk, as it goes.

Live mode (``--ecs-live``) creates real simulated events in a real account. If the run dies
before it cancels them (``kill -9``, a power cut, a CI runner torn down), they stay
``Scheduled`` and count against the account's quota of active simulated events. The journal
lets the next run, or ``ecs-sim live-cleanup``, cancel them.

One journal file per process (each pytest-xdist worker has its own): JSON lines, appended and
``fsync``-ed one record at a time:

- ``open``: who writes the file (pid, host, worker) and when;
- ``intent``: written **before** a CreateSimulatedSystemEvents call, with the region,
  endpoint, event type, instances and NotBefore. If the process dies while the call is in
  flight, the intent has no outcome and the clean-up finds the events it may have created by
  those fields;
- ``created`` (the event ids, after the call) or ``failed`` (the API refused: nothing made);
- ``cancelled``: events that were cancelled or found already finished.

A file whose every event is settled is removed when its run ends. The file holds no secret:
no AccessKey, no signature, only instance and event ids.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.clock import format_api_time, parse_api_time, wall_clock_now

__all__ = [
    "JOURNAL_GLOB",
    "EventRecord",
    "Intent",
    "Journal",
    "JournalState",
    "journal_files",
    "read_journal",
]

JOURNAL_GLOB = "journal-*.jsonl"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class EventRecord:
    """One simulated event a run created (all it takes to find and cancel it again)."""

    event_id: str
    instance_id: str
    event_type: str
    region: str
    endpoint: str
    protocol: str


@dataclass(frozen=True)
class Intent:
    """A CreateSimulatedSystemEvents call about to be sent (its outcome not yet known)."""

    token: str
    time: datetime
    region: str
    endpoint: str
    protocol: str
    event_type: str
    instance_ids: tuple[str, ...]
    not_before: datetime


@dataclass
class JournalState:
    """What a journal says: events not yet settled and intents without an outcome."""

    path: Path | None = None
    pid: int | None = None
    host: str | None = None
    worker: str | None = None
    outstanding: dict[str, EventRecord] = field(default_factory=dict)
    open_intents: dict[str, Intent] = field(default_factory=dict)
    #: Lines that could not be read (a crash in the middle of a write leaves at most one).
    damaged_lines: int = 0

    @property
    def settled(self) -> bool:
        return not self.outstanding and not self.open_intents

    @property
    def instance_ids(self) -> set[str]:
        """Every instance the journal names (all were in the allowlist of the run)."""
        ids = {r.instance_id for r in self.outstanding.values()}
        for intent in self.open_intents.values():
            ids.update(intent.instance_ids)
        return ids

    def owner_alive(self) -> bool:
        """Whether the process that wrote the journal still runs on this host."""
        if self.pid is None or self.host != socket.gethostname():
            return False
        if self.pid == os.getpid():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # it exists, owned by someone else
            return not _is_zombie(self.pid)
        except OSError:
            return False
        return not _is_zombie(self.pid)

    # -- applying records ---------------------------------------------------------------
    def apply(self, record: dict[str, Any]) -> None:
        op = record.get("op")
        if op == "open":
            self.pid = _int_or_none(record.get("pid"))
            self.host = str(record.get("host") or "") or None
            self.worker = str(record.get("worker") or "") or None
        elif op == "intent":
            intent = Intent(
                token=str(record["token"]),
                time=parse_api_time(str(record["time"])),
                region=str(record["region"]),
                endpoint=str(record["endpoint"]),
                protocol=str(record.get("protocol") or "https"),
                event_type=str(record["event_type"]),
                instance_ids=tuple(str(i) for i in record["instance_ids"]),
                not_before=parse_api_time(str(record["not_before"])),
            )
            self.open_intents[intent.token] = intent
        elif op == "created":
            pending = self.open_intents.pop(str(record["token"]), None)
            for event_id, instance_id in zip(
                record["event_ids"], record["instance_ids"], strict=False
            ):
                self.outstanding[str(event_id)] = EventRecord(
                    event_id=str(event_id),
                    instance_id=str(instance_id),
                    event_type=str(record.get("event_type") or (pending and pending.event_type)),
                    region=str(record.get("region") or (pending and pending.region)),
                    endpoint=str(record.get("endpoint") or (pending and pending.endpoint)),
                    protocol=str(record.get("protocol") or (pending and pending.protocol)),
                )
        elif op == "failed":
            self.open_intents.pop(str(record["token"]), None)
        elif op == "cancelled":
            for event_id in record["event_ids"]:
                self.outstanding.pop(str(event_id), None)
        elif op == "resolved":  # an intent whose events were looked for and handled
            self.open_intents.pop(str(record["token"]), None)


def _is_zombie(pid: int) -> bool:
    """Whether ``pid`` has exited and only waits to be reaped (``kill -9`` of a run whose
    parent does not wait for it): it still answers signal 0, yet will never write again.

    Read from ``/proc/<pid>/stat`` (state ``Z``, or ``X`` while being reaped); where there
    is no ``/proc`` the process counts as running.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return False
    # "pid (comm) state ...": the command may hold spaces and parentheses, the state follows
    # the last ")"
    fields = stat.rpartition(")")[2].split()
    return bool(fields) and fields[0] in ("Z", "X")


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def read_journal(path: Path) -> JournalState:
    """Read a journal file; unreadable lines are counted, never fatal."""
    state = JournalState(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return state
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
            state.apply(record)
        except (ValueError, KeyError, TypeError):
            state.damaged_lines += 1
    return state


def journal_files(location: Path) -> list[Path]:
    """The journal files at ``location``: the file itself, or the journals in a directory."""
    if location.is_dir():
        return sorted(location.glob(JOURNAL_GLOB))
    return [location] if location.exists() else []


class Journal:
    """The journal this process writes (one per pytest process or xdist worker)."""

    def __init__(self, directory: Path, *, worker: str = "main") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"journal-{worker}-{os.getpid()}.jsonl"
        self.worker = worker
        self.state = JournalState(path=self.path)
        self._lock = threading.Lock()
        self._opened = False

    @classmethod
    def resume(cls, state: JournalState) -> Journal:
        """A journal that appends to an existing (leftover) file, e.g. to mark clean-ups."""
        if state.path is None:
            raise ValueError("a journal state read from a file is needed")
        journal = cls.__new__(cls)
        journal.path = state.path
        journal.worker = state.worker or "main"
        journal.state = state
        journal._lock = threading.Lock()
        journal._opened = True  # the file has its header already
        return journal

    def _write(self, record: dict[str, Any]) -> None:
        """Append one record and make it durable before returning.

        If the file is gone (``pytest --cache-clear`` in another xdist worker, a hand that
        tidied up), it is written again from what this journal knows, first.
        """
        with self._lock:
            if not self._opened or not self.path.exists():
                self._materialize()
                self._opened = True
            self.state.apply(record)
            self._write_lines([record])

    def materialize(self) -> None:
        """Write the file again from what this journal knows (if it is gone)."""
        with self._lock:
            if not self.path.exists():
                self._materialize()
                self._opened = True

    def _materialize(self) -> None:
        """The header line, then (for a journal written again) everything still open."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state = self.state
        header = {
            "op": "open",
            "version": FORMAT_VERSION,
            "pid": state.pid if state.pid is not None else os.getpid(),
            "host": state.host or socket.gethostname(),
            "worker": state.worker or self.worker,
            "time": format_api_time(wall_clock_now()),
        }
        state.apply(header)
        lines: list[dict[str, Any]] = [header]
        for intent in state.open_intents.values():
            lines.append(
                {
                    "op": "intent",
                    "token": intent.token,
                    "time": format_api_time(intent.time),
                    "region": intent.region,
                    "endpoint": intent.endpoint,
                    "protocol": intent.protocol,
                    "event_type": intent.event_type,
                    "instance_ids": list(intent.instance_ids),
                    "not_before": format_api_time(intent.not_before),
                }
            )
        for rec in state.outstanding.values():
            lines.append(_created_line(rec, f"kept-{rec.event_id}"))
        self._write_lines(lines)

    def _write_lines(self, records: Sequence[dict[str, Any]]) -> None:
        text = "".join(json.dumps(r, separators=(",", ":"), sort_keys=True) + "\n" for r in records)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            with contextlib.suppress(OSError):
                os.fsync(handle.fileno())

    # -- records ------------------------------------------------------------------------
    def intent(
        self,
        *,
        region: str,
        endpoint: str,
        protocol: str,
        event_type: str,
        instance_ids: Sequence[str],
        not_before: datetime,
    ) -> str:
        """Record a create about to be sent; returns its token."""
        token = uuid.uuid4().hex
        self._write(
            {
                "op": "intent",
                "token": token,
                "time": format_api_time(wall_clock_now()),
                "region": region,
                "endpoint": endpoint,
                "protocol": protocol,
                "event_type": event_type,
                "instance_ids": list(instance_ids),
                "not_before": format_api_time(not_before),
            }
        )
        return token

    def created(self, token: str, event_ids: Sequence[str], instance_ids: Sequence[str]) -> None:
        intent = self.state.open_intents.get(token)
        record: dict[str, Any] = {
            "op": "created",
            "token": token,
            "event_ids": list(event_ids),
            "instance_ids": list(instance_ids),
        }
        if intent is not None:
            record.update(
                event_type=intent.event_type,
                region=intent.region,
                endpoint=intent.endpoint,
                protocol=intent.protocol,
            )
        self._write(record)

    def adopt(self, records: Iterable[EventRecord]) -> None:
        """Take over events found for an unresolved intent (so that they get cancelled)."""
        for rec in records:
            self._write(_created_line(rec, f"adopted-{rec.event_id}"))

    def failed(self, token: str, code: str) -> None:
        self._write({"op": "failed", "token": token, "code": code})

    def resolved(self, token: str) -> None:
        self._write({"op": "resolved", "token": token})

    def cancelled(self, event_ids: Iterable[str], *, how: str = "cancelled") -> None:
        ids = list(event_ids)
        if ids:
            self._write({"op": "cancelled", "event_ids": ids, "how": how})

    # -- end ----------------------------------------------------------------------------
    def finish(self) -> bool:
        """Remove the file if every event is settled; returns whether it was removed."""
        with self._lock:
            if not self.state.settled:
                return False
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return True


def _created_line(rec: EventRecord, token: str) -> dict[str, Any]:
    """A journal line recording one created event (kept or adopted from an intent)."""
    return {
        "op": "created",
        "token": token,
        "event_ids": [rec.event_id],
        "instance_ids": [rec.instance_id],
        "event_type": rec.event_type,
        "region": rec.region,
        "endpoint": rec.endpoint,
        "protocol": rec.protocol,
    }
