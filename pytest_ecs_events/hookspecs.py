"""Hooks a conftest or plugin can implement (registered through ``pytest_addhooks``).

All are called with keyword arguments. Observer hooks are only wired up when some plugin
implements them, so they cost nothing otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy
import pytest

if TYPE_CHECKING:
    from .api.calls import ApiCall
    from .core.catalog import Catalog
    from .core.lifecycle import InstanceChange, Transition
    from .simulator import EcsSimulator

hookspec = pluggy.HookspecMarker("pytest")


@hookspec(firstresult=True)
def pytest_ecs_events_configure_catalog(catalog: Catalog, config: pytest.Config) -> Catalog | None:
    """Return a changed catalog (``catalog.with_changes(...)``) to add event types or
    override numeric codes for every simulator of the run; None keeps it."""


@hookspec
def pytest_ecs_events_simulator_created(simulator: EcsSimulator, item: pytest.Item) -> None:
    """A simulator was built for ``item`` (markers applied, before the test body)."""


@hookspec
def pytest_ecs_events_transition(transition: Transition, simulator: EcsSimulator) -> None:
    """An event changed state (or was created: ``transition.old_state`` is None)."""


@hookspec
def pytest_ecs_events_instance_change(change: InstanceChange, simulator: EcsSimulator) -> None:
    """An instance changed status (``change.new_status`` None: released)."""


@hookspec
def pytest_ecs_events_api_call(call: ApiCall, simulator: EcsSimulator) -> None:
    """The simulator answered an API call."""
