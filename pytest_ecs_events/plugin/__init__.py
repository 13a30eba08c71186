"""The pytest plugin: options, markers, hooks and fixtures (entry point ``ecs_events``).

Importing this module is cheap: no SDK, no ``responses`` and no simulator until a test asks
for ``ecs_sim``.
"""

from __future__ import annotations

import pytest

from .._version import __version__
from . import options, report
from .config import ini_region
from .fixtures import ecs_sim
from .markers import EVENT_MARKER_HELP, SIM_MARKER_HELP
from .server import ecs_server

__all__ = ["ecs_server", "ecs_sim"]
pytest_plugins = ["pytest_ecs_events.plugin.live"]  # --ecs-live: live mode


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from .. import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", SIM_MARKER_HELP)
    config.addinivalue_line("markers", EVENT_MARKER_HELP)
    if config.getoption("ecs_timeline", default=False) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(report.PassedTimelines(config), "ecs-events-timelines")


def pytest_report_header(config: pytest.Config) -> list[str]:
    region = ini_region(config)
    duration = config.getini("ecs_sim_execution_duration") or "30s"
    timeline = "every test" if config.getoption("ecs_timeline", default=False) else "failures"
    patch_time = "on" if config.getini("ecs_sim_patch_time") else "off"
    if patch_time == "on":
        from ..timepatch import time_machine_available

        if not time_machine_available():
            patch_time += " (time-machine is not installed!)"
    return [
        f"ecs-events: {__version__}, offline simulator, default region {region}",
        f"ecs-events settings: execution duration {duration}, timeline on {timeline}, "
        f"patch_time {patch_time}",
    ]
