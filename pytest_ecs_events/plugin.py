"""The pytest plugin: options, markers, hooks and fixtures (entry point ``ecs_events``).

Importing this module is cheap: no SDK, no ``responses`` and no simulator until a test asks
for ``ecs_sim``.
"""

from __future__ import annotations

import pytest

from . import __version__, report
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
    parser.addini(
        "ecs_sim_patch_time",
        "move time.time() and datetime.now() with the virtual clock in every ecs_sim test "
        "(needs time-machine; default false)",
        type="bool",
        default=False,
    )
    parser.getgroup("ecs-events").addoption(
        "--ecs-timeline",
        action="store_true",
        default=False,
        dest="ecs_timeline",
        help="show the 'ecs events' timeline (event changes and API calls) for passing tests "
        "too, not only for failing ones",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", SIM_MARKER_HELP)
    config.addinivalue_line("markers", EVENT_MARKER_HELP)
    if config.getoption("ecs_timeline", default=False) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(report.PassedTimelines(config), "ecs-events-timelines")


def pytest_report_header(config: pytest.Config) -> list[str]:
    region = config.getini("ecs_sim_region")
    duration = config.getini("ecs_sim_execution_duration") or "30s"
    timeline = "every test" if config.getoption("ecs_timeline", default=False) else "failures"
    patch_time = "on" if config.getini("ecs_sim_patch_time") else "off"
    if patch_time == "on":
        from .timepatch import time_machine_available

        if not time_machine_available():
            patch_time += " (time-machine is not installed!)"
    return [
        f"ecs-events: {__version__}, offline simulator, default region {region}",
        f"ecs-events settings: execution duration {duration}, timeline on {timeline}, "
        f"patch_time {patch_time}",
    ]
