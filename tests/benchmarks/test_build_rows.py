"""benchmarks/run.py's build and memory rows: a build timed with what the interpreter and the
kernel did in it, in this process or a fresh one, with the collector running or paused, and
the build row judged by the ratio of the fresh builds' CPU times with the collector paused.
Nothing is judged by its time here."""

from __future__ import annotations

import gc
from itertools import count
from typing import Any

import pytest

from tests.helpers.benchmarks import load_run, load_summarize

bench = load_run()


def _probe_callbacks() -> list[Any]:
    return [cb for cb in gc.callbacks if getattr(cb, "__name__", "") == "on_collect"]


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
    assert timing.rss_after > 0
    assert timing.rss_before > 0
    assert not _probe_callbacks()


def test_the_probe_leaves_no_callback_when_the_build_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = list(gc.callbacks)

    def failing(events: int, instances: int) -> Any:
        raise ValueError("the build failed")

    monkeypatch.setattr(bench, "build_history", failing)
    with pytest.raises(ValueError, match="the build failed"):
        bench.timed_build(200, 100)
    assert gc.callbacks == before


def test_a_build_without_the_collector_pauses_it_for_the_build_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = bench.build_history
    seen: list[bool] = []

    def build(events: int, instances: int) -> Any:
        seen.append(gc.isenabled())
        return real(events, instances)

    monkeypatch.setattr(bench, "build_history", build)
    assert gc.isenabled()
    paused = bench.timed_build(200, 100, collector=False)
    running = bench.timed_build(200, 100)
    assert seen == [False, True]
    assert gc.isenabled()
    assert (paused.collector, running.collector) == (False, True)
    assert not _probe_callbacks()


def test_a_build_without_the_collector_resumes_it_when_the_build_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing(events: int, instances: int) -> Any:
        raise ValueError("the build failed")

    monkeypatch.setattr(bench, "build_history", failing)
    with pytest.raises(ValueError, match="the build failed"):
        bench.timed_build(200, 100, collector=False)
    assert gc.isenabled()
    assert not _probe_callbacks()


def test_a_collector_the_caller_paused_stays_paused_and_is_recorded_as_paused() -> None:
    gc.disable()
    try:
        asked_paused = bench.timed_build(200, 100, collector=False)
        asked_running = bench.timed_build(200, 100)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert (asked_paused.collector, asked_running.collector) == (False, False)


def test_a_build_that_makes_fewer_events_than_asked_is_refused() -> None:
    # Batches of 100 over 20 instances: each call names an instance five times, and makes
    # one event for it, not five.
    with pytest.raises(RuntimeError, match="the build made 40 events, not 200"):
        bench.timed_build(200, 20)
    assert not _probe_callbacks()


def test_a_fresh_process_build_comes_back_whole() -> None:
    timing = bench.fresh_build(300, 100, warm=100)
    assert timing.wall > 0
    assert timing.cpu > 0  # the scheduler's count, not getrusage's ticks, which may show none
    # Some 1,000 new objects: a full collection needs tens of thousands.
    assert timing.full_passes == 0
    assert timing.full_pass_time == 0
    assert timing.rss_after >= timing.rss_before > 0
    assert timing.collector


def test_a_fresh_process_build_can_pause_the_collector() -> None:
    timing = bench.fresh_build(300, 100, warm=100, collector=False)
    assert timing.cpu > 0
    assert timing.collector is False


def test_a_failing_fresh_build_raises_with_its_error() -> None:
    with pytest.raises(RuntimeError, match="the build probe failed") as failed:
        bench.fresh_build(200, 20)
    assert "the build made 40 events, not 200" in str(failed.value)


def test_the_build_row_is_judged_by_the_fresh_builds_cpu_ratio_without_the_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def timing(cpu: float, *, faults: int = 0, passes: int = 0) -> Any:
        return bench.BuildTiming(
            wall=cpu + 0.05, cpu=cpu, full_passes=passes,
            full_pass_time=0.01 * passes, faults=faults,
        )  # fmt: skip

    # Fresh builds, the collector paused: every pair 10.5x by CPU, 7.33x by the wall clock;
    # running: 10.45x by CPU (each side's CPU time differs from the paused one's, so that a
    # pair mixing the kinds reads another ratio). In this process: 8.33x by the wall clock.
    fresh = count()
    here = count()
    kinds: list[bool] = []

    def fresh_build(events: int, instances: int, warm: int = 0, *, collector: bool = True) -> Any:
        assert warm == 1_000
        next(fresh)
        kinds.append(collector)
        if collector:
            return timing(1.15 if events == 100_000 else 0.11, passes=1 if events > 10_000 else 0)
        return timing(1.05 if events == 100_000 else 0.1, faults=9_000 if events > 10_000 else 700)

    def timed_build(events: int, instances: int) -> Any:
        next(here)
        return timing(1.2 if events == 100_000 else 0.1, passes=1 if events > 10_000 else 0)

    monkeypatch.setattr(bench, "fresh_build", fresh_build)
    monkeypatch.setattr(bench, "timed_build", timed_build)
    monkeypatch.setattr(bench, "RESULTS", [])
    bench.bench_build()
    ((name, figure, target, verdict),) = bench.RESULTS
    assert name == "build: 100k events vs 10k"
    assert load_summarize().judged(figure) == (pytest.approx(10.5), "x")
    assert target == "<= 11x"
    assert verdict == "PASS"
    assert figure.startswith("collector paused: CPU 1.050s vs 0.100s, median pair 10.50x ")
    assert "(wall 7.33x), fresh processes, full GC passes 0 vs 0 (0 ms in the large)" in figure
    assert "the collector running: CPU 10.45x, full GC passes 1 vs 0 (10 ms in the large)" in figure
    assert "in this process: wall 8.33x" in figure
    assert "page faults 9000 vs 700" in figure
    # Each round builds both kinds, the judged first.
    assert next(fresh) == 4 * bench.MORE_ROUNDS
    assert kinds[:4] == [False, True, False, True]
    assert kinds.count(False) == 2 * bench.MORE_ROUNDS
    assert next(here) == 2 * bench.ROUNDS


def test_the_build_row_misses_above_11x(monkeypatch: pytest.MonkeyPatch) -> None:
    def fresh_build(events: int, instances: int, warm: int = 0, *, collector: bool = True) -> Any:
        # The collector's figure under its target cannot save the judged one.
        cpu = (1.0 if collector else 1.12) if events == 100_000 else 0.1
        return bench.BuildTiming(cpu, cpu, 0, 0.0, 0)

    monkeypatch.setattr(bench, "fresh_build", fresh_build)
    monkeypatch.setattr(bench, "timed_build", lambda events, instances: fresh_build(events, 0))
    monkeypatch.setattr(bench, "RESULTS", [])
    bench.bench_build()
    ((_, figure, _, verdict),) = bench.RESULTS
    assert load_summarize().judged(figure) == (pytest.approx(11.2), "x")
    assert verdict == "MISS"
