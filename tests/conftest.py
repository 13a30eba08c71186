"""Shared fixtures of the plugin's own tests (pytester comes from ``-p pytester`` in addopts):
``ecs_pytester``, and the simulator and loopback server of the server and fault tests."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.simulators import DEFAULT_SIM


@pytest.fixture(scope="session")
def _preloaded_modules() -> None:
    """Import the heavy modules once, before any ``pytester`` snapshot of ``sys.modules``.

    pytester removes the modules an in-process run imported; the ones imported before stay,
    so inner runs do not import ``responses`` and the SDKs again each time.
    """
    for module in (
        "pytest_ecs_events.transports.intercept",
        "http.cookiejar",
        "requests",
        "responses",
        "aliyunsdkcore.client",
        "aliyunsdkecs",
        "alibabacloud_ecs20140526.client",
        "darabonba.core",
    ):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


@pytest.fixture
def pytester(_preloaded_modules: None, pytester: pytest.Pytester) -> pytest.Pytester:
    """Every pytester (not only ``ecs_pytester``) runs after the preload: an in-process run
    that was first to import ``requests`` would leave a later run with a second copy of
    ``requests.cookies`` and the first copy's cookie jars ("You can only merge into
    CookieJar"), so a test's outcome would depend on the order of the tests."""
    return pytester


@pytest.fixture
def ecs_pytester(
    _preloaded_modules: None, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """``pytester`` whose inner runs load only this plugin (fast, and no other plugin's hooks)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PYTEST_PLUGINS", "pytest_ecs_events.plugin")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    return pytester


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[EcsSimulator]:
    """The simulator of the loopback server's and the fault tests (``DEFAULT_SIM``).

    Other settings come from indirect parametrisation (``tests/helpers/simulators.py``);
    ``intercept=True`` starts it for the test. Other folders' ``sim`` fixtures (a core
    ``Simulation``, a webhook simulator...) are their own and override this one.
    """
    settings: dict[str, Any] = {**DEFAULT_SIM, **getattr(request, "param", {})}
    intercept = settings.pop("intercept", False)
    simulator = EcsSimulator(**settings)
    if not intercept:
        yield simulator
        return
    with simulator:
        yield simulator


@pytest.fixture
def server(request: pytest.FixtureRequest, sim: EcsSimulator) -> Iterator[EcsServer]:
    """``sim`` over HTTP on loopback (settings by indirect parametrisation); the test fails
    if the server met an error."""
    with EcsServer(sim, **getattr(request, "param", {})) as running:
        yield running
    assert running.errors == []


@pytest.fixture
def acs_client() -> Iterator[Callable[..., Any]]:
    """Makes legacy ``AcsClient``s for calls over a real socket (the loopback server), and
    closes their connection pools at teardown, as a program's exit would.

    The legacy SDK keeps a pooled keep-alive connection in each client's session; left open,
    its socket warns (``ResourceWarning``, an error here) whenever the GC reaches it, in
    whatever test runs then.
    """
    from aliyunsdkcore.client import AcsClient

    made: list[Any] = []

    def make(*args: Any, **kwargs: Any) -> Any:
        client = AcsClient(*args, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.session.close()
