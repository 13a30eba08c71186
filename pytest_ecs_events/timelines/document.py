"""A timeline as a JSON-ready document: what ``--ecs-timeline-json`` writes and what the
pictures are drawn from, so the two always show the same data.

The schema is documented in ``docs/timeline.md`` ("The JSON document"); ``SCHEMA`` names
its version. Every record keeps all its fields (converted to JSON values) besides the
readings every kind shares (instances, subject, value, failure, a one-line summary).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ..core.timeline import (
    Timeline,
    fields_of,
    instances_of,
    is_failure,
    subject_of,
    summary_of,
    value_of,
)

__all__ = ["POINT_KINDS", "SCHEMA", "iso", "timeline_document"]

SCHEMA = "pytest-ecs-events/timeline/1"
#: Kinds drawn as moments (ticks), not as stretches of time in a value.
POINT_KINDS = frozenset({"call"})


def iso(when: datetime) -> str:
    """UTC, to the second (with the fraction only when there is one), ending in ``Z``."""
    when = when.astimezone(timezone.utc)
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    if when.microsecond:
        text += f".{when.microsecond:06d}".rstrip("0")
    return text + "Z"


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return _json(value.value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json(v) for v in value]
    return str(value)


def _offset(timeline: Timeline, when: datetime) -> float:
    return round((when - timeline.start).total_seconds(), 6)


def timeline_document(
    timeline: Timeline,
    *,
    title: str = "",
    region: str = "",
    outcome: str = "",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The document of ``timeline``; ``title`` (a test's node id), ``region`` and ``outcome``
    (passed, failed, skipped...) say what it is; ``extra`` adds keys of the caller's."""
    records = []
    for record in timeline:
        fields = fields_of(record)
        records.append(
            {
                "time": iso(record.time),
                "offset": _offset(timeline, record.time),
                "kind": record.kind,
                "instance_id": record.instance_id,
                "instance_ids": list(instances_of(record)),
                "subject": subject_of(record),
                "value": value_of(record),
                "failure": is_failure(record),
                "summary": summary_of(record),
                "fields": {name: _json(v) for name, v in fields.items()},
            }
        )
    intervals = []
    for kind in timeline.kinds:
        if kind in POINT_KINDS:
            continue
        for interval in timeline.intervals(kind, merge=False):
            intervals.append(
                {
                    "kind": kind,
                    "instance_id": interval.instance_id,
                    "subject": interval.subject,
                    "value": interval.value,
                    "start": iso(interval.start),
                    "end": iso(interval.end) if interval.end is not None else None,
                    "start_offset": _offset(timeline, interval.start),
                    "end_offset": (
                        _offset(timeline, interval.end) if interval.end is not None else None
                    ),
                }
            )
    instances = timeline.instances
    lanes = [*instances, ""] if any(not r["instance_ids"] for r in records) else instances
    return {
        "schema": SCHEMA,
        "title": title,
        "outcome": outcome,
        "region": region,
        "start": iso(timeline.start),
        "end": iso(timeline.end),
        "duration": _offset(timeline, timeline.end),
        "lanes": lanes,
        "counts": timeline.count_by_kind(),
        "failures": sum(1 for r in records if r["failure"]),
        "records": records,
        "intervals": intervals,
        **(dict(extra) if extra else {}),
    }
