"""Names loaded on first use and names that moved (core/lazy.py): ``lazy_exports`` keeps
importing the plugin cheap, ``moved_exports`` keeps old import paths working for a release."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from pytest_ecs_events.core import clock
from pytest_ecs_events.core.lazy import lazy_exports, lazy_values, moved_exports


def test_lazy_exports_load_a_name_once_and_keep_it() -> None:
    namespace: dict[str, Any] = {"already": 1}
    getattr_, dir_ = lazy_exports(
        "pytest_ecs_events.core", namespace, {"parse_duration": ".clock", "Nope": ".clock"}
    )
    assert "parse_duration" not in namespace
    assert getattr_("parse_duration") is clock.parse_duration
    # Bound as a plain attribute: the next read does not come back here.
    assert namespace["parse_duration"] is clock.parse_duration
    assert dir_() == ["Nope", "already", "parse_duration"]


def test_lazy_exports_refuse_an_unknown_name() -> None:
    getattr_, _ = lazy_exports("pkg.sub", {}, {"known": ".clock"})
    with pytest.raises(AttributeError, match=r"module 'pkg\.sub' has no attribute 'unknown'"):
        getattr_("unknown")


def test_lazy_values_make_a_value_on_the_first_read_and_keep_it() -> None:
    made: list[str] = []
    namespace: dict[str, Any] = {"already": 1}

    def make() -> object:
        made.append("value")
        return object()

    getattr_, dir_ = lazy_values("pkg.mod", namespace, {"VALUE": make})
    assert dir_() == ["VALUE", "already"]  # listed before it is made
    assert made == []
    value = getattr_("VALUE")
    assert namespace["VALUE"] is value
    assert made == ["value"]
    with pytest.raises(AttributeError, match=r"module 'pkg\.mod' has no attribute 'OTHER'"):
        getattr_("OTHER")


def test_moved_exports_warn_on_every_read_and_return_the_moved_object() -> None:
    namespace: dict[str, Any] = {}
    getattr_, dir_ = moved_exports(
        "pkg.old", namespace, {"parse_duration": "pytest_ecs_events.core.clock"}, removal="9.9"
    )
    for _ in range(2):  # not cached: each read warns
        with pytest.warns(DeprecationWarning, match="moved to") as record:
            assert getattr_("parse_duration") is clock.parse_duration
        (warning,) = record
        assert str(warning.message) == (
            "pkg.old.parse_duration moved to pytest_ecs_events.core.clock.parse_duration: "
            "import it from there (the old path is deprecated and stops working in 9.9)"
        )
    assert namespace == {}
    assert dir_() == ["parse_duration"]


def test_moved_exports_point_the_warning_at_the_caller() -> None:
    getattr_, _ = moved_exports("pkg.old", {}, {"parse_duration": "pytest_ecs_events.core.clock"})
    with pytest.warns(DeprecationWarning, match=r"stops working in 0\.3") as record:
        getattr_("parse_duration")
    assert record[0].filename == __file__


def test_moved_exports_refuse_an_unknown_name_without_warning() -> None:
    getattr_, _ = moved_exports("pkg.old", {}, {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match=r"module 'pkg\.old' has no attribute 'gone'"):
            getattr_("gone")


def test_the_package_names_load_on_first_use() -> None:
    import pytest_ecs_events
    from pytest_ecs_events import core

    for package in (pytest_ecs_events, core):
        for name in package.__all__:
            assert getattr(package, name) is not None
            assert name in dir(package)
        with pytest.raises(AttributeError, match="no attribute 'Nope'"):
            _ = package.Nope
    assert pytest_ecs_events.EcsSimulator.__module__ == "pytest_ecs_events.simulator"


def test_a_module_on_first_use_is_imported_by_the_first_call_and_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from pytest_ecs_events.core import lazy

    imported: list[tuple[str, str | None]] = []
    real = importlib.import_module

    def spy(name: str, package: str | None = None) -> object:
        imported.append((name, package))
        return real(name, package)

    monkeypatch.setattr(lazy.importlib, "import_module", spy)
    load = lazy.module_on_first_use(".clock", "pytest_ecs_events.core")
    assert imported == []  # nothing at definition
    assert load() is clock
    assert load() is clock
    assert imported == [(".clock", "pytest_ecs_events.core")]  # once
