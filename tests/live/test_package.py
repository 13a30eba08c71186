"""The ``live`` package root: the old flat names (deprecated) and no pytest anywhere."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import pytest_ecs_events.live
import pytest_ecs_events.live_journal
from pytest_ecs_events.live import _MOVED

OLD_NAMES = [(name, module) for module, names in _MOVED.items() for name in names]
JOURNAL_NAMES = ["FORMAT_VERSION", "JOURNAL_GLOB", "EventRecord", "Intent", "Journal",
                 "JournalState", "journal_files", "read_journal"]  # fmt: skip


@pytest.mark.parametrize(("name", "module"), OLD_NAMES, ids=[n for n, _ in OLD_NAMES])
def test_the_old_flat_names_warn_and_give_the_moved_object(name: str, module: str) -> None:
    new = f"pytest_ecs_events.live.{module}"
    with pytest.warns(DeprecationWarning, match=rf"pytest_ecs_events\.live\.{name} moved to {new}"):
        old = getattr(pytest_ecs_events.live, name)
    assert old is getattr(importlib.import_module(new), name)


def test_every_public_name_of_the_old_module_is_served() -> None:
    """What ``live.py`` had (its ``__all__`` and the other public names tests and users
    imported), including ``prepare_handle``, which moved to the plugin."""
    served = set(dir(pytest_ecs_events.live))
    old_all = {"ACCESS_KEY_ID_ENV", "ACCESS_KEY_SECRET_ENV", "SIMULATED_EVENT_QUOTA",
               "CancelReport", "Credentials", "CredentialsMissing", "LiveApiError", "LiveClient",
               "LiveConnectionError", "LiveEcs", "LiveGuard", "LiveGuardError", "LiveSession",
               "LiveSettings", "Scrubber", "SettleReport", "parse_endpoint", "parse_instance_map",
               "settle", "DEFAULT_TIMEOUT", "parse_timeout", "cancel_events", "prepare_handle",
               "cleanup_journals", "DEFAULT_JOURNAL_DIR"}  # fmt: skip
    assert old_all <= served
    with pytest.warns(DeprecationWarning, match="moved to pytest_ecs_events.plugin.live"):
        from pytest_ecs_events.live import prepare_handle
    from pytest_ecs_events.plugin import live as glue

    assert prepare_handle is glue.prepare_handle


def test_settle_is_the_function_not_a_module() -> None:
    """No submodule is named like an old flat name (it would shadow it once imported)."""
    import pytest_ecs_events.live.cleanup

    submodules = set(_MOVED) | {"journal", "records", "waiting"}
    assert not submodules & {name for name, _ in OLD_NAMES}
    with pytest.warns(DeprecationWarning, match="moved to pytest_ecs_events.live.cleanup"):
        settle = pytest_ecs_events.live.settle
    assert settle is pytest_ecs_events.live.cleanup.settle


@pytest.mark.parametrize("name", JOURNAL_NAMES)
def test_the_old_journal_module_warns(name: str) -> None:
    with pytest.warns(DeprecationWarning, match="moved to pytest_ecs_events.live.journal"):
        old = getattr(pytest_ecs_events.live_journal, name)
    assert old is getattr(importlib.import_module("pytest_ecs_events.live.journal"), name)


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = pytest_ecs_events.live.Nope


def test_live_mode_imports_no_pytest() -> None:
    """The live client and handle are usable (and tested) without pytest."""
    modules = ", ".join(f"pytest_ecs_events.live.{m}" for m in [*_MOVED, "journal", "records",
                                                                 "waiting"])  # fmt: skip
    held = "m.split('.')[0] in ('pytest', '_pytest') or m.startswith('pytest_ecs_events.plugin')"
    code = f"import sys, {modules}; print(sorted(m for m in sys.modules if {held}))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    assert output.strip() == "[]"
