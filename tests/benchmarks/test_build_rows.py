"""benchmarks/run.py's build and memory rows: a build timed with what the interpreter and the
kernel did in it, in this process or a fresh one. Nothing is judged by its time."""

from __future__ import annotations

import dataclasses
import gc
from typing import Any

import pytest

from tests.helpers.benchmarks import load_run

bench = load_run()


def test_only_the_collectors_full_passes_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    real = bench.build_history

    def build_with_collections(events: int, instances: int) -> Any:
        sim = real(events, instances)
        gc.collect(0)
        gc.collect(1)
        gc.collect(2)
        gc.collect(2)
        return sim

    monkeypatch.setattr(bench, "build_history", build_with_collections)
    timing = bench.timed_build(200, 100)
    assert timing.full_passes == 2
    assert 0 < timing.full_pass_time <= timing.wall
    assert timing.cpu == timing.user + timing.system
    assert timing.rss_after > 0
    assert timing.rss_before > 0
    assert all(getattr(cb, "__name__", "") != "on_collect" for cb in gc.callbacks)


def test_a_build_that_makes_fewer_events_than_asked_is_refused() -> None:
    # Batches of 100 over 20 instances: each call names an instance five times, and makes
    # one event for it, not five.
    with pytest.raises(AssertionError):
        bench.timed_build(200, 20)
    assert all(getattr(cb, "__name__", "") != "on_collect" for cb in gc.callbacks)


def test_a_fresh_process_build_reports_every_field() -> None:
    timing = bench.fresh_build(200, 100, warm=100)
    fields = dataclasses.asdict(timing)
    assert set(fields) == {f.name for f in dataclasses.fields(bench.BuildTiming)}
    assert timing.wall > 0
    assert timing.full_passes >= 0
    assert timing.rss_after >= timing.rss_before > 0


def test_a_failing_fresh_build_raises_with_its_error() -> None:
    with pytest.raises(RuntimeError, match="the build probe failed") as failed:
        bench.fresh_build(200, 20)
    assert "AssertionError" in str(failed.value)
