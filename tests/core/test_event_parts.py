"""An event's shared part is copied field by field on a change (core/models.py): the
generated copier copies every field and resets ``successor``, as the loop it replaces did."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pytest_ecs_events.core.catalog import EventState
from pytest_ecs_events.core.models import _SHARED_FIELDS, _changed, _copy_part, _new_shared

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _part() -> object:
    values = (
        "cn-hangzhou", "SystemMaintenance.Reboot", EventState.Scheduled, NOW + timedelta(hours=1),
        NOW, True, "simulated", "code", "level", None, None, {"k": "v"}, ("x", 1), 3, 4,
    )  # fmt: skip
    part, _ = _new_shared(values, 1000)
    part.successor = ("state", "anything", part)  # type: ignore[attr-defined]
    return part


def test_the_copy_holds_every_field_of_the_part_and_no_successor() -> None:
    part = _part()
    copy = _copy_part(part)  # type: ignore[arg-type]
    assert copy is not part
    assert all(getattr(copy, name) is getattr(part, name) for name in _SHARED_FIELDS)
    assert copy.successor is None


def test_a_change_sets_only_its_field() -> None:
    part = _part()
    later = NOW + timedelta(hours=5)
    changed = _changed(part, "finish_time", later)  # type: ignore[arg-type]
    assert changed.finish_time is later
    assert changed.successor is None
    assert all(
        getattr(changed, name) is getattr(part, name)
        for name in _SHARED_FIELDS
        if name != "finish_time"
    )
