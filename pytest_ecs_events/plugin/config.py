"""What a test's configuration says, read once for both modes: the catalog (after the
``pytest_ecs_events_configure_catalog`` hook) and the ini defaults."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from .marker_names import MarkerError

if TYPE_CHECKING:
    from ..core.catalog import Catalog

# The catalog, the clock and the regions are imported where they are used: every pytest
# start-up loads this module, and a run that never asks for ``ecs_sim`` needs none of them.

#: ``ecs_sim_region``'s default, a region the simulator knows.
DEFAULT_REGION = "cn-hangzhou"

__all__ = [
    "DEFAULT_REGION",
    "check_ini_regions",
    "configured_catalog",
    "execution_duration",
    "ini_execution_duration",
    "ini_extra_regions",
    "ini_region",
    "marked_region",
    "setup_values",
]


def configured_catalog(config: pytest.Config) -> Catalog:
    """The default catalog, as the conftests' ``configure_catalog`` hooks change it."""
    default = _default_catalog()
    hook = config.hook.pytest_ecs_events_configure_catalog
    if not hook.get_hookimpls():  # the common case: asked at every set-up, a call costs more
        return default
    changed = hook(catalog=default, config=config)
    return changed or default


@functools.cache
def _default_catalog() -> Catalog:
    """``DEFAULT_CATALOG``, imported once (read at every set-up)."""
    from ..core.catalog import DEFAULT_CATALOG

    return DEFAULT_CATALOG


def ini_execution_duration(config: pytest.Config) -> timedelta:
    """``ecs_sim_execution_duration``; a :class:`MarkerError` names a bad value."""
    raw = config.getini("ecs_sim_execution_duration") or "30s"
    parsed = _DURATIONS.get(raw) if isinstance(raw, str) else None
    if parsed is not None:
        return parsed
    from ..core.clock import TimeFormatError, parse_duration

    try:
        parsed = parse_duration(raw)
    except TimeFormatError as exc:
        raise MarkerError(f"ini option ecs_sim_execution_duration = {raw!r}: {exc}") from None
    if isinstance(raw, str) and len(_DURATIONS) < 64:
        _DURATIONS[raw] = parsed
    return parsed


#: ``ecs_sim_execution_duration`` values parsed, by their text (read at every set-up).
_DURATIONS: dict[str, timedelta] = {}


def ini_region(config: pytest.Config) -> str:
    """``ecs_sim_region`` (default ``cn-hangzhou``)."""
    return str(config.getini("ecs_sim_region") or DEFAULT_REGION)


def ini_extra_regions(config: pytest.Config) -> tuple[str, ...]:
    """``ecs_sim_extra_regions``: the regions of the run's own, besides DescribeRegions'."""
    return tuple(str(r) for r in config.getini("ecs_sim_extra_regions") or ())


def check_ini_regions(config: pytest.Config) -> None:
    """Offline, refuse an ``ecs_sim_region`` the simulator does not know: a usage error
    before any test runs (every test would otherwise fail at setup)."""
    region = ini_region(config)
    if region == DEFAULT_REGION:
        return  # the default (also getini's answer when the ini is silent): a region it knows
    from ..core.regions import known_region, unknown_region_text

    extra = ini_extra_regions(config)
    if not known_region(region, extra):
        raise pytest.UsageError(
            f"ini option ecs_sim_region = {region!r}: {unknown_region_text(region, extra)}"
        )


def marked_region(region: str | None, config: pytest.Config) -> str:
    """The ``ecs_sim`` marker's region (else the ini one); a :class:`MarkerError` names an
    unknown one."""
    if region is None:
        return ini_region(config)
    from ..core.regions import known_region, unknown_region_text

    extra = ini_extra_regions(config)
    if not known_region(region, extra):
        raise MarkerError(
            f"@pytest.mark.ecs_sim(region={region!r}): {unknown_region_text(region, extra)}"
        )
    return region


def execution_duration(marked: timedelta | None, config: pytest.Config) -> timedelta:
    """The ``ecs_sim`` marker's ``execution_duration`` when it gives one (zero included),
    else the ini option's."""
    return marked if marked is not None else ini_execution_duration(config)


class SetupValues:
    """What every ``ecs_sim`` set-up of a run reads from its configuration, read once per
    configuration (:func:`setup_values`): pytest's options and ini values do not change
    once the run has started, and each read is a call or two at every test.
    ``execution_duration`` is parsed on first use, and kept only once it parsed (a bad
    value fails every test that needs it, with the same message)."""

    __slots__ = ("_duration", "config", "extra_regions", "live", "patch_time", "region")

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.live = bool(config.getoption("ecs_live", False))
        self.region = ini_region(config)
        self.extra_regions = ini_extra_regions(config)
        self.patch_time = bool(config.getini("ecs_sim_patch_time"))
        self._duration: timedelta | None = None

    def execution_duration(self, marked: timedelta | None) -> timedelta:
        """As :func:`execution_duration`."""
        if marked is not None:
            return marked
        duration = self._duration
        if duration is None:
            duration = self._duration = ini_execution_duration(self.config)
        return duration


_SETUP_VALUES = pytest.StashKey[SetupValues]()


def setup_values(config: pytest.Config) -> SetupValues:
    """The configuration's :class:`SetupValues`, read at its first ``ecs_sim`` set-up."""
    stash = config.stash
    try:
        return stash[_SETUP_VALUES]
    except KeyError:
        values = stash[_SETUP_VALUES] = SetupValues(config)
        return values
