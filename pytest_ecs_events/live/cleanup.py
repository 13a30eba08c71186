"""Settling what runs left open: cancel every simulated event a journal still has.

:func:`settle` serves the end of a test session, the next run after a crash (a journal whose
process is gone) and ``ecs-sim live-cleanup`` (:func:`cleanup_journals`): unfinished creates
are looked for first, then every open event is cancelled, region by region.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import EcsApiError
from .client import LiveClient
from .credentials import Credentials
from .errors import LiveConnectionError, LiveGuardError
from .events import CancelReport, cancel_events, find_intent_events
from .guard import LiveGuard
from .journal import EventRecord, Journal, journal_files, read_journal

__all__ = ["SettleReport", "cleanup_journals", "settle"]


@dataclass
class SettleReport:
    """The outcome of settling a journal."""

    report: CancelReport = field(default_factory=CancelReport)
    adopted: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.report.failed and not self.skipped and not self.errors


def settle(
    client: LiveClient,
    journal: Journal,
    *,
    only: Callable[[str, str, str], bool] | None = None,
) -> SettleReport:
    """Cancel everything a journal still has open: found intents first, then its events.

    ``only(region, endpoint, protocol)`` limits the clean-up to what this client may reach;
    the rest is reported as skipped (with the reason) and stays in the journal.
    """
    result = SettleReport()
    state = journal.state
    for intent in list(state.open_intents.values()):
        if only is not None and not only(intent.region, intent.endpoint, intent.protocol):
            result.skipped[intent.token] = f"created through {intent.endpoint} in {intent.region}"
            continue
        outside = [i for i in intent.instance_ids if i not in client.guard.allowlist]
        if outside:
            result.skipped[intent.token] = f"instances outside the allowlist: {', '.join(outside)}"
            continue
        try:
            found = find_intent_events(client, intent)
        except (EcsApiError, LiveConnectionError, LiveGuardError) as exc:
            result.errors.append(f"looking for the events of an unfinished create: {exc}")
            continue
        journal.adopt(found)
        journal.resolved(intent.token)
        result.adopted += len(found)
    groups: dict[str, list[EventRecord]] = {}
    for record in list(state.outstanding.values()):
        if only is not None and not only(record.region, record.endpoint, record.protocol):
            result.skipped[record.event_id] = (
                f"created through {record.endpoint} in {record.region}"
            )
            continue
        if record.instance_id not in client.guard.allowlist:
            result.skipped[record.event_id] = (
                f"instance {record.instance_id} is outside the allowlist"
            )
            continue
        client.guard.own([record.event_id], record.instance_id)
        groups.setdefault(record.region, []).append(record)
    for region, records in groups.items():
        report = cancel_events(client, [r.event_id for r in records], region=region)
        journal.cancelled(report.cancelled, how="cancelled")
        journal.cancelled(report.finished, how="finished")
        journal.cancelled(report.missing, how="missing")
        result.report.merge(report)
    return result


def cleanup_journals(
    location: Path,
    credentials: Credentials,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    protocol: str | None = None,
    instances: Iterable[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> bool:
    """Cancel what crashed runs left in the journals at ``location`` (``ecs-sim live-cleanup``).

    The allowlist is the instances each journal names (they were in the allowlist of the run
    that wrote it), narrowed by ``instances``. ``region`` limits the clean-up to that region;
    ``endpoint``/``protocol`` replace the recorded ones. Journals of a live process are left
    alone unless ``force``. Returns whether everything is settled.
    """
    scrub = credentials.scrubber()
    paths = journal_files(location)
    if not paths:
        say(f"no journal at {location}: nothing to clean up")
        return True
    clean = True
    for path in paths:
        state = read_journal(path)
        name = path.name
        if state.settled:
            say(f"{name}: nothing left to cancel")
            if not state.owner_alive() and not dry_run:
                path.unlink(missing_ok=True)
            continue
        if state.owner_alive() and not force:
            say(
                f"{name}: its run (pid {state.pid}) is still going and cleans up after itself; "
                "skipped (--force to clean up anyway)"
            )
            clean = False
            continue
        allow = state.instance_ids
        if instances is not None:
            allow &= set(instances)
        groups: set[tuple[str, str, str]] = {
            (r.region, r.endpoint, r.protocol) for r in state.outstanding.values()
        } | {(i.region, i.endpoint, i.protocol) for i in state.open_intents.values()}
        journal = Journal.resume(state)
        for group_region, group_endpoint, group_protocol in sorted(groups):
            if region is not None and group_region != region:
                say(f"{name}: events in {group_region} left alone (--region {region})")
                clean = False
                continue
            target = endpoint or group_endpoint
            scheme = protocol or group_protocol
            todo = [r.event_id for r in state.outstanding.values() if r.region == group_region]
            if dry_run:
                say(
                    f"{name}: would cancel {len(todo)} event(s) in {group_region} through "
                    f"{scheme}://{target}: {', '.join(todo) or 'none'} (and look for the "
                    f"events of {len(state.open_intents)} unfinished create(s))"
                )
                clean = False
                continue
            client = LiveClient(
                credentials,
                region=group_region,
                endpoint=target,
                protocol=scheme,
                guard=LiveGuard(allow),
            )

            def same_group(
                r: str,
                e: str,
                p: str,
                g: tuple[str, str, str] = (group_region, group_endpoint, group_protocol),
            ) -> bool:
                return (r, e, p) == g

            try:
                result = settle(client, journal, only=same_group)
            except (EcsApiError, LiveConnectionError, LiveGuardError) as exc:
                say(scrub(f"{name}: clean-up in {group_region} failed: {exc}"))
                clean = False
                continue
            done = result.report
            say(
                f"{name}: cancelled {len(done.cancelled)} simulated event(s) in {group_region}"
                f"{' (' + ', '.join(done.cancelled) + ')' if done.cancelled else ''}; "
                f"{len(done.finished)} had already finished, {len(done.missing)} were gone"
                + (f", {result.adopted} found for unfinished creates" if result.adopted else "")
            )
            problems = [f"{i}: {why}" for i, why in {**done.failed, **result.skipped}.items()]
            problems += result.errors
            for problem in problems:
                say(scrub(f"{name}: NOT settled: {problem}"))
            clean = clean and not problems
        if journal.state.settled and not dry_run:
            path.unlink(missing_ok=True)
            say(f"{name}: settled, removed")
        elif not dry_run:
            clean = False
            say(f"{name}: kept ({len(journal.state.outstanding)} event(s) still open)")
    return clean
