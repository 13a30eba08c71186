"""Live mode for one process (one pytest run, or one xdist worker): the client, the guard,
the journal and the output, shared by the handles of every test.

Creating an event goes through :meth:`LiveSession.create`: the account's quota is checked
first, and the create is journaled before and after, so that a crash cannot lose it.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from ..core.clock import format_api_time, parse_api_time, wall_clock_now
from ..core.errors import EcsApiError
from .cleanup import SettleReport, settle
from .client import IDS_PER_CALL, LiveClient, indexed
from .credentials import Credentials
from .events import CancelReport, cancel_events, scheduled_count
from .guard import LiveGuard
from .journal import Journal, JournalState, journal_files, read_journal
from .settings import LiveSettings

__all__ = ["SIMULATED_EVENT_QUOTA", "LiveSession"]

#: At most this many simulated events may be Scheduled at once in an account.
SIMULATED_EVENT_QUOTA = 1000


class LiveSession:
    """Live mode for one pytest process (or xdist worker): client, guard, journal, output."""

    def __init__(
        self,
        settings: LiveSettings,
        credentials: Credentials,
        *,
        worker: str = "main",
        write: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.worker = worker
        self.scrub = credentials.scrubber()
        self.masked_key = credentials.masked_key
        self.guard = LiveGuard(settings.allowlist)
        self.client = LiveClient(
            credentials,
            region=settings.region,
            endpoint=settings.resolved_endpoint,
            protocol=settings.protocol,
            guard=self.guard,
        )
        self.journal = Journal(settings.journal_dir, worker=worker)
        self._write = write
        self._lock = threading.Lock()
        #: Told the ids of every event created by another client of the process (the
        #: handler's), so that the test's handle owns and cancels them.
        self._listeners: list[Callable[[list[str]], None]] = []

    # -- output -------------------------------------------------------------------------
    def say(self, line: str) -> None:
        text = self.scrub(line)
        if self._write is not None:
            try:
                self._write(text)
                return
            except Exception:  # the terminal went away: fall back to stderr
                pass
        stream = sys.__stderr__
        if stream is not None:
            stream.write(text + "\n")
            stream.flush()

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def endpoint(self) -> str:
        return self.settings.resolved_endpoint

    def matches(self, region: str, endpoint: str, protocol: str) -> bool:
        return (region, endpoint, protocol) == (self.region, self.endpoint, self.settings.protocol)

    def header(self) -> str:
        return (
            f"ecs-events: LIVE mode against a real account: region {self.region}, endpoint "
            f"{self.settings.protocol}://{self.endpoint}, instances {self.settings.alias_text()}, "
            f"AccessKey {self.masked_key}, timeout {self.settings.timeout:g}s, "
            f"journal {self.settings.journal_dir}"
        )

    # -- creating and cancelling ------------------------------------------------------------
    def create(
        self, event_type: str, instance_ids: Sequence[str], not_before: datetime
    ) -> list[str]:
        """CreateSimulatedSystemEvents after the quota check, journaled before and after."""
        ids = list(instance_ids)
        if len(ids) > IDS_PER_CALL:
            raise EcsApiError(
                "InstanceIdLimitExceeded",
                f"at most {IDS_PER_CALL} instances per call, {len(ids)} were given",
                403,
            )
        with self._lock:
            scheduled = scheduled_count(self.client)
            if scheduled + len(ids) > SIMULATED_EVENT_QUOTA:
                raise EcsApiError(
                    "SimulatedEventLimitExceeded",
                    f"not created (checked before creating): region {self.region} already has "
                    f"{scheduled} Scheduled events and {len(ids)} more would pass the limit of "
                    f"{SIMULATED_EVENT_QUOTA} active simulated events. Cancel drills you no "
                    "longer need (ecs-sim live-cleanup cancels leftovers of crashed runs).",
                    403,
                )
            token = self.journal.intent(
                region=self.region,
                endpoint=self.endpoint,
                protocol=self.settings.protocol,
                event_type=event_type,
                instance_ids=ids,
                not_before=not_before,
            )
            try:
                body = self.client.call(
                    "CreateSimulatedSystemEvents",
                    {
                        "RegionId": self.region,
                        "EventType": event_type,
                        "NotBefore": format_api_time(not_before),
                        **indexed("InstanceId", ids),
                    },
                )
            except EcsApiError as exc:
                self.journal.failed(token, exc.code)
                raise
            # LiveConnectionError: the intent stays open; settle() looks for what it made.
            created = [str(e) for e in ((body.get("EventIdSet") or {}).get("EventId") or [])]
            owners = [ids[min(n, len(ids) - 1)] for n in range(len(created))]
            self.journal.created(token, created, owners)
            for event_id, owner in zip(created, owners, strict=True):
                self.guard.own([event_id], owner)
            return created

    def listen(self, listener: Callable[[list[str]], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: Callable[[list[str]], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def intercepted_create(self, params: Mapping[str, str]) -> Callable[[int, bytes], None]:
        """Journal a CreateSimulatedSystemEvents another client of the process is sending
        (the guard allowed it); returns what records its outcome from the real answer.

        The intent is written before the request goes out, as for :meth:`create`. It names
        this session's endpoint and protocol (those the clean-up uses to cancel; an event
        belongs to the account and region, whatever endpoint created it).
        """
        ids = [v for k, v in sorted(_indexed_items(params, "instanceid"))]
        try:
            not_before = parse_api_time(params.get("NotBefore", ""))
        except ValueError:
            not_before = wall_clock_now()
        token = self.journal.intent(
            region=params.get("RegionId") or self.region,
            endpoint=self.endpoint,
            protocol=self.settings.protocol,
            event_type=params.get("EventType", ""),
            instance_ids=ids,
            not_before=not_before,
        )

        def answered(status: int, body: bytes) -> None:
            created = _event_ids(body) if 200 <= status < 300 else []
            if not created:
                self.journal.failed(token, f"HTTP {status}")
                return
            owners = [ids[min(n, len(ids) - 1)] if ids else "" for n in range(len(created))]
            self.journal.created(token, created, owners)
            for event_id, owner in zip(created, owners, strict=True):
                self.guard.own([event_id], owner or None)
            with self._lock:
                listeners = list(self._listeners)
            for listener in listeners:
                listener(created)

        return answered

    def cancel(self, event_ids: Sequence[str]) -> CancelReport:
        report = cancel_events(self.client, event_ids, region=self.region)
        self.journal.cancelled(report.cancelled, how="cancelled")
        self.journal.cancelled(report.finished, how="finished")
        self.journal.cancelled(report.missing, how="missing")
        return report

    def settle(self, why: str) -> SettleReport:
        """Cancel everything this process still has open; say what was done."""
        if self.journal.state.settled:
            return SettleReport()
        result = settle(self.client, self.journal, only=self.matches)
        done = result.report
        if done.cancelled or done.failed or result.errors:
            self.say(
                f"ecs-live: {why}: cancelled {len(done.cancelled)} simulated event(s) this run "
                f"created ({', '.join(done.cancelled) or 'none'})"
            )
        self._warn_leftovers(result, self.journal.path)
        return result

    def _warn_leftovers(self, result: SettleReport, path: Path) -> None:
        problems = [f"{i}: {why}" for i, why in result.report.failed.items()]
        problems += [f"{i}: {why}" for i, why in result.skipped.items()]
        problems += result.errors
        if problems:
            self.say(
                f"ecs-live: WARNING: {len(problems)} simulated event(s) or create(s) could not "
                f"be cancelled yet: {'; '.join(problems)}. They stay in the journal {path}: the "
                f"next run cancels them, or run: ecs-sim live-cleanup --journal {path}"
            )

    def recover(self, states: Sequence[JournalState] | None = None) -> None:
        """Cancel what earlier runs (now dead) left in journals of this directory.

        ``states`` are journals read before the run began (``--cache-clear`` may have removed
        the files since); without them the directory is read now.
        """
        if states is None:
            states = [read_journal(p) for p in journal_files(self.settings.journal_dir)]
        for state in states:
            path = state.path
            if path is None or path == self.journal.path or state.owner_alive():
                continue
            if state.settled:
                path.unlink(missing_ok=True)
                continue
            journal = Journal.resume(state)
            result = settle(self.client, journal, only=self.matches)
            done = result.report
            self.say(
                f"ecs-live: {path.name}: a previous run (pid {state.pid}) did not finish; "
                f"cancelled {len(done.cancelled)} simulated event(s) it left "
                f"({', '.join(done.cancelled) or 'none active'})"
            )
            self._warn_leftovers(result, path)
            if journal.state.settled:
                path.unlink(missing_ok=True)
            elif not path.exists():
                journal.materialize()  # keep what is left for the next run

    def close(self) -> None:
        self.settle("end of session")
        if not self.journal.finish():
            self.say(
                f"ecs-live: the journal {self.journal.path} keeps the events not cancelled; "
                f"run: ecs-sim live-cleanup --journal {self.journal.path}"
            )

    def __repr__(self) -> str:
        return (
            f"<LiveSession {self.settings.protocol}://{self.endpoint} region={self.region} "
            f"worker={self.worker} instances={self.settings.alias_text()}>"
        )


def _indexed_items(params: Mapping[str, str], base: str) -> list[tuple[int, str]]:
    """``(N, value)`` of the parameters ``<base>.N`` (any case); a bare ``<base>`` is 1."""
    found = []
    for name, value in params.items():
        head, _, index = name.partition(".")
        if head.lower() == base:
            found.append((int(index) if index.isdigit() else 1, value))
    return found


def _event_ids(body: bytes) -> list[str]:
    """The ``EventIdSet`` of a CreateSimulatedSystemEvents answer (JSON, or XML)."""
    try:
        data = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace")
        return [str(m) for m in re.findall(r"<EventId>([^<]+)</EventId>", text)]
    event_set = data.get("EventIdSet") if isinstance(data, dict) else None
    listed = event_set.get("EventId") if isinstance(event_set, dict) else None
    return [str(e) for e in listed] if isinstance(listed, list) else []
