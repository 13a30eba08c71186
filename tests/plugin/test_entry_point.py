"""The entry point (plugin/__init__.py): the report header, and an import cheap enough for
every pytest run (no SDK, no simulator until a test asks for one)."""

from __future__ import annotations

import subprocess
import sys

import pytest


# ------------------------------------------------------------------------------- header
def test_report_header(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile("def test_x(): pass")
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["ecs-events: 0.1.0, offline simulator, default region cn-hangzhou"]
    )


def test_report_header_shows_the_ini_region(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_region = cn-beijing\n")
    ecs_pytester.makepyfile("def test_x(): pass")
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["ecs-events: *default region cn-beijing"])


def test_header_shows_the_settings(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_region = cn-beijing\necs_sim_execution_duration = 5m\n")
    result = ecs_pytester.runpytest("--co")
    result.stdout.fnmatch_lines(
        [
            "ecs-events: *, offline simulator, default region cn-beijing",
            "ecs-events settings: execution duration 5m, timeline on failures, patch_time off",
        ]
    )


# --------------------------------------------------------------------------- cheap import
#: What every pytest start-up imports of the plugin: the entry point, and what its
#: ``pytest_addhooks`` registers.
_START_UP = (
    "pytest_ecs_events.plugin, pytest_ecs_events.plugin.live_hooks, pytest_ecs_events.hookspecs"
)


def _loaded_by(imports: str, modules: tuple[str, ...], *, packages: bool = False) -> str:
    """Which of ``modules`` a fresh interpreter holds after ``import <imports>`` (with
    ``packages``, any module under them)."""
    name = "m.split('.')[0]" if packages else "m"
    code = f"import sys, {imports}; print(sorted(m for m in sys.modules if {name} in {modules!r}))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return output.strip()


def test_importing_the_plugin_imports_no_sdk() -> None:
    sdks = ("aliyunsdkcore", "aliyunsdkecs", "alibabacloud_ecs20140526", "darabonba", "Tea",
            "responses")  # fmt: skip
    assert _loaded_by("pytest_ecs_events.plugin, pytest_ecs_events", sdks, packages=True) == "[]"


def test_importing_the_plugin_does_not_import_time_machine() -> None:
    modules = ("time_machine", "http.server", "urllib.request")
    assert _loaded_by("pytest_ecs_events.plugin", modules) == "[]"


def test_the_plugin_loads_no_simulator_until_a_test_asks_for_one() -> None:
    """pytest imports the plugin in every run: the simulator, the API and live mode's client
    load only when used."""
    modules = ("pytest_ecs_events.simulator", "pytest_ecs_events.api.dispatch",
               "pytest_ecs_events.core.simulation", "pytest_ecs_events.live")  # fmt: skip
    assert _loaded_by(_START_UP, modules) == "[]"


def test_the_plugin_loads_no_marker_parsing_until_a_test_uses_one() -> None:
    """The catalog, the clock (with dateutil's parser) and the markers' parsing are a third of
    what the plugin would otherwise add to every pytest start-up: they load when a test first
    asks for ``ecs_sim`` (``plugin/marker_names.py`` holds what start-up needs)."""
    modules = ("pytest_ecs_events.core.catalog", "pytest_ecs_events.core.clock",
               "pytest_ecs_events.core.regions", "pytest_ecs_events.plugin.markers",
               "dateutil.parser")  # fmt: skip
    assert _loaded_by(_START_UP, modules) == "[]"


def test_a_run_that_never_uses_ecs_sim_loads_no_marker_parsing(
    ecs_pytester: pytest.Pytester,
) -> None:
    """The same in a whole pytest run (its hooks included) with the default ini."""
    ecs_pytester.makepyfile(
        """
        import sys
        def test_x():
            heavy = ("pytest_ecs_events.core.catalog", "pytest_ecs_events.core.clock",
                     "pytest_ecs_events.core.regions", "pytest_ecs_events.plugin.markers",
                     "pytest_ecs_events.simulator")
            assert [m for m in heavy if m in sys.modules] == []
        """
    )
    ecs_pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_run_offline_loads_no_live_mode_report_or_network_facts(
    ecs_pytester: pytest.Pytester,
) -> None:
    """Live mode's glue (with its scrubbing), the report with its timeline files, and the
    network facts load only in the runs and tests that use them: a start-up imports none of
    them, and the first ``ecs_sim`` test loads the report and its files, and no live mode."""
    ecs_pytester.makepyfile(
        """
        import sys
        LIVE = ("pytest_ecs_events.plugin.live", "pytest_ecs_events.plugin.scrub")
        REPORT = ("pytest_ecs_events.plugin.report", "pytest_ecs_events.plugin.timeline_files")

        def loaded(names):
            return [m for m in names if m in sys.modules]

        def test_a_start_up():
            assert "pytest_ecs_events.plugin.live_hooks" in sys.modules
            assert loaded(LIVE + REPORT + ("pytest_ecs_events.core.network",)) == []

        def test_then_ecs_sim(ecs_sim):
            assert loaded(REPORT) == list(REPORT)
            assert loaded(LIVE) == []
        """
    )
    result = ecs_pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_start_up_reads_the_installed_entry_points_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live mode's module is registered by the plugin itself: a name in ``pytest_plugins``
    would make pytest read every installed distribution's entry points again to look it up.
    (The plugin loaded by its entry point, as in users' runs.)"""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("PYTEST_PLUGINS", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makepyfile(
        count_scans="""
        import _pytest.config

        SCANS = []
        _scan = _pytest.config.PytestPluginManager.load_setuptools_entrypoints

        def _counted(self, group, name=None):
            SCANS.append(name)
            return _scan(self, group, name)

        _pytest.config.PytestPluginManager.load_setuptools_entrypoints = _counted

        def pytest_report_header(config):
            live = config.pluginmanager.get_plugin("pytest_ecs_events.plugin.live_hooks")
            ours = [name for name in SCANS if name is None or "ecs_events" in name]
            return [f"SCANS {ours} live={live.__name__ if live else None}"]
        """,
        test_x="def test_x(): pass",
    )
    result = pytester.runpytest_subprocess("-p", "count_scans", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["SCANS [None] live=pytest_ecs_events.plugin.live_hooks"])
