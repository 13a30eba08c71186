"""Calls per second and per-call latency of the loopback server.

Clients are plain ``http.client`` keep-alive connections (one per thread), so the figures
measure the server and the simulator, not an SDK. For scale, the first row is the same call
made in-process through ``EcsSimulator.handle`` (no HTTP at all).

    python benchmarks/bench_server.py [--calls 2000] [--threads 1,4,16]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.api.messages import ApiRequest
from pytest_ecs_events.transports.server import EcsServer

QUERY = (
    "Action=DescribeInstanceHistoryEvents&RegionId=cn-hangzhou&InstanceEventCycleStatus.1=Scheduled"
)


def make_simulator(instances: int, events: int) -> EcsSimulator:
    sim = EcsSimulator(now="2030-01-01T00:00:00Z", seed=1)
    ids = [sim.add_instance().instance_id for _ in range(instances)]
    for i in range(events):
        sim.create_events("SystemMaintenance.Reboot", ids[i % len(ids)], "+2h")
    return sim


def in_process(sim: EcsSimulator, calls: int) -> tuple[float, list[float]]:
    params = dict(pair.split("=", 1) for pair in QUERY.split("&"))
    request = ApiRequest(params=params)
    latencies: list[float] = []
    started = time.perf_counter()
    for _ in range(calls):
        t0 = time.perf_counter()
        response = sim.handle(request)
        latencies.append(time.perf_counter() - t0)
        assert response.status == 200
    return time.perf_counter() - started, latencies


def over_http(
    port: int,
    threads: int,
    calls_per_thread: int,
    request: tuple[str, str, str | None, dict[str, str]] | None = None,
) -> tuple[float, list[float]]:
    """``threads`` keep-alive clients each making ``calls_per_thread`` calls of ``request``
    (method, target, body, headers; by default this script's GET): the elapsed time and
    every call's latency."""
    method, target, body, headers = request or ("GET", f"/?{QUERY}", None, {})
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def worker(mine: list[float]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.connect()
            barrier.wait(30)
            for _ in range(calls_per_thread):
                t0 = time.perf_counter()
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - t0)
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}")
        except BaseException as exc:
            failures.append(exc)
        finally:
            conn.close()

    pool = [threading.Thread(target=worker, args=(lat,)) for lat in latencies]
    for t in pool:
        t.start()
    barrier.wait(30)
    started = time.perf_counter()
    for t in pool:
        t.join(300)
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return elapsed, [x for lat in latencies for x in lat]


def row(label: str, calls: int, elapsed: float, latencies: list[float], base: float) -> str:
    rate = calls / elapsed
    median = statistics.median(latencies) * 1000
    p99 = sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000
    return f"{label:<22} {calls:>7} {rate:>10.0f} {median:>10.3f} {p99:>10.3f} {rate / base:>8.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per configuration")
    parser.add_argument("--threads", default="1,4,16", help="client thread counts")
    parser.add_argument("--instances", type=int, default=50)
    parser.add_argument("--events", type=int, default=100)
    args = parser.parse_args(argv)
    sim = make_simulator(args.instances, args.events)
    thread_counts = [int(t) for t in args.threads.split(",")]

    print(f"DescribeInstanceHistoryEvents, {args.instances} instances, {args.events} events, "
          f"Python {sys.version.split()[0]}")  # fmt: skip
    print(f"{'mode':<22} {'calls':>7} {'calls/s':>10} {'median ms':>10} {'p99 ms':>10} "
          f"{'ratio':>8}")  # fmt: skip
    in_process(sim, 200)  # warm up
    elapsed, latencies = in_process(sim, args.calls)
    base = args.calls / elapsed
    print(row("in-process handle()", args.calls, elapsed, latencies, base))
    with EcsServer(sim) as server:
        over_http(server.port, 1, 200)  # warm up
        for threads in thread_counts:
            per_thread = max(1, args.calls // threads)
            total = per_thread * threads
            elapsed, latencies = over_http(server.port, threads, per_thread)
            label = f"http, {threads} thread{'s' if threads > 1 else ''}"
            print(row(label, total, elapsed, latencies, base))
    if server.errors:
        print(f"server errors: {server.errors!r}", file=sys.stderr)
        return 1
    print("ratio: calls/s relative to in-process handle()")
    return 0


if __name__ == "__main__":
    sys.exit(main())
