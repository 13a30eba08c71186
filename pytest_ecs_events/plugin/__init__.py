"""The pytest plugin: options, markers, hooks and fixtures (entry point ``ecs_events``).

Importing this module is cheap: no SDK, no ``responses`` and no simulator until a test asks
for ``ecs_sim``.
"""

from __future__ import annotations

from .rewriting import leave_unrewritten

# Before the plugin's own imports, so that they (and the simulator stack a test loads later)
# load as plain modules rather than through pytest's assertion rewriting (plugin/rewriting.py).
leave_unrewritten()

import pytest

from .._version import __version__
from . import options
from .config import check_ini_regions, ini_region
from .fixtures import RUNNING_ITEMS, ecs_sim
from .marker_names import EVENT_MARKER_HELP, SIM_MARKER_HELP, item_marks
from .server import ecs_server

__all__ = ["ecs_server", "ecs_sim"]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Add the plugin's hooks, and register live mode's start-up hooks (``--ecs-live``) as a
    plugin of their own (they load live mode only in a live run). Registered here rather than
    named in ``pytest_plugins``: pytest would look each name there up among every installed
    distribution's entry points first, which costs each start-up more than importing this
    plugin does (``tests/plugin/test_entry_point.py``)."""
    from .. import hookspecs
    from . import live_hooks

    pluginmanager.add_hookspecs(hookspecs)
    leave_unrewritten()  # a pytest run within a test has its own hook, marking this package
    if pluginmanager.get_plugin(live_hooks.__name__) is None:
        pluginmanager.register(live_hooks, live_hooks.__name__)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", SIM_MARKER_HELP)
    config.addinivalue_line("markers", EVENT_MARKER_HELP)
    if not config.getoption("ecs_live", default=False):  # live: the real API judges regions
        check_ini_regions(config)
    # The report and the timeline files load when a run asks for them (or a test first uses
    # ``ecs_sim``): every pytest start-up imports this module.
    if config.getoption("ecs_timeline", default=False) and not hasattr(config, "workerinput"):
        from .report import PassedTimelines

        config.pluginmanager.register(PassedTimelines(config), "ecs-events-timelines")
    wants_files = config.getoption("ecs_timeline_html", default=None) or config.getoption(
        "ecs_timeline_json", default=None
    )
    if wants_files and not hasattr(config, "workerinput"):  # the index: where reports end up
        from .timeline_files import TimelineIndex

        config.pluginmanager.register(TimelineIndex(config), "ecs-events-timeline-index")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked ``ecs_sim`` or ``ecs_event`` uses the ``ecs_sim`` fixture even if it does
    not ask for it (as time-machine's marker does): a marker is never silently ignored.
    First, so that the test's other fixtures already find the events and the interception.
    Both markers are looked for in one walk of the test's nodes (every collected test takes
    it, also in a run that never uses the plugin)."""
    for item in items:
        if not isinstance(item, pytest.Function) or "ecs_sim" in item.fixturenames:
            continue
        sims, events = item_marks(item)
        if sims or events:
            item.fixturenames.insert(0, "ecs_sim")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before pytest's own set-up (which sets the fixtures up): ``item`` is now the running
    test of its session, and its session's previous one is done."""
    running = RUNNING_ITEMS
    while running and running[-1].session is item.session:
        running.pop()
    running.append(item)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An in-process run within a test has ended: the test that ran it is running again."""
    RUNNING_ITEMS[:] = [item for item in RUNNING_ITEMS if item.session is not session]


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
