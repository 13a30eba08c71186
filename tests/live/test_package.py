"""The ``live`` package root: no pytest anywhere (its deprecated flat names:
``tests/test_deprecated_paths.py``)."""

from __future__ import annotations

import subprocess
import sys

from pytest_ecs_events.live import _MOVED


def test_live_mode_imports_no_pytest() -> None:
    """The live client and handle are usable (and tested) without pytest."""
    modules = ", ".join(f"pytest_ecs_events.live.{m}" for m in [*_MOVED, "journal", "records",
                                                                 "waiting"])  # fmt: skip
    held = "m.split('.')[0] in ('pytest', '_pytest') or m.startswith('pytest_ecs_events.plugin')"
    code = f"import sys, {modules}; print(sorted(m for m in sys.modules if {held}))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    assert output.strip() == "[]"
