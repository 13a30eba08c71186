"""An event's shared part is copied field by field on a change (core/models.py): the
generated copier copies every field and resets ``successor``, as the loop it replaces did."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

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


def _copied_then_set(old: object, name: str, value: object) -> object:
    """The change made the way the generated makers replace: a copy, then its fields set."""
    from pytest_ecs_events.core.models import _FIRE_AS, _MOVE_AS, _RECORD_AS, STATE_CODES

    new = _copy_part(old)  # type: ignore[arg-type]
    for kind, names in (("trail", _RECORD_AS), ("move", _MOVE_AS), ("fire", _FIRE_AS)):
        for state, change in names.items():
            if change != name:
                continue
            new.trail = (*old.trail, value, STATE_CODES[state])  # type: ignore[attr-defined]
            if kind != "trail":
                new.state = state
            if kind == "fire":
                new.revision = old.revision + 1  # type: ignore[attr-defined]
                new.version = old.version + 1  # type: ignore[attr-defined]
                if state.is_final:
                    new.finish_time = value  # type: ignore[assignment]
            return new
    if name == "start":
        new.execute_start_time = value  # type: ignore[assignment]
        new.version = old.version + 1  # type: ignore[attr-defined]
    else:
        setattr(new, name, value)
    return new


def test_every_generated_change_is_a_copy_with_its_fields_set() -> None:
    from pytest_ecs_events.core.models import _CHANGE_MAKERS, _CHANGES

    later = NOW + timedelta(hours=5)
    assert {"start", *_SHARED_FIELDS} <= set(_CHANGES)
    for name in _CHANGES:
        part = _part()
        changed = _changed(part, name, later)  # type: ignore[arg-type]
        assert name in _CHANGE_MAKERS  # made by that first use, and kept
        expected = _copied_then_set(part, name, later)
        assert changed is not part
        assert changed.successor is None
        for field in _SHARED_FIELDS:
            assert getattr(changed, field) == getattr(expected, field), (name, field)
            assert type(getattr(changed, field)) is type(getattr(expected, field)), (name, field)


def test_the_generated_changes_are_made_at_first_use_not_at_import() -> None:
    # Compiling every change at import cost each process's first test more than a test's
    # few changes save: a fresh interpreter imports the module with none made.
    code = (
        "from pytest_ecs_events.core import models\n"
        "assert models._CHANGE_MAKERS == {}, models._CHANGE_MAKERS\n"
        "print(len(models._CHANGES))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > len(_SHARED_FIELDS)


def test_an_unknown_change_name_is_refused_as_before_and_makes_nothing() -> None:
    from pytest_ecs_events.core.models import _CHANGE_MAKERS

    with pytest.raises(AttributeError):
        _changed(_part(), "no_such_field", 1)  # type: ignore[arg-type]
    assert "no_such_field" not in _CHANGE_MAKERS
