"""Reading and cancelling simulated events through the live client.

Batched by the API's limit of ids per call and paged by ``NextToken``. Cancelling never
raises for one event: each ends up cancelled, finished, gone, or failed with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..core.catalog import FINAL_STATES, EventState
from ..core.clock import format_api_time
from ..core.errors import EcsApiError
from .client import IDS_PER_CALL, LiveClient, indexed
from .errors import LiveConnectionError
from .journal import EventRecord, Intent
from .records import event_records, state_of

__all__ = [
    "ACTIVE_SIMULATED_STATES",
    "ALL_STATES",
    "CancelReport",
    "cancel_events",
    "describe_events",
    "find_intent_events",
    "scheduled_count",
]

ALL_STATES = tuple(s.value for s in EventState)
ACTIVE_SIMULATED_STATES = ("Scheduled", "Executing")
_FINAL_NAMES = frozenset(s.value for s in FINAL_STATES)


def describe_events(
    client: LiveClient, event_ids: Sequence[str], *, region: str | None = None
) -> dict[str, dict[str, Any]]:
    """The API records of these events, in every state, by id (missing ones left out)."""
    found: dict[str, dict[str, Any]] = {}
    ids = list(dict.fromkeys(event_ids))
    for start in range(0, len(ids), IDS_PER_CALL):
        batch = ids[start : start + IDS_PER_CALL]
        params: dict[str, object] = {
            "RegionId": region or client.region,
            **indexed("EventId", batch),
            **indexed("InstanceEventCycleStatus", ALL_STATES),
            "MaxResults": IDS_PER_CALL,
        }
        for record in _paged(client, params):
            found[str(record.get("EventId"))] = record
    return found


def _paged(client: LiveClient, params: dict[str, object]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for _ in range(1000):  # a bound, not a limit anyone should reach
        body = client.call("DescribeInstanceHistoryEvents", params)
        records.extend(event_records(body))
        token = body.get("NextToken")
        if not token:
            break
        params = {**params, "NextToken": token}
    return records


def scheduled_count(client: LiveClient, *, region: str | None = None) -> int:
    """How many events of the account are Scheduled in the region (the quota's measure)."""
    body = client.call(
        "DescribeInstanceHistoryEvents",
        {
            "RegionId": region or client.region,
            "InstanceEventCycleStatus.1": "Scheduled",
            "MaxResults": 10,
        },
    )
    try:
        return int(body.get("TotalCount", 0))
    except (TypeError, ValueError):
        return 0


@dataclass
class CancelReport:
    """What a clean-up did: cancelled, already finished, gone, or failed (with the reason)."""

    cancelled: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def settled(self) -> list[str]:
        return self.cancelled + self.finished + self.missing

    def merge(self, other: CancelReport) -> None:
        self.cancelled += other.cancelled
        self.finished += other.finished
        self.missing += other.missing
        self.failed.update(other.failed)


def cancel_events(client: LiveClient, event_ids: Sequence[str], *, region: str) -> CancelReport:
    """Cancel whichever of these (own) events are still active; never raises for one event.

    Finished events are left alone; an event the API no longer knows counts as gone. A batch
    the API refuses is retried event by event, so one bad id does not keep the others alive.
    """
    report = CancelReport()
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return report
    try:
        states = {i: state_of(r) for i, r in describe_events(client, ids, region=region).items()}
    except (EcsApiError, LiveConnectionError):
        states = {}  # cancel them all: cancelling is harmless, leaving them is not
    report.finished = [i for i in ids if states.get(i) in _FINAL_NAMES]
    active = [i for i in ids if i not in report.finished]
    for start in range(0, len(active), IDS_PER_CALL):
        batch = active[start : start + IDS_PER_CALL]
        try:
            client.call(
                "CancelSimulatedSystemEvents", {"RegionId": region, **indexed("EventId", batch)}
            )
            report.cancelled += batch
        except (EcsApiError, LiveConnectionError):
            for event_id in batch:
                _cancel_one(client, event_id, region, report)
    return report


def _cancel_one(client: LiveClient, event_id: str, region: str, report: CancelReport) -> None:
    try:
        client.call("CancelSimulatedSystemEvents", {"RegionId": region, "EventId.1": event_id})
        report.cancelled.append(event_id)
        return
    except LiveConnectionError as exc:
        report.failed[event_id] = str(exc)
        return
    except EcsApiError as exc:
        if exc.code.startswith("InvalidEventId.NotFound"):
            report.missing.append(event_id)
            return
        if exc.code == "CannotCancelSystemEvent.NotSimulated":
            report.missing.append(event_id)  # not a drill: not ours to cancel
            return
        reason = f"{exc.code}: {exc.message}"
    try:  # it may have finished between the read and the cancel
        record = describe_events(client, [event_id], region=region).get(event_id)
    except (EcsApiError, LiveConnectionError):
        record = None
    if record is not None and state_of(record) in _FINAL_NAMES:
        report.finished.append(event_id)
    else:
        report.failed[event_id] = reason


def find_intent_events(client: LiveClient, intent: Intent) -> list[EventRecord]:
    """Events a create may have made before its outcome was journaled (found by their fields)."""
    found: list[EventRecord] = []
    for instance_id in intent.instance_ids:
        params: dict[str, object] = {
            "RegionId": intent.region,
            "InstanceId": instance_id,
            "EventType": intent.event_type,
            **indexed("InstanceEventCycleStatus", ACTIVE_SIMULATED_STATES),
            "NotBefore.Start": format_api_time(intent.not_before),
            "NotBefore.End": format_api_time(intent.not_before),
            "EventPublishTime.Start": format_api_time(intent.time - timedelta(minutes=15)),
            "MaxResults": IDS_PER_CALL,
        }
        for record in _paged(client, params):
            found.append(
                EventRecord(
                    event_id=str(record.get("EventId")),
                    instance_id=str(record.get("InstanceId") or instance_id),
                    event_type=intent.event_type,
                    region=intent.region,
                    endpoint=intent.endpoint,
                    protocol=intent.protocol,
                )
            )
    return found
