"""benchmarks/run.py loaded as a module, for the tests of its rows and its method."""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
SUMMARIZE = RUN.with_name("summarize.py")


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@functools.cache
def load_summarize() -> ModuleType:
    """benchmarks/summarize.py as a module (once per process)."""
    return _load(SUMMARIZE, "benchmarks_summarize")


@functools.cache
def load_run() -> ModuleType:
    """benchmarks/run.py as a module (once per process); its import puts the checkout on
    sys.path and PYTHONPATH (for its subprocesses): both are put back."""
    saved_path, saved_env = list(sys.path), os.environ.get("PYTHONPATH")
    try:
        return _load(RUN, "benchmarks_run")
    finally:
        sys.path[:] = saved_path
        if saved_env is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved_env
