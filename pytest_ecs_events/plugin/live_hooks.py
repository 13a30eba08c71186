"""Live mode's two start-up hooks, registered in every run: with ``--ecs-live`` they load live
mode (:mod:`.live`, and its scrubbing with it) and hand it the run; without it they return.

Every pytest start-up imports the plugin, and a run offline needs none of live mode's glue:
this module keeps it, and what it imports, out of those start-ups.
"""

from __future__ import annotations

import pytest

__all__ = ["pytest_cmdline_main", "pytest_configure"]


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """First: earlier runs' journals are read before ``--cache-clear`` can remove them."""
    if config.getoption("ecs_live", False):
        from .live import read_leftover_journals

        read_leftover_journals(config)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Last: the live session starts once every other plugin is configured."""
    if config.getoption("ecs_live", False):
        from .live import start_live_run

        start_live_run(config)
