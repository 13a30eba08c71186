"""What the run's configuration says (plugin/config.py): the ini values and their defaults, a
bad value explained, the catalog as the conftests' hook changes it."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import cast

import pytest

from pytest_ecs_events.core.catalog import DEFAULT_CATALOG, Catalog
from pytest_ecs_events.plugin.config import (
    check_ini_regions,
    configured_catalog,
    ini_execution_duration,
    ini_extra_regions,
    ini_region,
)
from pytest_ecs_events.plugin.markers import MarkerError


# ----------------------------------------------------------------------------- ini options
def test_ini_options(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini(
        """
        [pytest]
        ecs_sim_region = cn-beijing
        ecs_sim_execution_duration = 2m
        """
    )
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z")
        def test_ini_values(ecs_sim):
            assert ecs_sim.region == "cn-beijing"
            assert ecs_sim.endpoint == "ecs.cn-beijing.aliyuncs.com"
            instance = ecs_sim.add_instance()
            assert instance.instance_id.startswith("i-2ze")
            (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", instance.instance_id,
                                             "+1h")
            ecs_sim.advance("1h1m59s")
            assert event.state == "Executing"
            ecs_sim.advance("1s")
            assert event.state == "Executed"

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", region="cn-shanghai",
                             execution_duration="10s", instances=["i-a"])
        def test_marker_overrides_ini(ecs_sim):
            assert ecs_sim.region == "cn-shanghai"
            (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
            ecs_sim.advance("1h10s")
            assert event.state == "Executed"
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_ini_defaults(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", instances=["i-a"])
        def test_defaults(ecs_sim):
            assert ecs_sim.region == "cn-hangzhou"
            (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
            ecs_sim.advance("1h29s")
            assert event.state == "Executing"
            ecs_sim.advance("1s")
            assert event.state == "Executed"
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_bad_ini_execution_duration_is_explained(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_execution_duration = forever\n")
    ecs_pytester.makepyfile("def test_x(ecs_sim): pass")
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    # One message names the option and the bad value (not just a traceback through the
    # plugin's source that happens to mention both).
    lines = [
        line
        for line in result.stdout.lines + result.stderr.lines
        if "ecs_sim_execution_duration" in line and "'forever'" in line
    ]
    assert lines, result.stdout.str()


# ------------------------------------------------------------------------- read directly
class StubConfig:
    """What config.py reads of a ``pytest.Config``: ``getini`` and the catalog hook."""

    def __init__(
        self, ini: dict[str, str], changed: Catalog | None = None, *, implemented: bool = True
    ) -> None:
        self.ini = ini
        self.asked: list[tuple[Catalog, object]] = []

        def configure_catalog(*, catalog: Catalog, config: object) -> Catalog | None:
            self.asked.append((catalog, config))
            return changed

        # as pluggy's hook caller: called, and asked for its implementations
        configure_catalog.get_hookimpls = lambda: [configure_catalog] if implemented else []  # type: ignore[attr-defined]
        self.hook = SimpleNamespace(pytest_ecs_events_configure_catalog=configure_catalog)

    def getini(self, name: str) -> str:
        return self.ini.get(name, "")


def as_config(stub: StubConfig) -> pytest.Config:
    return cast(pytest.Config, stub)


def test_the_catalog_is_the_default_unless_a_hook_changes_it() -> None:
    stub = StubConfig({})
    assert configured_catalog(as_config(stub)) is DEFAULT_CATALOG
    assert stub.asked == [(DEFAULT_CATALOG, stub)]
    changed = DEFAULT_CATALOG.with_changes(event_type_codes={"SystemMaintenance.Reboot": 1001})
    assert configured_catalog(as_config(StubConfig({}, changed))) is changed


def test_without_an_implementation_the_hook_is_not_called() -> None:
    changed = DEFAULT_CATALOG.with_changes(event_type_codes={"SystemMaintenance.Reboot": 1001})
    stub = StubConfig({}, changed, implemented=False)
    assert configured_catalog(as_config(stub)) is DEFAULT_CATALOG
    assert stub.asked == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", timedelta(seconds=30)), ("30s", timedelta(seconds=30)), ("2m", timedelta(minutes=2)),
     ("PT1H", timedelta(hours=1)), ("90", timedelta(seconds=90))],
)  # fmt: skip
def test_ini_execution_duration(raw: str, expected: timedelta) -> None:
    config = as_config(StubConfig({"ecs_sim_execution_duration": raw}))
    assert ini_execution_duration(config) == expected


def test_a_bad_ini_execution_duration_names_the_option_and_the_value() -> None:
    config = as_config(StubConfig({"ecs_sim_execution_duration": "forever"}))
    with pytest.raises(MarkerError, match=r"^ini option ecs_sim_execution_duration = 'forever': "):
        ini_execution_duration(config)


def test_ini_region_and_its_default() -> None:
    assert ini_region(as_config(StubConfig({}))) == "cn-hangzhou"
    assert ini_region(as_config(StubConfig({"ecs_sim_region": "cn-beijing"}))) == "cn-beijing"


# ------------------------------------------------------------------------------ regions
def test_an_unknown_ini_region_is_a_usage_error(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_region = cn-nowhere\n")
    ecs_pytester.makepyfile("def test_x(ecs_sim): pass")
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*ini option ecs_sim_region = 'cn-nowhere': unknown region 'cn-nowhere'*"]
    )


def test_an_extra_ini_region_may_be_the_default(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_region = cn-lab-1\necs_sim_extra_regions = cn-lab-1\n")
    ecs_pytester.makepyfile(
        """
        def test_x(ecs_sim):
            assert ecs_sim.region == "cn-lab-1"
            assert ecs_sim.add_instance().region == "cn-lab-1"
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_check_ini_regions_refuses_an_unknown_region() -> None:
    stub = StubConfig({"ecs_sim_region": "cn-new-region"})
    with pytest.raises(pytest.UsageError):
        check_ini_regions(as_config(stub))
    assert ini_extra_regions(as_config(StubConfig({}))) == ()
