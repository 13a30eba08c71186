"""Shared fixtures of the plugin's own tests (pytester comes from ``-p pytester`` in addopts)."""

from __future__ import annotations

import contextlib
import importlib

import pytest


@pytest.fixture(scope="session")
def _preloaded_modules() -> None:
    """Import the heavy modules once, before any ``pytester`` snapshot of ``sys.modules``.

    pytester removes the modules an in-process run imported; the ones imported before stay,
    so inner runs do not import ``responses`` and the SDKs again each time.
    """
    for module in (
        "pytest_ecs_events.transports.intercept",
        "responses",
        "aliyunsdkcore.client",
        "aliyunsdkecs",
        "alibabacloud_ecs20140526.client",
        "darabonba.core",
    ):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


@pytest.fixture
def ecs_pytester(
    _preloaded_modules: None, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """``pytester`` whose inner runs load only this plugin (fast, and no other plugin's hooks)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PYTEST_PLUGINS", "pytest_ecs_events.plugin")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    return pytester
