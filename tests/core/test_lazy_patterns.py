"""The regular expressions compiled on first use (``core.lazy.pattern_on_first_use``) are the
very patterns the modules compiled at import: the same source text and flags, one compiled
object per pattern, and the public names of ``transports.endpoints`` (and the two that
``transports.intercept`` re-exports) still read as compiled patterns."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_ecs_events.core.lazy import pattern_on_first_use

ROOT = Path(__file__).resolve().parents[2]

_ECS = r"ecs(?:-vpc)?(?:[.-][a-z0-9]+(?:-[a-z0-9]+)*)?\.aliyuncs\.com"
_CMS = r"metrics(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)?\.aliyuncs\.com"
_SLB = r"slb(?:-vpc|-api)?(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)?\.aliyuncs\.com"
_URL = (r"https?://(?:", r")(?::\d+)?(?:[/?#].*)?\Z")
_TOKEN = r"[0-9a-f]{32}"

#: (module, name, the source text and flags each module compiled at import before).
LAZY = [
    ("core.clock", "_ISO_DURATION",
     r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
     r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
     r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?", re.ASCII),
    ("core.clock", "_API_TIME",
     r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?Z", re.ASCII),
    ("core.regions", "_NUMBERED", "(\\D+?)(\\d+)\uff08", 0),
    ("core.regions", "_IN_BRACKETS", ".*\uff08(.+)\uff09", 0),
    ("core.instance_ops", "_ID", r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", 0),
    ("core.instance_ops", "_NAME_TAIL", r"[\w:\-]*", 0),
    ("core.instance_ops", "_HOST_SEGMENT", r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*", 0),
    ("core.instance_ops", "_WINDOWS_HOST", r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*", 0),
    ("api.params", "_INDEX", r"[0-9]{1,9}", 0),
    ("api.paging", "_TOKEN", _TOKEN, 0),
    ("api.actions.instance_types", "_TOKEN", _TOKEN, 0),
    ("api.actions.instance_types", "_NUMBER", r"\s*[+]?(\d{1,12}(\.\d{0,6})?|\.\d{1,6})\s*", 0),
    ("api.actions.tags", "_TOKEN", _TOKEN, 0),
    ("api.actions.tags", "_VALUE_FIELD", r"TagValues\.[0-9]{1,9}", 0),
    ("api.xml_output", "_SPECIAL", "[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", 0),
    ("api.xml_output", "_FORBIDDEN", "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", 0),
    ("api.xml_output", "_NAME", r"[A-Za-z_][A-Za-z0-9_.-]*\Z", 0),
    ("api.xml_output", "_NOT_NAME_CHAR", r"[^A-Za-z0-9_.-]", 0),
    ("api.signatures", "_TIMESTAMP", r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", 0),
    ("api.signatures", "_HEX64", r"[0-9a-fA-F]{64}", 0),
    ("api.signatures", "_USUAL_ACS3",
     r"ACS3-HMAC-SHA256 Credential=([!-+\--~]+),SignedHeaders=([!-+\--~]+),"
     r"Signature=([0-9a-fA-F]{64})", 0),
    ("api.signatures", "_HEADER_NAME", r"[!#$%&'*+.^_`|~0-9a-z-]+", 0),
    ("api.speedups.fast_parse", "_ASCII_ESCAPE", r"%([0-7][0-9A-Fa-f])", 0),
]  # fmt: skip

#: transports.endpoints' public patterns, as it compiled them at import before.
ENDPOINTS = {
    "ECS_HOST": (_ECS, re.I),
    "ECS_URL": (_URL[0] + _ECS + _URL[1], re.I | re.S),
    "CMS_HOST": (_CMS, re.I),
    "CMS_URL": (_URL[0] + _CMS + _URL[1], re.I | re.S),
    "SLB_HOST": (_SLB, re.I),
    "SLB_URL": (_URL[0] + _SLB + _URL[1], re.I | re.S),
    "RPC_URL": (_URL[0] + _ECS + "|" + _CMS + "|" + _SLB + _URL[1], re.I | re.S),
    "MNS_HOST": (r"[a-z0-9][a-z0-9-]*\.mns\.[a-z0-9]+(?:-[a-z0-9]+)*\.aliyuncs\.com", re.I),
}


def _compiled_flags(flags: int) -> int:
    return re.compile("", flags).flags


@pytest.mark.parametrize(("module", "name", "source", "flags"), LAZY)
def test_each_pattern_is_the_one_compiled_at_import_before(
    module: str, name: str, source: str, flags: int
) -> None:
    getter = getattr(importlib.import_module(f"pytest_ecs_events.{module}"), name)
    pattern = getter()
    assert isinstance(pattern, re.Pattern)
    assert (pattern.pattern, pattern.flags) == (source, _compiled_flags(flags))
    assert getter() is pattern


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_the_public_endpoint_patterns_read_as_before(name: str) -> None:
    from pytest_ecs_events.transports import endpoints

    source, flags = ENDPOINTS[name]
    pattern = getattr(endpoints, name)
    assert isinstance(pattern, re.Pattern)
    assert (pattern.pattern, pattern.flags) == (source, _compiled_flags(flags))
    assert getattr(endpoints, name) is pattern
    assert endpoints._PATTERNS[name]() is pattern  # the one the module's functions match with
    assert name in dir(endpoints) or name in endpoints.__all__


def test_intercept_re_exports_the_ecs_patterns() -> None:
    from pytest_ecs_events.transports import endpoints, intercept
    from pytest_ecs_events.transports.intercept import ECS_HOST, ECS_URL

    assert ECS_HOST is endpoints.ECS_HOST
    assert ECS_URL is endpoints.ECS_URL
    with pytest.raises(AttributeError, match="has no attribute 'NOPE'"):
        intercept.NOPE  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'NOPE'"):
        endpoints.NOPE  # noqa: B018


def test_a_pattern_compiles_once_on_first_use() -> None:
    getter = pattern_on_first_use(r"x(y)?", re.I)
    assert getter.cache_info().currsize == 0  # type: ignore[attr-defined]
    assert getter().fullmatch("XY") is not None
    assert getter() is getter()
    assert getter.cache_info().currsize == 1  # type: ignore[attr-defined]


FIRST_TEST = """
import sys
from pytest_ecs_events.simulator import EcsSimulator
from pytest_ecs_events.transports import endpoints
import pytest_ecs_events.transports.intercept, pytest_ecs_events.transports.mns_intercept
sim = EcsSimulator(now="2024-01-01T00:00:00Z", seed=7)
sim.add_instance("i-1")
sim.create_events("SystemMaintenance.Reboot", "i-1", "+2h")
with sim:
    sim.advance("3h")
    assert sim.events()[0].state == "Executed"
compiled = [name for name, getter in endpoints._PATTERNS.items() if getter.cache_info().currsize]
compiled += [name for name in endpoints._PATTERNS if name in vars(endpoints)]
for module, name in %(lazy)r:
    loaded = sys.modules.get("pytest_ecs_events." + module)  # the API layer may not be
    if loaded is not None and getattr(loaded, name).cache_info().currsize:
        compiled.append(module + "." + name)
print(compiled)
"""


def test_an_ecs_only_test_compiles_none_of_them() -> None:
    """The steps of a first ``ecs_sim`` test (events, ``advance``, the interception on and
    off) in a fresh interpreter: no pattern above is compiled."""
    lazy = [(module, name) for module, name, _, _ in LAZY]
    done = subprocess.run(
        [sys.executable, "-c", FIRST_TEST % {"lazy": lazy}],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
