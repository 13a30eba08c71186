"""Benchmarks of pytest-ecs-events, each a ratio against a baseline measured in the same run.

Run: ``python benchmarks/run.py`` (all) or ``python benchmarks/run.py P1 P2`` (some).
Every figure is the median of several rounds; the machines are shared and noisy, so read
the ratios, not the absolute times. Nothing here is asserted by the test suite.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import responses

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core import Simulation, SimulationConfig

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
RESULTS: list[tuple[str, str, str, str]] = []


def median_time(fn: Callable[[], object], *, number: int, rounds: int = ROUNDS) -> float:
    """Median seconds per call of ``fn`` over ``rounds`` rounds of ``number`` calls."""
    samples = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def report(name: str, figure: str, target: str, met: bool | None) -> None:
    verdict = "n/a" if met is None else ("met" if met else "NOT MET")
    RESULTS.append((name, figure, target, verdict))
    print(f"{name:<34} {figure:<44} {target:<14} {verdict}", flush=True)


# --------------------------------------------------------------------------- SDK clients
def legacy_client(region: str = "cn-hangzhou"):  # type: ignore[no-untyped-def]
    from aliyunsdkcore.client import AcsClient

    return AcsClient("AK", "SECRET", region)


def legacy_history_call(client, instance_id: str | None = None, max_results: int | None = None):  # type: ignore[no-untyped-def]
    from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
        DescribeInstanceHistoryEventsRequest,
    )

    def call() -> bytes:
        request = DescribeInstanceHistoryEventsRequest()
        if instance_id:
            request.set_InstanceId(instance_id)
        if max_results:
            request.set_MaxResults(max_results)
        return client.do_action_with_exception(request)

    return call


def new_client(region: str = "cn-hangzhou"):  # type: ignore[no-untyped-def]
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id="AK", access_key_secret="SECRET", region_id=region))


def canned_mock(body: dict[str, object]) -> responses.RequestsMock:
    """A bare responses mock answering every ECS URL of both SDKs with one canned body."""
    from pytest_ecs_events.transports.intercept import ECS_URL, _targets

    mocks = []
    for target, real in _targets():
        mock = responses.RequestsMock(
            assert_all_requests_are_fired=False, target=target, real_adapter_send=real
        )
        mock.add(responses.POST, ECS_URL, json=body)
        mocks.append(mock)

    class Group:
        def __enter__(self) -> Group:
            for m in mocks:
                m.start()
            return self

        def __exit__(self, *exc: object) -> None:
            for m in mocks:
                m.stop(allow_assert=False)

    return Group()  # type: ignore[return-value]


# ------------------------------------------------------------------------------ P1/P2
def compare(
    label: str,
    sim: EcsSimulator,
    body: dict[str, object],
    call: Callable[[], object],
    target: float,
    *,
    calls: int = 20,
    unit: str = "µs",
    changed: bool = False,
) -> None:
    """Report ``call`` answered by ``sim`` vs. by a canned body:

    - *reused*: nothing changed between calls, the kept answer is sent again (a poller);
    - *computed*: the simulation's state moved before every call (as a clock tick or another
      instance's reboot does), so the query runs again over the store; the page it finds
      is the same. The target is judged on this one;
    - *changed* (with ``changed=True``; reported only): an event on the page changed before
      every call, so its rendering, the page and its JSON are all built again.
    """
    canned = canned_mock(body)
    scale = 1e6 if unit == "µs" else 1e3
    simulation = sim.simulation
    newest = next(simulation.store.newest_first())

    def timed(mock: Any, mode: str) -> float:
        """Seconds per call of ``calls`` calls, timed inside the mock (starting and stopping
        it is not the call's cost, and the two mocks' starts differ a lot: see
        docs/performance.md)."""
        with mock:
            gc.collect()
            start = time.perf_counter()
            for _ in range(calls):
                if mode == "changed":
                    newest.revision += 1  # as the simulation does when an event changes
                if mode != "reused":
                    simulation.mutations += 1
                call()
            return (time.perf_counter() - start) / calls

    for mode in ("reused", "computed", "changed") if changed else ("reused", "computed"):
        # Many short rounds, alternating: a burst of noise spoils few, and the median skips them.
        samples_sim, samples_canned = [], []
        for _ in range(6 * ROUNDS):
            samples_sim.append(timed(sim, mode))
            samples_canned.append(timed(canned, "reused"))
        t_sim, t_canned = statistics.median(samples_sim), statistics.median(samples_canned)
        ratio = t_sim / t_canned
        report(
            f"{label} ({mode})",
            f"{t_sim * scale:.0f} {unit} vs canned {t_canned * scale:.0f} {unit} = {ratio:.3f}x",
            f"<= {target}x",
            ratio <= target if mode == "computed" else None,
        )


def small_sim() -> EcsSimulator:
    sim = EcsSimulator(now=START, instances=["i-a", "i-b"], seed=1)
    for _ in range(5):
        sim.create_events("SystemMaintenance.Reboot", ["i-a", "i-b"], "+1m")
        sim.advance("5m")
    return sim


def bench_p1() -> None:
    """One SDK call: simulator vs. the same call answered by a canned responses body."""
    sim = small_sim()
    call = legacy_history_call(legacy_client())
    with sim:
        body = json.loads(call())
    compare("P1 per call, legacy SDK", sim, body, call, 1.15, changed=True)

    from alibabacloud_ecs20140526 import models

    client = new_client()
    request = models.DescribeInstanceHistoryEventsRequest(region_id="cn-hangzhou")
    compare(
        "P1 per call, new SDK", sim, body,
        lambda: client.describe_instance_history_events(request), 1.2, changed=True,
    )  # fmt: skip


def build_history(events: int, instances: int) -> Simulation:
    """``events`` events over ``instances`` instances: create in batches of 100, advance."""
    sim = Simulation(now=START, config=SimulationConfig(seed=7))
    ids = [sim.add_instance().instance_id for _ in range(instances)]
    batch = 100
    for n in range(events // batch):
        chunk = [ids[(n * batch + k) % instances] for k in range(batch)]
        sim.create_simulated_events(
            "SystemMaintenance.Reboot", chunk, sim.now + timedelta(minutes=1)
        )
        sim.advance_to(sim.now + timedelta(minutes=2))
    return sim


def bench_p2() -> None:
    """Large store: filtered and unfiltered DescribeInstanceHistoryEvents vs canned pages."""
    core = build_history(100_000, 10_000)
    sim = EcsSimulator(now=START, seed=1)
    sim._sim = core  # the handle over the big simulation
    sim._api.sim = core
    legacy = legacy_client()
    target = next(iter(core.store.instances))
    filtered = legacy_history_call(legacy, instance_id=target, max_results=100)
    unfiltered = legacy_history_call(legacy, max_results=100)
    with sim:
        filtered_body = json.loads(filtered())
        unfiltered_body = json.loads(unfiltered())
    assert len(unfiltered_body["InstanceSystemEventSet"]["InstanceSystemEventType"]) == 100
    compare("P2 100k events, by InstanceId", sim, filtered_body, filtered, 1.5)
    compare("P2 100k events, first page 100", sim, unfiltered_body, unfiltered, 2.0)


def bench_p3() -> None:
    """Scaling: building 100,000 events vs 10,000 (create in batches of 100, advance)."""

    def timed(events: int) -> float:
        gc.collect()
        start = time.perf_counter()
        build_history(events, max(events // 10, 100))
        return time.perf_counter() - start

    smalls, larges = [], []
    for _ in range(ROUNDS):  # alternating, and judged by pairs: noise hits both alike
        smalls.append(timed(10_000))
        larges.append(timed(100_000))
    small, large = statistics.median(smalls), statistics.median(larges)
    ratio = statistics.median(b / a for a, b in zip(smalls, larges, strict=True))
    # each event makes 2 timed transitions (Executing, Executed) and one creation
    report(
        "P3 build 100k vs 10k events",
        f"{large:.2f}s vs {small:.2f}s, median pair {ratio:.1f}x; "
        f"{large / 100_000 * 1e6:.1f} µs/event, {large / 200_000 * 1e6:.1f} µs/transition",
        "<= 12x",
        ratio <= 12,
    )


def bench_p7() -> None:
    """Memory of 100,000 events (with 10,000 instances)."""
    gc.collect()
    tracemalloc.start()
    sim = build_history(100_000, 10_000)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mb = current / 1e6
    report(
        "P7 memory, 100k events",
        f"{mb:.0f} MB ({len(sim.store.events)} events)",
        "<= 150 MB",
        mb <= 150,
    )


# ------------------------------------------------------------------------------ P4/P5
def _precompile() -> None:
    """Write the package's bytecode, as any install does. Without it (an editable install
    under PYTHONDONTWRITEBYTECODE, as on the CI machines) every pytest run below would
    compile the plugin from source, and P4/P5 would time the compiler."""
    import compileall

    import pytest_ecs_events

    compileall.compile_dir(Path(pytest_ecs_events.__file__).parent, quiet=1)


def _run_pytest(directory: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        check=True, capture_output=True, cwd=directory,
    )  # fmt: skip
    return time.perf_counter() - start


def bench_p4() -> None:
    """A suite of 2,000 trivial tests with the plugin installed vs ``-p no:ecs_events``."""
    _precompile()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        (path / "pytest.ini").write_text("[pytest]\n")
        body = "".join(f"def test_{i}():\n    assert {i} == {i}\n" for i in range(2000))
        (path / "test_trivial.py").write_text(body)
        on, off = [], []
        # Each run takes about 3 s and the machine's load drifts between runs by more than
        # the 3% judged here: the rounds alternate, and each round's two runs make a pair.
        for _ in range(max(9, ROUNDS)):
            on.append(_run_pytest(path, "test_trivial.py"))
            off.append(_run_pytest(path, "test_trivial.py", "-p", "no:ecs_events"))
        ratio = statistics.median(a / b for a, b in zip(on, off, strict=True))
        report(
            "P4 unused plugin, 2000 tests",
            f"{statistics.median(on):.2f}s vs {statistics.median(off):.2f}s, "
            f"median pair {ratio:.3f}x",
            "<= 1.03x",
            ratio <= 1.03,
        )
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, pytest_ecs_events.plugin; print(sorted(m for m in "
         "sys.modules if m.split('.')[0] in ('aliyunsdkcore', 'alibabacloud_ecs20140526', "
         "'darabonba', 'responses')))"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    clean = probe.stdout.strip() == "[]"
    report("P4 plugin import", "imports no SDK" if clean else probe.stdout.strip(), "no SDK", clean)


def bench_p5() -> None:
    """A test using ecs_sim + one marker event + advance vs a bare RequestsMock test."""
    _precompile()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        (path / "pytest.ini").write_text("[pytest]\n")
        (path / "test_sim.py").write_text(
            textwrap.dedent("""
            import pytest
            import aliyunsdkcore.client, alibabacloud_ecs20140526.client  # as a user's suite does
            @pytest.mark.parametrize("n", range(500))
            @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-1", not_before="+2h")
            def test_sim(ecs_sim, n):
                ecs_sim.advance("3h")
                assert ecs_sim.events()[0].state == "Executed"
        """)
        )
        (path / "test_bare.py").write_text(
            textwrap.dedent("""
            import pytest, responses
            import aliyunsdkcore.client, alibabacloud_ecs20140526.client  # as a user's suite does
            @pytest.mark.parametrize("n", range(500))
            def test_bare(n):
                with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
                    mock.add(responses.POST, "https://ecs-cn-hangzhou.aliyuncs.com/", json={})
                    assert len(mock.registered()) == 1
        """)
        )
        sim_t, bare_t = [], []
        empties = []
        for _ in range(max(5, ROUNDS // 2)):  # alternating; the start-up (collection) is
            sim_t.append(_run_pytest(path, "test_sim.py"))  # measured in every round too
            bare_t.append(_run_pytest(path, "test_bare.py", "-p", "no:ecs_events"))
            empties.append(_run_pytest(path, "--co", "test_bare.py", "-p", "no:ecs_events"))
        empty = statistics.median(empties)
        per_sim = (statistics.median(sim_t) - empty) / 500
        per_bare = (statistics.median(bare_t) - empty) / 500
        ratio = per_sim / per_bare
        report(
            "P5 per test",
            f"{per_sim * 1e3:.2f} ms vs bare mock {per_bare * 1e3:.2f} ms = {ratio:.2f}x",
            "<= 2x",
            ratio <= 2,
        )


# ------------------------------------------------------------------------------ P6
def bench_p6() -> None:
    """Peer: moto (boto3 EC2 describe_instance_status, 10 instances) vs ours (new SDK)."""
    try:
        import boto3
        from moto import mock_aws
    except ImportError as exc:
        report("P6 peer (moto)", f"skipped: {exc}", "report", None)
        return
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        ec2.run_instances(ImageId="ami-12345678", MinCount=10, MaxCount=10)
        t_moto = median_time(
            lambda: ec2.describe_instance_status(IncludeAllInstances=True), number=20
        )

    from alibabacloud_ecs20140526 import models

    sim = EcsSimulator(now=START, instances=[f"i-{n}" for n in range(10)], seed=1)
    client = new_client()
    request = models.DescribeInstanceStatusRequest(region_id="cn-hangzhou", page_size=50)
    with sim:
        t_ours = median_time(lambda: client.describe_instance_status(request), number=20)
    report(
        "P6 peer: moto / ours",
        f"moto {t_moto * 1e3:.2f} ms, ours {t_ours * 1e3:.2f} ms "
        f"= ours {t_moto / t_ours:.1f}x faster",
        "report",
        None,
    )


BENCHES = {"P1": bench_p1, "P2": bench_p2, "P3": bench_p3, "P4": bench_p4, "P5": bench_p5,
           "P6": bench_p6, "P7": bench_p7}  # fmt: skip


def usage() -> str:
    lines = [f"  {name}  {(fn.__doc__ or '').splitlines()[0]}" for name, fn in BENCHES.items()]
    return (
        "usage: python benchmarks/run.py [-h] [NAME ...]\n\n"
        "Run the named benchmarks (all without a name), e.g. `benchmarks/run.py P1 P2`;\n"
        "BENCH_ROUNDS sets the rounds (default 7).\n\n" + "\n".join(lines)
    )


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(usage())
        return 0
    wanted = [a.upper() for a in argv] or list(BENCHES)
    unknown = [name for name in wanted if name not in BENCHES]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}\n\n{usage()}", file=sys.stderr)
        return 2
    print(
        f"pytest-ecs-events benchmarks: medians of {ROUNDS} rounds, Python {sys.version.split()[0]}"
    )
    print(f"{'benchmark':<34} {'figure':<44} {'target':<14} verdict")
    for name in wanted:
        BENCHES[name]()
    failed = [r for r in RESULTS if r[3] == "NOT MET"]
    print(
        f"\n{len(RESULTS) - len(failed)} of {len(RESULTS)} figures met or reported; "
        f"{len(failed)} not met"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
