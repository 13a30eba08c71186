"""benchmarks/run.py's per-action rows: one for every action the simulator implements (so a
new action cannot go without its figure), and each row's call answered without an error,
also after its reset (a write row must be able to run again and again). Nothing is timed."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pytest_ecs_events import EcsSimulator  # noqa: F401  (registers CloudMonitor and SLB)
from pytest_ecs_events.api.registry import REGISTRIES
from pytest_ecs_events.mns.service import OPERATIONS

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


def _load() -> ModuleType:
    """benchmarks/run.py as a module; its import puts the checkout on sys.path and
    PYTHONPATH (for its subprocesses): both are put back."""
    saved_path, saved_env = list(sys.path), os.environ.get("PYTHONPATH")
    try:
        spec = importlib.util.spec_from_file_location("benchmarks_run", RUN)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved_path
        if saved_env is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved_env


bench = _load()
ROWS = {row.label: row for row in bench.ACTIONS}


def _implemented() -> set[tuple[str, str]]:
    every = {(key, name) for key, registry in REGISTRIES.items() for name in registry}
    return every | {("mns", name) for name in OPERATIONS}


def test_every_implemented_action_has_one_row() -> None:
    measured = [row.action for row in bench.ACTIONS]
    assert len(measured) == len(set(measured)), "two rows measure the same action"
    missing = sorted(_implemented() - set(measured))
    assert not missing, f"actions without a benchmark row in benchmarks/run.py: {missing}"
    stale = sorted(set(measured) - _implemented())
    assert not stale, f"rows of actions that are not implemented: {stale}"


def test_the_products_are_all_there() -> None:
    """The registry this test reads holds every product (an import that stopped registering
    one would make the test above vacuous for it)."""
    assert {"ecs", "cms", "slb"} <= set(REGISTRIES)
    assert all(len(REGISTRIES[key]) >= 10 for key in ("ecs", "cms", "slb"))


# The MNS SDK's get_attributes() calls its own deprecated active_messages setter.
@pytest.mark.filterwarnings("ignore:Call to deprecated function:DeprecationWarning")
@pytest.mark.parametrize("label", sorted(ROWS))
def test_each_row_answers_without_an_error(label: str) -> None:
    """The row's call, three times with its reset before each (as the benchmark runs it),
    answers with a success status each time: the figure is of a real answer."""
    sim = bench.small_sim()
    row = ROWS[label]
    call, reset = bench.prepared(row, sim)
    with bench.recording(sim) as seen:
        for _ in range(3):
            if reset is not None:
                reset()
            before = len(seen)
            call()
            assert len(seen) > before, "the call did not reach the simulator"
            answer = seen[-1]
            assert answer.status < 300, (label, answer.status, answer.body[:300])
    if row.action[0] != "mns":  # an RPC error body names its Code (CloudMonitor's: "200")
        body = json.loads(seen[-1].body)
        assert body.get("Code", "200") == "200", body
        assert "RequestId" in body
