"""The pytest plugin: options, markers, hooks and fixtures (entry point ``ecs_events``).

Importing this module is cheap: no SDK, no ``responses`` and no simulator until a test asks
for ``ecs_sim``.
"""

from __future__ import annotations

import pytest

from . import __version__
from .fixtures import ecs_sim
from .markers import EVENT_MARKER_HELP, SIM_MARKER_HELP
from .server_fixture import ecs_server

__all__ = ["ecs_server", "ecs_sim"]
pytest_plugins = ["pytest_ecs_events.live_plugin"]  # --ecs-live: live mode


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "ecs_sim_region", "default region of the ecs_sim fixture (default cn-hangzhou)",
        default="cn-hangzhou",
    )  # fmt: skip
    parser.addini(
        "ecs_sim_execution_duration",
        "how long simulated maintenance events stay Executing (default 30s)",
        default="30s",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", SIM_MARKER_HELP)
    config.addinivalue_line("markers", EVENT_MARKER_HELP)


def pytest_report_header(config: pytest.Config) -> str:
    region = config.getini("ecs_sim_region")
    return f"ecs-events: {__version__}, offline simulator, default region {region}"
