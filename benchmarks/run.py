"""Benchmarks of pytest-ecs-events, each a ratio against a baseline measured in the same run.

Run: ``python benchmarks/run.py`` (every group, a few minutes) or name groups, e.g.
``python benchmarks/run.py P1 suite memory server``; ``-h`` lists them. Every figure is the
median of paired, alternating rounds (each round runs both sides back to back, so a burst of
load on this shared machine hits a pair alike); a verdict is PASS, MISS or "report". The
targets are issue 19's. Nothing here is asserted by the test suite.

The per-action rows are one table (:data:`ACTIONS`): adding an action's figure is one entry.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import importlib
import io
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
#: Pairs of the server rows, whose rounds run for seconds each: fewer, so that a full run
#: stays within a few minutes.
LONG_ROUNDS = max(3, ROUNDS // 2)
#: Pairs of the suite rows (two pytest runs of 2,000 tests a pair): more than LONG_ROUNDS, so
#: that a burst of load on this shared machine in one pair cannot decide a verdict.
CLOSE_ROUNDS = max(5, ROUNDS - 2)
#: Pairs of the rows whose figures sit near their targets and whose pairs take a few
#: seconds (the build ratio, the never-using suite), and of the newer action rows.
MORE_ROUNDS = max(5, 2 * ROUNDS)
RESULTS: list[tuple[str, str, str, str]] = []
HERE = Path(__file__).resolve().parent
#: The checkout this script belongs to, imported first here and in every subprocess (a
#: script's own folder, not the working directory, heads sys.path; an editable install may
#: point at another checkout).
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
)


def report(name: str, figure: str, target: str, met: bool | None) -> None:
    verdict = "report" if met is None else ("PASS" if met else "MISS")
    RESULTS.append((name, figure, target, verdict))
    print(f"{name:<44} {figure:<58} {target:<16} {verdict}", flush=True)


def paired(
    a: Callable[[], float], b: Callable[[], float], rounds: int
) -> tuple[float, float, float]:
    """Alternate ``a`` and ``b`` (each returns a duration) ``rounds`` times: the median of
    each side and the median of the pairs' ratios a/b."""
    xs, ys = alternate(a, b, rounds)
    return medians(xs, ys, float)


T = TypeVar("T")


def medians(xs: list[T], ys: list[T], of: Callable[[T], float]) -> tuple[float, float, float]:
    """``of`` each run: the median of each side and the median of the pairs' ratios (a pair
    is ``xs[n]`` and ``ys[n]``, as :func:`alternate` made them)."""
    ratio = statistics.median(of(x) / of(y) for x, y in zip(xs, ys, strict=True))
    return statistics.median(map(of, xs)), statistics.median(map(of, ys)), ratio


def alternate(a: Callable[[], T], b: Callable[[], T], rounds: int) -> tuple[list[T], list[T]]:
    """``rounds`` pairs of one ``a`` and one ``b`` run, the order swapped every other pair
    (a b, b a, a b...): a drift of the machine, or whatever the first run of a pair leaves
    behind for the second, falls on both sides alike."""
    xs: list[T] = []
    ys: list[T] = []
    for n in range(rounds):
        if n % 2:
            ys.append(b())
            xs.append(a())
        else:
            xs.append(a())
            ys.append(b())
    return xs, ys


# --------------------------------------------------------------------------- SDK clients
AK, SECRET, REGION = "AK", "SECRET", "cn-hangzhou"


def legacy_client() -> Any:
    from aliyunsdkcore.client import AcsClient

    return AcsClient(AK, SECRET, REGION)


def new_client() -> Any:
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id=AK, access_key_secret=SECRET, region_id=REGION))


def new_slb_client() -> Any:
    from alibabacloud_slb20140515.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id=AK, access_key_secret=SECRET, region_id=REGION))


def new_cms_client() -> Any:
    from alibabacloud_cms20190101.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id=AK, access_key_secret=SECRET, region_id=REGION))


# ------------------------------------------------------ the three ways to answer a call
@dataclass
class Answer:
    """One answer as it went over the wire: what a canned mock replays."""

    status: int
    headers: dict[str, str]
    body: bytes


@contextlib.contextmanager
def recording(sim: Any) -> Iterator[list[Answer]]:
    """Inside ``sim``: every answer the simulator gives (requests' stacks and the MNS SDK)."""
    from mns import mns_http

    from pytest_ecs_events.transports.intercept import Interceptor

    seen: list[Answer] = []
    original = Interceptor._callback

    def callback(self: Any, prepared: Any, *args: Any) -> Any:
        status, headers, body = original(self, prepared, *args)
        seen.append(Answer(status, dict(headers), body))
        return status, headers, body

    with sim:
        send = mns_http.MNSHttp.send_request

        def mns_send(http: Any, req_inter: Any) -> Any:
            response = send(http, req_inter)
            seen.append(Answer(response.status, dict(response.header), response.data.encode()))
            return response

        Interceptor._callback = callback  # type: ignore[method-assign]
        mns_http.MNSHttp.send_request = mns_send
        try:
            yield seen
        finally:
            Interceptor._callback = original  # type: ignore[method-assign]
            mns_http.MNSHttp.send_request = send


class Canned:
    """A bare ``responses`` mock answering every ECS/CloudMonitor URL of every SDK's copy of
    requests with one recorded answer: what a hand-written mock of the call costs.

    MNS does not use requests, so ``responses`` cannot answer it. Its canned call is the same
    kind of mock one layer down its own stack: the SDK's ``http.client`` connection gets a
    socket that swallows the request and reads back the recorded answer's bytes
    (:class:`CannedMnsSocket`), as ``responses`` stands in for requests' adapter.
    ``wire=False`` gives the floor under it: the SDK's ``send_request`` returning the answer,
    with no HTTP stack at all (reported beside the verdict, as the floor of the RPC rows is)."""

    def __init__(self, answer: Answer, mns: bool = False, *, wire: bool = True) -> None:
        import responses

        from pytest_ecs_events.transports.endpoints import RPC_URL
        from pytest_ecs_events.transports.intercept import _targets

        self.answer, self.mns, self.wire = answer, mns, wire
        self.mocks = []
        if not mns:
            for target, real in _targets():
                mock = responses.RequestsMock(
                    assert_all_requests_are_fired=False, target=target, real_adapter_send=real
                )
                mock.add(
                    responses.POST, RPC_URL, body=answer.body, status=answer.status,
                    headers={k: v for k, v in answer.headers.items()
                             if k.lower() != "content-type"},
                    content_type=answer.headers.get("Content-Type", "application/json"),
                )  # fmt: skip
                self.mocks.append(mock)

    def __enter__(self) -> Canned:
        if self.mns:
            from mns import mns_http

            answer = self.answer
            if self.wire:
                self._saved = mns_http.MNSHTTPConnection.connect
                wire = CannedMnsSocket.wire_bytes(answer)

                def connect(conn: Any) -> None:
                    conn.sock = CannedMnsSocket(wire)

                mns_http.MNSHTTPConnection.connect = connect
            else:
                self._saved = mns_http.MNSHttp.send_request

                def send(http: Any, req_inter: Any) -> Any:
                    return mns_http.ResponseInternal(
                        status=answer.status, header=dict(answer.headers),
                        data=answer.body.decode("utf-8"),
                    )  # fmt: skip

                mns_http.MNSHttp.send_request = send
        for m in self.mocks:
            m.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.mns:
            from mns import mns_http

            if self.wire:
                mns_http.MNSHTTPConnection.connect = self._saved
            else:
                mns_http.MNSHttp.send_request = self._saved
        for m in self.mocks:
            m.stop(allow_assert=False)


class CannedMnsSocket:
    """The socket of a canned MNS connection: it swallows what ``http.client`` writes and
    gives back one recorded answer, as HTTP/1.1 bytes, every time a response is read."""

    def __init__(self, wire: bytes) -> None:
        self.wire = wire

    @staticmethod
    def wire_bytes(answer: Answer) -> bytes:
        reason = http.client.responses.get(answer.status, "OK")
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
        lines = [f"HTTP/1.1 {answer.status} {reason}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append(f"Content-Length: {len(answer.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + answer.body

    def sendall(self, data: bytes) -> None:
        pass

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BytesIO:
        return io.BytesIO(self.wire)

    def setsockopt(self, *args: Any) -> None:
        pass

    def settimeout(self, timeout: float | None) -> None:
        pass

    def close(self) -> None:
        pass


class Prebuilt:
    """The floor: every adapter class's ``send`` returns one prebuilt response, so the SDK
    runs with no HTTP stack and no mock at all."""

    def __init__(self, answer: Answer) -> None:
        from pytest_ecs_events.transports.intercept import _requests_package, _targets

        self.swaps: list[tuple[Any, Any]] = []
        for target, _real in _targets():
            module, cls_name, _ = target.rsplit(".", 2)
            cls = getattr(importlib.import_module(module), cls_name)
            package = _requests_package(target)
            models = importlib.import_module(f"{package}.models")
            structures = importlib.import_module(f"{package}.structures")
            response = models.Response()
            response.status_code = answer.status
            response.headers = structures.CaseInsensitiveDict(answer.headers)
            response._content = answer.body
            response._content_consumed = True
            response.encoding = "utf-8"
            response.reason = "OK"

            def send(adapter: Any, request: Any, *a: Any, _r: Any = response, **k: Any) -> Any:
                _r.request, _r.url, _r.connection = request, request.url, adapter
                return _r

            self.swaps.append((cls, send))
        self.saved: list[Any] = []

    def __enter__(self) -> Prebuilt:
        self.saved = [(cls, cls.__dict__.get("send")) for cls, _ in self.swaps]
        for cls, send in self.swaps:
            cls.send = send
        return self

    def __exit__(self, *exc: object) -> None:
        for cls, send in self.saved:
            if send is None:
                del cls.send
            else:
                cls.send = send


def compare(
    name: str,
    sim: Any,
    call: Callable[[], object],
    target: float,
    *,
    mutate: Callable[[], None] | None = None,
    calls: int = 20,
    reset: Callable[[], None] | None = None,
    rounds: int | None = None,
) -> None:
    """P1-style: ``call`` answered by ``sim`` vs by a canned mock replaying the simulator's
    own answer, timed inside each mock (starting a mock is not the call's cost). Before every
    simulated call ``mutate`` runs (by default the simulation's state moves, as a clock tick
    or another instance's reboot does, so the query runs again over the store).

    ``reset``, for a call that changes state (a Stop needs a running instance, a Delete
    something to delete), runs before every simulated call outside the timer: then each call
    is timed on its own, on both sides alike. ``rounds``: the pairs (default 6 x ROUNDS)."""
    simulation = sim.simulation
    if mutate is None:

        def mutate() -> None:
            simulation.mutations += 1

    with recording(sim) as seen:
        if reset is not None:
            reset()
        call()
    answer = seen[-1]
    assert answer.status < 300, (name, answer)
    canned = Canned(answer, mns=name.startswith("MNS"))

    def timed(context: Any, step: Callable[[], None] | None) -> Callable[[], float]:
        def run() -> float:
            with context:
                gc.collect()
                start = time.perf_counter()
                for _ in range(calls):
                    if step is not None:
                        step()
                    call()
                return (time.perf_counter() - start) / calls

        return run

    def timed_each(context: Any, before: Callable[[], None] | None) -> Callable[[], float]:
        clock = time.perf_counter

        def run() -> float:
            with context:
                gc.collect()
                spent = 0.0
                for _ in range(calls):
                    if before is not None:
                        before()
                    start = clock()
                    call()
                    spent += clock() - start
                return spent / calls

        return run

    pairs = rounds or 6 * ROUNDS

    def pair(mock: Any) -> tuple[float, float, float]:
        if reset is None:
            return paired(timed(sim, mutate), timed(mock, None), pairs)

        def before() -> None:
            reset()
            mutate()

        return paired(timed_each(sim, before), timed_each(mock, None), pairs)

    t_sim, t_canned, ratio = pair(canned)
    floor = ""
    if canned.mns:  # beside the verdict: the same call against no HTTP stack at all
        _, t_bare, bare_ratio = pair(Canned(answer, mns=True, wire=False))
        floor = f" (no HTTP stack {t_bare * 1e6:.0f} µs: {bare_ratio:.2f}x)"
    report(
        name,
        f"{t_sim * 1e6:.0f} µs vs canned {t_canned * 1e6:.0f} µs = {ratio:.3f}x{floor}",
        f"<= {target}x",
        ratio <= target,
    )


def small_sim() -> Any:
    from pytest_ecs_events import EcsSimulator

    sim = EcsSimulator(now=START, instances=["i-a", "i-b"], seed=1)
    for _ in range(5):
        sim.create_events("SystemMaintenance.Reboot", ["i-a", "i-b"], "+1m")
        sim.advance("5m")
    return sim


# ---------------------------------------------------------------------- P1 and the floor
def _history_calls() -> list[tuple[str, Callable[[], object]]]:
    from alibabacloud_ecs20140526 import models
    from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
        DescribeInstanceHistoryEventsRequest,
    )

    legacy = legacy_client()
    client = new_client()
    request = models.DescribeInstanceHistoryEventsRequest(region_id=REGION)
    return [
        ("legacy", lambda: legacy.do_action_with_exception(DescribeInstanceHistoryEventsRequest())),
        ("new SDK", lambda: client.describe_instance_history_events(request)),
    ]


def bench_p1() -> None:
    """P1: one DescribeInstanceHistoryEvents call per SDK, state changed before each call,
    vs a canned responses body"""
    sim = small_sim()
    for sdk, call in _history_calls():
        compare(f"P1 DescribeInstanceHistoryEvents, {sdk}", sim, call, 1.08)


def bench_floor() -> None:
    """floor: the same call vs the SDK whose adapter send returns a prebuilt response"""
    sim = small_sim()
    simulation = sim.simulation
    for sdk, call in _history_calls():
        with recording(sim) as seen:
            call()
        prebuilt = Prebuilt(seen[-1])

        def timed(context: Any, mutate: bool, call: Callable[[], object] = call) -> float:
            with context:
                gc.collect()
                start = time.perf_counter()
                for _ in range(20):
                    if mutate:
                        simulation.mutations += 1
                    call()
                return (time.perf_counter() - start) / 20

        t_sim, t_floor, ratio = paired(
            lambda: timed(sim, True),
            lambda prebuilt=prebuilt: timed(prebuilt, False),  # type: ignore[misc]
            6 * ROUNDS,
        )
        report(
            f"floor DescribeInstanceHistoryEvents, {sdk}",
            f"{t_sim * 1e6:.0f} µs vs no HTTP stack {t_floor * 1e6:.0f} µs = {ratio:.3f}x",
            "<= 1.5x",
            ratio <= 1.5,
        )


def bench_p2() -> None:
    """P2: a large store (10,000 instances, 100,000 events), DescribeInstanceHistoryEvents by
    InstanceId and the unfiltered first page of 100 (legacy SDK), vs canned pages"""
    from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
        DescribeInstanceHistoryEventsRequest,
    )

    from pytest_ecs_events import EcsSimulator

    core = build_history(100_000, 10_000)
    sim = EcsSimulator(now=START, seed=1)
    sim._sim = core  # the handle over the big simulation
    sim._api.sim = core
    legacy = legacy_client()
    target = next(iter(core.store.instances))

    def call(instance_id: str | None) -> Callable[[], object]:
        def run() -> object:
            request = DescribeInstanceHistoryEventsRequest()
            if instance_id:
                request.set_InstanceId(instance_id)
            request.set_MaxResults(100)
            return legacy.do_action_with_exception(request)

        return run

    compare("P2 100k events, by InstanceId", sim, call(target), 1.5)
    compare("P2 100k events, first page of 100", sim, call(None), 2.0)


# ---------------------------------------------------------------- the newer actions' rows
#: Pairs of the RPC rows added for every action (the 13 first rows keep 6 x ROUNDS, so their
#: figures stay comparable with rounds 1-3): in CPU-time trials on ten rows, medians over 14
#: and over 42 pairs of 20 calls differed no more than two runs of the same count did, and
#: 75 rows at 42 pairs would add minutes to a full run.
ACTION_ROUNDS = MORE_ROUNDS

#: What a row's ``make(sim)`` returns: the call, or the call and its reset (see compare).
Made = Callable[[], object] | tuple[Callable[[], object], Callable[[], None]]


@dataclass
class ActionRow:
    """One action's P1-style row: ``make(sim)`` returns the call (and prepares the state it
    needs), or the call and a reset that makes the next call valid (run before each call,
    untimed); ``mutate`` moves the state before each call (``None``: the default tick, which
    makes a query run again; ``False``: nothing, for a call that changes state itself).
    ``rounds``: the pairs (``None``: 6 x ROUNDS, the first rows')."""

    name: str
    make: Callable[[Any], Made]
    mutate: bool | None = None
    target: float = 1.15
    tags: tuple[str, ...] = field(default=())
    rounds: int | None = ACTION_ROUNDS

    @property
    def label(self) -> str:
        """The name the table prints: ECS's actions get "ECS " (Cloud Assistant's "CA ")."""
        return self.name if self.name.startswith(tuple(PREFIXES)) else f"ECS {self.name}"

    @property
    def action(self) -> tuple[str, str]:
        """(product key, action): the registry entry (MNS: its operation) the row measures."""
        prefix, _, rest = self.label.partition(" ")
        return PREFIXES[prefix + " "], rest


#: A row name's prefix and the product key it measures (MNS: mns/service.py's OPERATIONS).
PREFIXES = {"MNS ": "mns", "CMS ": "cms", "CA ": "ecs", "SLB ": "slb", "ECS ": "ecs"}


def _rpc(
    client: Callable[[], Any],
    models: str,
    action: str,
    *,
    setup: Callable[[Any], Any] | None = None,
    reset: Callable[[Any, Any, Any], None] | None = None,
    **fields: Any,
) -> Callable[[Any], Made]:
    """A new-SDK call of ``action``: its ``<action>Request`` of the ``models`` module with
    ``fields`` (a field given as a callable gets what ``setup(sim)`` returned; ``None`` leaves
    it out), made by the client's method of that name (``describe_instances``).
    ``reset(sim, request, context)`` runs before each call."""

    def make(sim: Any) -> Made:
        context = setup(sim) if setup is not None else None
        values = {k: v(context) if callable(v) else v for k, v in fields.items()}
        module = importlib.import_module(models)
        req = getattr(module, f"{action}Request")(
            **{k: v for k, v in values.items() if v is not None}
        )
        bound = _method_of(client(), action)

        def call() -> object:
            return bound(req)

        if reset is None:
            return call
        return call, lambda: reset(sim, req, context)

    return make


def _method_of(client: Any, action: str) -> Callable[[Any], object]:
    """The client's method for ``action``: its snake-case name (``DescribeVServerGroups`` is
    ``describe_vserver_groups``, not a mechanical split of the capitals)."""
    wanted = action.lower()
    names = [n for n in dir(client) if n.replace("_", "") == wanted]
    if len(names) != 1:
        raise LookupError(f"{type(client).__name__} has no one method for {action}: {names}")
    method: Callable[[Any], object] = getattr(client, names[0])
    return method


def _ecs(action: str, **fields: Any) -> Callable[[Any], Made]:
    fields.setdefault("region_id", REGION)
    return _rpc(new_client, "alibabacloud_ecs20140526.models", action, **fields)


def _tagged(sim: Any) -> Made:
    from alibabacloud_ecs20140526 import models

    _tag(sim)
    client = new_client()
    req = models.ListTagResourcesRequest(
        region_id=REGION, resource_type="instance", resource_id=["i-a", "i-b"]
    )
    return lambda: client.list_tag_resources(req)


def _tag(sim: Any, *_: Any) -> None:
    sim.call(
        "TagResources", RegionId=REGION, ResourceType="instance",
        **{"ResourceId.1": "i-a", "ResourceId.2": "i-b", "Tag.1.Key": "team", "Tag.1.Value": "a"},
    )  # fmt: skip


def _untag(sim: Any, *_: Any) -> None:
    sim.call(
        "UntagResources", RegionId=REGION, ResourceType="instance",
        **{"ResourceId.1": "i-a", "ResourceId.2": "i-b", "TagKey.1": "team"},
    )  # fmt: skip


def _cms(sim: Any) -> Made:
    from alibabacloud_cms20190101 import models

    client = new_cms_client()
    req = models.DescribeSystemEventAttributeRequest(product="ECS", page_size=10)
    return lambda: client.describe_system_event_attribute(req)


def _invoked(sim: Any) -> str:
    """Three finished invocations of a command on both instances (a handler's drain, its
    check, its restore); returns the last one's InvokeId."""
    invoke_id = ""
    for n in range(3):
        answer = sim.call(
            "RunCommand", RegionId=REGION, Type="RunShellScript",
            CommandContent=f"echo step {n}", **{"InstanceId.1": "i-a", "InstanceId.2": "i-b"},
        )  # fmt: skip
        invoke_id = answer["InvokeId"]
    sim.advance("1m")
    return invoke_id


def _ca(action: str, by_invoke_id: bool = False, **fields: Any) -> Callable[..., Made]:
    def make(sim: Any) -> Made:
        invoke_id = _invoked(sim)
        return _ecs(action, invoke_id=invoke_id if by_invoke_id else None, **fields)(sim)

    return make


def _run_command(sim: Any) -> Made:
    _invoked(sim)
    return _ecs("RunCommand", type="RunShellScript",
        command_content="systemctl restart nginx", instance_id=["i-a", "i-b"],
    )(sim)  # fmt: skip


def _command(sim: Any, *_: Any) -> str:
    """A new command's CommandId (after three finished invocations of another)."""
    answer = sim.call(
        "CreateCommand", RegionId=REGION, Name="drain", Type="RunShellScript",
        CommandContent="ZWNobyBkcmFpbg==",  # "echo drain", Base64 as the API takes it
    )  # fmt: skip
    return str(answer["CommandId"])


def _with_command(sim: Any) -> str:
    _invoked(sim)
    return _command(sim)


def _new_command_id(sim: Any, req: Any, _: Any) -> None:
    req.command_id = _command(sim)


def _running_invocation(sim: Any, req: Any, _: Any) -> None:
    req.invoke_id = sim.call(
        "RunCommand", RegionId=REGION, Type="RunShellScript", CommandContent="sleep 60",
        **{"InstanceId.1": "i-a", "InstanceId.2": "i-b"},
    )["InvokeId"]  # fmt: skip


def _status_is(wanted: str, *ids: str) -> Callable[[Any, Any, Any], None]:
    """A reset: every instance of ``ids`` settled in ``wanted`` (Running or Stopped)."""

    def reset(sim: Any, *_: Any) -> None:
        sim.advance("1m")  # a reboot, start or stop of the last call finishes
        moved = False
        for instance_id in ids:
            if sim.instance(instance_id).status.value != wanted:
                (sim.start_instance if wanted == "Running" else sim.stop_instance)(instance_id)
                moved = True
        if moved:
            sim.advance("1m")

    return reset


def _new_instance(sim: Any, req: Any, _: Any) -> None:
    req.instance_id = sim.add_instance().instance_id


def _simulated_event(event_type: str = "SystemMaintenance.Reboot") -> Callable[..., str]:
    def create(sim: Any, *_: Any) -> str:
        return str(sim.create_events(event_type, ["i-a"], "+1d")[0].event_id)

    return create


def _injected_event(event_type: str) -> Callable[..., str]:
    """A platform event (one asking, for AcceptInquiredSystemEvent: not simulatable)."""

    def inject(sim: Any, *_: Any) -> str:
        return str(sim.inject_event(event_type, "i-a", not_before="+1d").event_id)

    return inject


def _new_event_id(
    event_type: str, as_list: bool = False, platform: bool = False
) -> Callable[[Any, Any, Any], None]:
    make_event = (_injected_event if platform else _simulated_event)(event_type)

    def reset(sim: Any, req: Any, _: Any) -> None:
        event_id = make_event(sim)
        req.event_id = [event_id] if as_list else event_id

    return reset


def _cancel_created(sim: Any, *_: Any) -> None:
    """Cancels what the last CreateSimulatedSystemEvents call made (its instances keep one
    pending event each, as a drill does)."""
    pending = [e.event_id for e in sim.events(state="Scheduled")]
    if pending:
        sim.cancel_events(pending)


def _then(*resets: Callable[[Any, Any, Any], None]) -> Callable[[Any, Any, Any], None]:
    def reset(sim: Any, req: Any, context: Any) -> None:
        for step in resets:
            step(sim, req, context)

    return reset


def _alternate(attribute: str, *values: Any) -> Callable[[Any, Any, Any], None]:
    """A reset: ``attribute`` of the request takes ``values`` in turn (a real change each
    call, not a write of what is already there)."""
    turn = [0]

    def reset(sim: Any, req: Any, _: Any) -> None:
        turn[0] += 1
        setattr(req, attribute, values[turn[0] % len(values)])

    return reset


def _later(sim: Any, req: Any, _: Any) -> None:
    """A reset: ModifySystemEventAttribute moves the event one hour further each call."""
    at = datetime.fromisoformat(req.not_before.replace("Z", "+00:00")) + timedelta(hours=1)
    req.not_before = at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso(delta: timedelta) -> Callable[[Any], str]:
    return lambda _: (START + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _direct(sim: Any, host: str, action: str, **params: str) -> dict[str, Any]:
    """Another product's action answered in process (no SDK): a reset's inverse call."""
    from pytest_ecs_events.api.messages import ApiRequest

    response = sim.handle(ApiRequest(params={"Action": action, **params}, host=host))
    body: dict[str, Any] = json.loads(response.content())
    assert response.status < 300, body
    return body


# -------------------------------------------------------------------------- CloudMonitor
CMS_HOST = "metrics.cn-hangzhou.aliyuncs.com"


def _cms_call(action: str, **fields: Any) -> Callable[[Any], Made]:
    return _rpc(new_cms_client, "alibabacloud_cms20190101.models", action, **fields)


def _put_rule(sim: Any, *_: Any) -> None:
    _direct(
        sim, CMS_HOST, "PutEventRule", RuleName="drain",
        **{"EventPattern.1.Product": "ecs",
           "EventPattern.1.NameList.1": "Instance:SystemMaintenance.Reboot:Executed"},
    )  # fmt: skip


def _put_target(sim: Any, *_: Any) -> None:
    _direct(
        sim, CMS_HOST, "PutEventRuleTargets", RuleName="drain",
        **{"MnsParameters.1.Id": "1", "MnsParameters.1.Region": REGION,
           "MnsParameters.1.Queue": "bench"},
    )  # fmt: skip


def _rule_and_target(sim: Any, *_: Any) -> None:
    sim.create_queue("bench")
    _put_rule(sim)
    _put_target(sim)


def _rule_state(action: str) -> Callable[[Any, Any, Any], None]:
    def reset(sim: Any, *_: Any) -> None:
        _direct(sim, CMS_HOST, action, **{"RuleNames.1": "drain"})

    return reset


def _cms_models() -> Any:
    from alibabacloud_cms20190101 import models

    return models


def _pattern(_: Any) -> list[Any]:
    return [_cms_models().PutEventRuleRequestEventPattern(
        product="ecs", name_list=["Instance:SystemMaintenance.Reboot:Executed"])]  # fmt: skip


def _mns_target(_: Any) -> list[Any]:
    return [_cms_models().PutEventRuleTargetsRequestMnsParameters(
        id="1", region=REGION, queue="bench")]  # fmt: skip


# ----------------------------------------------------------------- Server Load Balancer
SLB_HOST = "slb.cn-hangzhou.aliyuncs.com"


def _balanced(sim: Any) -> Any:
    """A load balancer with a TCP listener on the default group and one forwarding to a
    vServer group, both instances behind each."""
    return sim.add_load_balancer(
        "web", listeners=[80, (8080, "web")], backends=["i-a", "i-b"],
        vserver_groups={"web": [("i-a", 100, 8080), ("i-b", 100, 8080)]},
    )  # fmt: skip


def _balanced_and_spare(sim: Any) -> Any:
    """:func:`_balanced`, and a third instance, i-c, behind neither group (yet)."""
    sim.add_instance("i-c")
    return _balanced(sim)


def _slb(
    action: str, reset: Callable[..., None] | None = None, **fields: Any
) -> Callable[[Any], Made]:
    """An SLB call on :func:`_balanced` (with a reset, :func:`_balanced_and_spare`); a field
    given as a callable gets the load balancer's snapshot."""
    setup = _balanced if reset is None else _balanced_and_spare
    return _rpc(
        new_slb_client, "alibabacloud_slb20140515.models", action,
        setup=setup, reset=reset, region_id=REGION, **fields,
    )  # fmt: skip


def _lb_id(lb: Any) -> str:
    return str(lb.load_balancer_id)


def _group_id(lb: Any) -> str:
    return str(lb.vserver_group_ids["web"])


_C_DEFAULT = '[{"ServerId": "i-c", "Weight": "100"}]'
_C_GROUP = '[{"ServerId": "i-c", "Port": "8080", "Weight": "100"}]'


def _slb_inverse(action: str, key: str) -> Callable[[Any, Any, Any], None]:
    """A reset: the inverse SLB call puts i-c back (or takes it out) before each call."""

    def reset(sim: Any, req: Any, lb: Any) -> None:
        if key == "default":
            where, servers = {"LoadBalancerId": _lb_id(lb)}, _C_DEFAULT
        else:
            where, servers = {"VServerGroupId": _group_id(lb)}, _C_GROUP
        _direct(sim, SLB_HOST, action, RegionId=REGION, BackendServers=servers, **where)

    return reset


# ------------------------------------------------------------------------------------ MNS
def _mns_account(sim: Any) -> Any:
    from mns.account import Account

    sim.create_queue("bench")
    queue = Account(sim.mns_endpoint, "mns-ak", "mns-secret").get_queue("bench")
    queue.set_encoding(False)  # plain text bodies both ways
    return queue


def _mns_send(sim: Any) -> Made:
    from mns.queue import Message

    queue = _mns_account(sim)
    return lambda: queue.send_message(Message("payload"))


def _mns_receive(sim: Any) -> Made:
    queue = _mns_account(sim)
    for n in range(12 * ROUNDS * 20 + 200):  # one message for every call the row makes
        sim.send_message("bench", f"payload {n}")
    return lambda: queue.receive_message(0)


def _mns_batch_send(sim: Any) -> Made:
    from mns.queue import Message

    queue = _mns_account(sim)
    messages = [Message(f"payload {n}") for n in range(4)]
    return lambda: queue.batch_send_message(messages)


def _mns_batch_receive(sim: Any) -> Made:
    queue = _mns_account(sim)

    def reset() -> None:
        for n in range(4):
            sim.send_message("bench", f"payload {n}")

    return lambda: queue.batch_receive_message(4, 0), reset


def _mns_peek(batch: bool) -> Callable[[Any], Made]:
    def make(sim: Any) -> Made:
        queue = _mns_account(sim)
        for n in range(4):
            sim.send_message("bench", f"payload {n}")
        return (lambda: queue.batch_peek_message(4)) if batch else queue.peek_message

    return make


def _mns_held(sim: Any, queue: Any, count: int) -> list[str]:
    """Receipt handles of ``count`` messages sent and received now (a reset's work)."""
    for n in range(count):
        sim.send_message("bench", f"payload {n}")
    if count == 1:
        return [queue.receive_message(0).receipt_handle]
    return [m.receipt_handle for m in queue.batch_receive_message(count, 0)]


def _mns_delete(sim: Any) -> Made:
    queue = _mns_account(sim)
    held = [""]

    def reset() -> None:
        held[0] = _mns_held(sim, queue, 1)[0]

    return lambda: queue.delete_message(held[0]), reset


def _mns_batch_delete(sim: Any) -> Made:
    queue = _mns_account(sim)
    held: list[list[str]] = [[]]

    def reset() -> None:
        held[0] = _mns_held(sim, queue, 4)

    return lambda: queue.batch_delete_message(held[0]), reset


def _mns_visibility(sim: Any) -> Made:
    queue = _mns_account(sim)
    held = [""]

    def reset() -> None:
        held[0] = _mns_held(sim, queue, 1)[0]

    return lambda: queue.change_message_visibility(held[0], 30), reset


def _mns_meta(**values: int) -> Any:
    from mns.queue import QueueMeta

    meta = QueueMeta()
    if "visibility_timeout" in values:
        meta.set_visibilitytimeout(values["visibility_timeout"])
    return meta


def _mns_create(sim: Any) -> Made:
    from mns.account import Account

    queue = Account(sim.mns_endpoint, "mns-ak", "mns-secret").get_queue("created")
    sim.create_queue("created")  # for the first reset to delete
    meta = _mns_meta(visibility_timeout=30)
    return lambda: queue.create(meta), queue.delete  # each call creates it anew


def _mns_delete_queue(sim: Any) -> Made:
    queue = _mns_account(sim)
    return queue.delete, lambda: sim.create_queue("bench")


def _mns_set_attributes(sim: Any) -> Made:
    queue = _mns_account(sim)
    metas = [_mns_meta(visibility_timeout=30), _mns_meta(visibility_timeout=60)]
    turn = [0]

    def reset() -> None:
        turn[0] += 1

    return lambda: queue.set_attributes(metas[turn[0] % 2]), reset


def _mns_get_attributes(sim: Any) -> Made:
    queue = _mns_account(sim)
    sim.send_message("bench", "payload")
    return queue.get_attributes


def _mns_list(sim: Any) -> Made:
    from mns.account import Account

    for name in ("bench", "drain", "events", "orders"):
        sim.create_queue(name)
    account = Account(sim.mns_endpoint, "mns-ak", "mns-secret")
    return lambda: account.list_queue("", 10)


ACTIONS: list[ActionRow] = [
    # The first 13 rows (rounds 2-3): their names and rounds stay, so figures compare.
    ActionRow("MNS SendMessage", _mns_send, mutate=False, rounds=None),
    ActionRow("MNS ReceiveMessage", _mns_receive, mutate=False, rounds=None),
    ActionRow("DescribeInstances", _ecs("DescribeInstances"), rounds=None),
    ActionRow(
        "DescribeInstanceAttribute",
        _ecs(
            "DescribeInstanceAttribute",
            instance_id="i-a",
            region_id=None,
        ),
        rounds=None,
    ),
    ActionRow("DescribeDisks", _ecs("DescribeDisks"), rounds=None),
    ActionRow("ListTagResources", _tagged, rounds=None),
    ActionRow("CMS DescribeSystemEventAttribute", _cms, rounds=None),
    ActionRow("CA RunCommand", _run_command, rounds=None),
    ActionRow(
        "CA DescribeInvocationResults",
        _ca("DescribeInvocationResults", True),
        rounds=None,
    ),
    ActionRow(
        "CA DescribeInvocations",
        _ca("DescribeInvocations"),
        rounds=None,
    ),
    ActionRow(
        "SLB DescribeHealthStatus",
        _slb("DescribeHealthStatus", load_balancer_id=_lb_id),
        rounds=None,
    ),
    ActionRow(
        "SLB DescribeVServerGroupAttribute",
        _slb(
            "DescribeVServerGroupAttribute",
            vserver_group_id=_group_id,
        ),
        rounds=None,
    ),
    ActionRow(
        "SLB ModifyVServerGroupBackendServers",
        _slb(
            "ModifyVServerGroupBackendServers",
            vserver_group_id=_group_id,
            old_backend_servers='[{"ServerId": "i-a", "Port": 8080}]',
            new_backend_servers='[{"ServerId": "i-a", "Port": 8080, "Weight": 50}]',
        ),
        rounds=None,
    ),
    # ECS: instances, events, disks, tags, regions, types (every other registered action).
    ActionRow(
        "DescribeInstanceHistoryEvents",
        _ecs("DescribeInstanceHistoryEvents"),
    ),
    ActionRow("DescribeInstanceStatus", _ecs("DescribeInstanceStatus")),
    ActionRow(
        "DescribeInstancesFullStatus",
        _ecs("DescribeInstancesFullStatus"),
    ),
    ActionRow(
        "DescribeInstanceMaintenanceAttributes",
        _ecs(
            "DescribeInstanceMaintenanceAttributes",
            instance_id=["i-a", "i-b"],
        ),
    ),
    ActionRow(
        "DescribeDisksFullStatus",
        _ecs("DescribeDisksFullStatus"),
    ),
    ActionRow(
        "DescribeInstanceTypes",
        _ecs(
            "DescribeInstanceTypes",
            instance_type_family="ecs.g7",
            region_id=None,
        ),
    ),
    ActionRow(
        "DescribeInstanceTypeFamilies",
        _ecs("DescribeInstanceTypeFamilies"),
    ),
    ActionRow("DescribeRegions", _ecs("DescribeRegions", region_id=None)),
    ActionRow("DescribeZones", _ecs("DescribeZones")),
    ActionRow(
        "DescribeTags",
        _ecs("DescribeTags", resource_type="instance", setup=_tag),
    ),
    ActionRow(
        "TagResources",
        _ecs(
            "TagResources",
            resource_type="instance",
            resource_id=["i-a", "i-b"],
            reset=_untag,
            tag=lambda _: [_ecs_models().TagResourcesRequestTag(key="team", value="a")],
        ),
        mutate=False,
    ),
    ActionRow(
        "UntagResources",
        _ecs(
            "UntagResources",
            resource_type="instance",
            resource_id=["i-a", "i-b"],
            tag_key=["team"],
            reset=_tag,
        ),
        mutate=False,
    ),
    ActionRow(
        "ModifyInstanceAttribute",
        _ecs(
            "ModifyInstanceAttribute",
            instance_id="i-a",
            instance_name="web-1",
            region_id=None,
            reset=_alternate("instance_name", "web-1", "web-2"),
        ),
        mutate=False,
    ),
    ActionRow(
        "ModifyInstanceMaintenanceAttributes",
        _ecs(
            "ModifyInstanceMaintenanceAttributes",
            instance_id=["i-a"],
            action_on_maintenance="AutoRecover",
            reset=_alternate("action_on_maintenance", "AutoRecover", "AutoRedeploy"),
        ),
        mutate=False,
    ),
    ActionRow(
        "StartInstance",
        _ecs(
            "StartInstance",
            instance_id="i-a",
            region_id=None,
            reset=_status_is("Stopped", "i-a"),
        ),
        mutate=False,
    ),
    ActionRow(
        "StopInstance",
        _ecs(
            "StopInstance",
            instance_id="i-a",
            region_id=None,
            reset=_status_is("Running", "i-a"),
        ),
        mutate=False,
    ),
    ActionRow(
        "StartInstances",
        _ecs(
            "StartInstances",
            instance_id=["i-a", "i-b"],
            reset=_status_is("Stopped", "i-a", "i-b"),
        ),
        mutate=False,
    ),
    ActionRow(
        "StopInstances",
        _ecs(
            "StopInstances",
            instance_id=["i-a", "i-b"],
            reset=_status_is("Running", "i-a", "i-b"),
        ),
        mutate=False,
    ),
    ActionRow(
        "RebootInstance",
        _ecs(
            "RebootInstance",
            instance_id="i-a",
            region_id=None,
            reset=_status_is("Running", "i-a"),
        ),
        mutate=False,
    ),
    ActionRow(
        "RebootInstances",
        _ecs(
            "RebootInstances",
            instance_id=["i-a", "i-b"],
            reset=_status_is("Running", "i-a", "i-b"),
        ),
        mutate=False,
    ),
    ActionRow(
        "RedeployInstance",
        _ecs(
            "RedeployInstance",
            instance_id="i-a",
            region_id=None,
            reset=_status_is("Running", "i-a"),
        ),
        mutate=False,
    ),
    ActionRow(
        "DeleteInstance",
        _ecs(
            "DeleteInstance",
            instance_id="i-a",
            force=True,
            region_id=None,
            reset=_new_instance,
        ),
        mutate=False,
    ),
    ActionRow(
        "CreateSimulatedSystemEvents",
        _ecs(
            "CreateSimulatedSystemEvents",
            event_type="SystemMaintenance.Reboot",
            instance_id=["i-a", "i-b"],
            not_before=_iso(timedelta(days=2)),
            reset=_cancel_created,
        ),
        mutate=False,
    ),
    ActionRow(
        "CancelSimulatedSystemEvents",
        _ecs(
            "CancelSimulatedSystemEvents",
            reset=_new_event_id("SystemMaintenance.Reboot", as_list=True),
        ),
        mutate=False,
    ),
    ActionRow(
        "AcceptInquiredSystemEvent",
        _ecs(
            "AcceptInquiredSystemEvent",
            reset=_then(
                _status_is("Running", "i-a"),  # the last accepted event's reboot is over
                _new_event_id("SystemMaintenance.RebootAndIsolateErrorDisk", platform=True),
            ),
        ),
        mutate=False,
    ),
    ActionRow(
        "ModifySystemEventAttribute",
        _ecs(
            "ModifySystemEventAttribute",
            setup=_simulated_event(),
            event_id=lambda event_id: event_id,
            instance_id="i-a",
            not_before=_iso(timedelta(days=2)),
            reset=_later,
        ),
        mutate=False,
    ),
    # Cloud Assistant
    ActionRow(
        "CA DescribeCommands",
        _ecs("DescribeCommands", setup=_with_command),
    ),
    ActionRow(
        "CA DescribeCloudAssistantStatus",
        _ecs(
            "DescribeCloudAssistantStatus",
            instance_id=["i-a", "i-b"],
        ),
    ),
    ActionRow(
        "CA CreateCommand",
        _ecs(
            "CreateCommand",
            name="drain",
            type="RunShellScript",
            command_content="ZWNobyBkcmFpbg==",
            setup=_invoked,
        ),
        mutate=False,
    ),
    ActionRow(
        "CA DeleteCommand",
        _ecs("DeleteCommand", setup=_invoked, reset=_new_command_id),
        mutate=False,
    ),
    ActionRow(
        "CA InvokeCommand",
        _ecs(
            "InvokeCommand",
            setup=_with_command,
            command_id=lambda command_id: command_id,
            instance_id=["i-a", "i-b"],
        ),
        mutate=False,
    ),
    ActionRow(
        "CA StopInvocation",
        _ecs(
            "StopInvocation",
            setup=_invoked,
            instance_id=["i-a", "i-b"],
            reset=_running_invocation,
        ),
        mutate=False,
    ),
    # CloudMonitor
    ActionRow(
        "CMS DescribeSystemEventCount",
        _cms_call("DescribeSystemEventCount"),
    ),
    ActionRow(
        "CMS DescribeSystemEventHistogram",
        _cms_call(
            "DescribeSystemEventHistogram",
            product="ECS",
        ),
    ),
    ActionRow(
        "CMS DescribeEventRuleList",
        _cms_call("DescribeEventRuleList", setup=_rule_and_target),
    ),
    ActionRow(
        "CMS DescribeEventRuleTargetList",
        _cms_call(
            "DescribeEventRuleTargetList",
            rule_name="drain",
            setup=_rule_and_target,
        ),
    ),
    ActionRow(
        "CMS PutEventRule",
        _cms_call("PutEventRule", rule_name="drain", event_pattern=_pattern),
    ),
    ActionRow(
        "CMS PutEventRuleTargets",
        _cms_call(
            "PutEventRuleTargets",
            rule_name="drain",
            mns_parameters=_mns_target,
            setup=_rule_and_target,
        ),
    ),
    ActionRow(
        "CMS EnableEventRules",
        _cms_call(
            "EnableEventRules",
            rule_names=["drain"],
            setup=_rule_and_target,
            reset=_rule_state("DisableEventRules"),
        ),
        mutate=False,
    ),
    ActionRow(
        "CMS DisableEventRules",
        _cms_call(
            "DisableEventRules",
            rule_names=["drain"],
            setup=_rule_and_target,
            reset=_rule_state("EnableEventRules"),
        ),
        mutate=False,
    ),
    ActionRow(
        "CMS DeleteEventRuleTargets",
        _cms_call(
            "DeleteEventRuleTargets",
            rule_name="drain",
            ids=["1"],
            setup=_rule_and_target,
            reset=_put_target,
        ),
        mutate=False,
    ),
    ActionRow(
        "CMS DeleteEventRules",
        _cms_call(
            "DeleteEventRules",
            rule_names=["drain"],
            reset=_put_rule,
        ),
        mutate=False,
    ),
    # Server Load Balancer
    ActionRow(
        "SLB DescribeLoadBalancers",
        _slb("DescribeLoadBalancers"),
    ),
    ActionRow(
        "SLB DescribeLoadBalancerAttribute",
        _slb(
            "DescribeLoadBalancerAttribute",
            load_balancer_id=_lb_id,
        ),
    ),
    ActionRow(
        "SLB DescribeVServerGroups",
        _slb("DescribeVServerGroups", load_balancer_id=_lb_id),
    ),
    ActionRow(
        "SLB AddBackendServers",
        _slb(
            "AddBackendServers",
            load_balancer_id=_lb_id,
            backend_servers=_C_DEFAULT,
            reset=_slb_inverse("RemoveBackendServers", "default"),
        ),
        mutate=False,
    ),
    ActionRow(
        "SLB RemoveBackendServers",
        _slb(
            "RemoveBackendServers",
            load_balancer_id=_lb_id,
            backend_servers=_C_DEFAULT,
            reset=_slb_inverse("AddBackendServers", "default"),
        ),
        mutate=False,
    ),
    ActionRow(
        "SLB SetBackendServers",
        _slb(
            "SetBackendServers",
            load_balancer_id=_lb_id,
            backend_servers='[{"ServerId": "i-a", "Weight": "50"}]',
            reset=_alternate(
                "backend_servers",
                '[{"ServerId": "i-a", "Weight": "50"}]',
                '[{"ServerId": "i-a", "Weight": "100"}]',
            ),
        ),
        mutate=False,
    ),
    ActionRow(
        "SLB AddVServerGroupBackendServers",
        _slb(
            "AddVServerGroupBackendServers",
            vserver_group_id=_group_id,
            backend_servers=_C_GROUP,
            reset=_slb_inverse("RemoveVServerGroupBackendServers", "group"),
        ),
        mutate=False,
    ),
    ActionRow(
        "SLB RemoveVServerGroupBackendServers",
        _slb(
            "RemoveVServerGroupBackendServers",
            vserver_group_id=_group_id,
            backend_servers=_C_GROUP,
            reset=_slb_inverse("AddVServerGroupBackendServers", "group"),
        ),
        mutate=False,
    ),
    # MNS (not an RPC product: mns/service.py's OPERATIONS). A call takes 20-400 µs: a round
    # of 20 is shorter than a time slice of this loaded machine, so these take 6 x ROUNDS
    # pairs, as the first two do (a fraction of a second a row).
    ActionRow("MNS CreateQueue", _mns_create, mutate=False, rounds=None),
    ActionRow("MNS DeleteQueue", _mns_delete_queue, mutate=False, rounds=None),
    ActionRow("MNS SetQueueAttributes", _mns_set_attributes, mutate=False, rounds=None),
    ActionRow("MNS GetQueueAttributes", _mns_get_attributes, rounds=None),
    ActionRow("MNS ListQueue", _mns_list, rounds=None),
    ActionRow("MNS BatchSendMessage", _mns_batch_send, mutate=False, rounds=None),
    ActionRow("MNS BatchReceiveMessage", _mns_batch_receive, mutate=False, rounds=None),
    ActionRow("MNS PeekMessage", _mns_peek(batch=False), rounds=None),
    ActionRow("MNS BatchPeekMessage", _mns_peek(batch=True), rounds=None),
    ActionRow("MNS DeleteMessage", _mns_delete, mutate=False, rounds=None),
    ActionRow("MNS BatchDeleteMessage", _mns_batch_delete, mutate=False, rounds=None),
    ActionRow("MNS ChangeMessageVisibility", _mns_visibility, mutate=False, rounds=None),
]


def _ecs_models() -> Any:
    from alibabacloud_ecs20140526 import models

    return models


def prepared(row: ActionRow, sim: Any) -> tuple[Callable[[], object], Callable[[], None] | None]:
    """The row's call and its reset (``None``: a call that can simply run again)."""
    made = row.make(sim)
    return made if isinstance(made, tuple) else (made, None)


def bench_actions() -> None:
    """actions: a P1-style row (new SDK, state changed before each call) per implemented
    action of every product, vs its canned call (BENCH_ACTIONS=word,word: only the rows
    whose name holds one)"""
    only = [w.lower() for w in os.environ.get("BENCH_ACTIONS", "").split(",") if w]
    for row in ACTIONS:
        name = row.label
        if only and not any(w in name.lower() for w in only):
            continue
        sim = small_sim()
        call, reset = prepared(row, sim)
        # Every round starts with gc.collect(); over the SDKs' ~100,000 objects that took
        # most of a row's run. Frozen, they are left out of every collection (on both sides
        # alike); what a round leaves behind is still collected before the next.
        gc.freeze()
        try:
            compare(
                name, sim, call, row.target, reset=reset, rounds=row.rounds,
                mutate=(lambda: None) if row.mutate is False else None,
            )  # fmt: skip
        finally:
            gc.unfreeze()


# --------------------------------------------------------------------- pytest subprocesses
def _precompile() -> None:
    """Write the package's bytecode, as any install does. Without it (an editable install
    under PYTHONDONTWRITEBYTECODE, as on this machine) every pytest run below would compile
    the plugin from source, and these rows would time the compiler.

    pytest imports a plugin's modules through its assertion rewriter, which reads its own
    bytecode files, not the ones an install writes: it writes them in the first pytest run
    on any machine that writes bytecode. One run that uses ``ecs_sim``, with bytecode
    writing on, does that here (else every timed run would rewrite and compile the modules
    the fixture imports)."""
    import compileall

    import pytest_ecs_events

    compileall.compile_dir(Path(pytest_ecs_events.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "pytest.ini").write_text("[pytest]\n")
        (Path(tmp) / "test_warm.py").write_text(
            "import pytest\n"
            "@pytest.mark.ecs_event('SystemMaintenance.Reboot', instance='i-1')\n"
            "def test_warm(ecs_sim):\n    ecs_sim.advance('1h')\n"
        )
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
            check=True, capture_output=True, cwd=tmp, env=env,
        )  # fmt: skip


def _run_pytest(directory: Path, *args: str) -> Timing:
    """One pytest run in a subprocess: its wall time and its CPU time (user + system of the
    process and of every child it waited for, such as xdist's workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         *args],
        capture_output=True, cwd=directory, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"pytest {args} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def paired_runs(
    a: Callable[[], Timing], b: Callable[[], Timing], rounds: int
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """:func:`paired` for pytest subprocesses: (median a, median b, median ratio) by CPU time
    and by wall time, from the same alternating runs. A single pytest process is bound by
    its CPU, so on a quiet machine the two agree; on a shared one, another process's load
    moves the wall time of a run and not its CPU time."""
    xs, ys = alternate(a, b, rounds)
    return medians(xs, ys, lambda t: t.cpu), medians(xs, ys, lambda t: t.wall)


SUITE_TESTS = 2000


def bench_suite() -> None:
    """suite: 2,000 tests each using ecs_sim with one marker event and one advance() vs 2,000
    plain tests, single process and -n 2 (both files import the two SDKs, as a suite that
    tests SDK code does: the SDKs' own imports are not the plugin's cost)"""
    _precompile()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        (path / "pytest.ini").write_text("[pytest]\n")
        (path / "test_sim.py").write_text(
            textwrap.dedent(f"""
            import pytest
            import aliyunsdkcore.client, alibabacloud_ecs20140526.client  # as a user's suite does
            @pytest.mark.parametrize("n", range({SUITE_TESTS}))
            @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-1", not_before="+2h")
            def test_sim(ecs_sim, n):
                ecs_sim.advance("3h")
                assert ecs_sim.events()[0].state == "Executed"
        """)
        )
        (path / "test_plain.py").write_text(
            textwrap.dedent(f"""
            import pytest
            import aliyunsdkcore.client, alibabacloud_ecs20140526.client  # as a user's suite does
            @pytest.mark.parametrize("n", range({SUITE_TESTS}))
            def test_plain(n):
                assert n >= 0
        """)
        )
        for label, extra, target in (("", (), 1.35), (" -n 2", ("-n", "2"), 1.2)):
            by_cpu, by_wall = paired_runs(
                lambda extra=extra: _run_pytest(path, "test_sim.py", *extra),
                lambda extra=extra: _run_pytest(path, "test_plain.py", *extra),
                CLOSE_ROUNDS,
            )
            # Single process: judged by CPU time (the run is bound by it; see paired_runs).
            # Under -n 2 by wall time: what the workers buy is time on the clock.
            judged, other, other_name = (
                (by_wall, by_cpu, "CPU") if extra else (by_cpu, by_wall, "wall")
            )
            t_sim, t_plain, ratio = judged
            extra_ms = (t_sim - t_plain) / SUITE_TESTS * 1e3
            met = ratio <= target and (bool(extra) or extra_ms <= 0.35)
            report(
                f"suite 2000 ecs_sim tests vs plain{label}",
                f"{'wall' if extra else 'CPU'} {t_sim:.2f}s vs {t_plain:.2f}s, median pair "
                f"{ratio:.3f}x, {extra_ms:.2f} ms/test extra ({other_name} {other[2]:.3f}x)",
                f"<= {target}x" + ("" if extra else ", 0.35ms"),
                met,
            )


def bench_import() -> None:
    """import: loading the plugin (pytest on one test, plugin vs -p no:ecs_events), what it
    imports, and a 2,000-test suite that never uses it"""
    _precompile()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        (path / "pytest.ini").write_text("[pytest]\n")
        (path / "test_one.py").write_text("def test_one():\n    assert True\n")
        body = "".join(f"def test_{i}():\n    assert {i} == {i}\n" for i in range(2000))
        (path / "test_trivial.py").write_text(body)
        (on, off, ratio), by_wall = paired_runs(
            lambda: _run_pytest(path, "test_one.py"),
            lambda: _run_pytest(path, "test_one.py", "-p", "no:ecs_events"),
            # A run is short and the plugin's share of it small (1.3% of the instructions,
            # by callgrind), while one run's CPU time moves by 10% on this shared host.
            6 * ROUNDS,
        )
        report(
            "import: pytest start-up, plugin loaded",
            f"CPU {on * 1e3:.0f} ms vs {off * 1e3:.0f} ms, median pair {ratio:.3f}x "
            f"(wall {by_wall[2]:.3f}x)",
            "<= 1.03x",
            ratio <= 1.03,
        )
        probe = subprocess.run(
            [sys.executable, "-c", "import sys, pytest_ecs_events.plugin; print(sorted(m for m "
             "in sys.modules if m.split('.')[0] in ('aliyunsdkcore', 'alibabacloud_ecs20140526',"
             " 'darabonba', 'responses', 'mns')))"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        clean = probe.stdout.strip() == "[]"
        report(
            "import: plugin module imports no SDK",
            "no SDK, responses or MNS" if clean else probe.stdout.strip()[:58],
            "no SDK",
            clean,
        )
        (on, off, ratio), by_wall = paired_runs(
            lambda: _run_pytest(path, "test_trivial.py"),
            lambda: _run_pytest(path, "test_trivial.py", "-p", "no:ecs_events"),
            # By callgrind the plugin adds 0.7% here (start-up and ~11,000 instructions a
            # test); the rest of the spread is the host's, which more pairs narrow.
            MORE_ROUNDS,
        )
        report(
            "import: 2000 tests never using the plugin",
            f"CPU {on:.2f}s vs {off:.2f}s, median pair {ratio:.3f}x (wall {by_wall[2]:.3f}x)",
            "<= 1.03x",
            ratio <= 1.03,
        )


# ----------------------------------------------------------------- events: memory and build
def build_history(events: int, instances: int) -> Any:
    """``events`` events over ``instances`` instances: create in batches of 100, advance."""
    from pytest_ecs_events.core import Simulation, SimulationConfig

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


def rss() -> int:
    """This process's resident set, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


@dataclass
class BuildTiming:
    """One build, timed, with what of it the interpreter and the kernel did rather than the
    simulator: the collector's full passes (generation 2, timed through ``gc.callbacks``)
    and the page faults of memory newly mapped (``ru_minflt``)."""

    wall: float
    #: The thread's CPU time, user and system, by the scheduler's own count
    #: (``time.thread_time``). ``getrusage``'s figures are sampled at the kernel's ticks:
    #: on a 50 ms build they read 0.1-3 ms high (median 1.5 ms, 3%) on the round 11 machine.
    cpu: float
    full_passes: int
    full_pass_time: float
    faults: int
    #: Resident set before the build and after it, the simulation still alive.
    rss_before: int = 0
    rss_after: int = 0
    #: Whether the cyclic collector was enabled during the build: what ``timed_build`` was
    #: asked for, unless the caller had paused it already.
    collector: bool = True


def timed_build(events: int, instances: int, *, collector: bool = True) -> BuildTiming:
    """``build_history(events, instances)`` after a full collection, timed; unless
    ``collector``, with the cyclic collector paused for the build, as ``timeit`` times (a
    collector the caller had paused stays paused)."""
    gc.collect()
    passes: list[float] = []
    began = [0.0]

    def on_collect(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                began[0] = time.perf_counter()
            else:
                passes.append(time.perf_counter() - began[0])

    pause = not collector and gc.isenabled()
    gc.callbacks.append(on_collect)
    try:
        if pause:
            gc.disable()
        running = gc.isenabled()
        rss_before = rss()
        # This thread's, both the CPU time and the faults: in the benchmark process another
        # thread (a server row's) may run.
        before = resource.getrusage(resource.RUSAGE_THREAD)
        cpu_start = time.thread_time()
        start = time.perf_counter()
        sim = build_history(events, instances)
        wall = time.perf_counter() - start
        cpu = time.thread_time() - cpu_start
        after = resource.getrusage(resource.RUSAGE_THREAD)
        rss_after = rss()
    finally:
        if pause:
            gc.enable()
        gc.callbacks.remove(on_collect)
    if len(sim.store.events) != events:
        raise RuntimeError(f"the build made {len(sim.store.events)} events, not {events}")
    return BuildTiming(
        wall,
        cpu,
        len(passes),
        sum(passes),
        after.ru_minflt - before.ru_minflt,
        rss_before,
        rss_after,
        running,
    )


_BUILD_PROBE = """
import dataclasses, json, sys
sys.path[:0] = [{root!r}, {here!r}]
import run
if {warm}:
    run.build_history({warm}, 100)  # what a first build pays once: first calls, caches
timing = run.timed_build({events}, {instances}, collector={collector})
print(json.dumps(dataclasses.asdict(timing)))
"""


def fresh_build(
    events: int, instances: int, warm: int = 0, *, collector: bool = True
) -> BuildTiming:
    """:func:`timed_build` in a fresh process (after a ``warm``-event build, if any, made with
    the collector running): how the simulator's build scales, whatever this script ran
    before it. Not what a user's build costs: a user's process also holds pytest, the SDKs
    and their own code, whose objects a full collection walks as well (the in-process figure
    beside the row shows that)."""
    code = _BUILD_PROBE.format(
        root=str(ROOT), here=str(HERE), events=events, instances=instances, warm=warm,
        collector=collector,
    )  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the build probe failed:\n{done.stderr[-3000:]}")
    return BuildTiming(**json.loads(done.stdout.splitlines()[-1]))  # the last line: the probe's


#: Fresh processes the memory row builds its million events in (the median is judged).
MEMORY_PROBES = 3


def bench_memory() -> None:
    """memory: 1,000,000 events over 10,000 instances in one simulation (RSS of a fresh
    process, the largest of three; µs per event of CPU time, their median)"""
    events = 1_000_000
    # A /16 vSwitch holds at most ~65,000 instances.
    probes = [fresh_build(events, 10_000) for _ in range(MEMORY_PROBES)]
    peak = max(p.rss_after for p in probes)
    before = min(p.rss_before for p in probes)
    # Judged by CPU time, as the single-process suite is: on this shared machine the clock
    # also counts the time other processes held the core.
    per_event = statistics.median(p.cpu for p in probes) / events * 1e6
    wall = statistics.median(p.wall for p in probes) / events * 1e6
    report(
        "memory: 1,000,000 events, RSS",
        f"{peak / 1e6:.0f} MB ({(peak - before) / 1e6:.0f} MB over the imports)",
        "<= 250 MB",
        peak <= 250e6,
    )
    report(
        "memory: 1,000,000 events, build time",
        f"CPU {per_event:.1f} µs per event (wall {wall:.1f}), median of {len(probes)} builds",
        "<= 15 µs",
        per_event <= 15,
    )


def bench_build() -> None:
    """build: 100,000-event build vs 10,000-event build (batches of 100, advance), each in a
    fresh process after a 1,000-event warm-up build, the collector paused for the build"""

    def builds(events: int, instances: int) -> tuple[BuildTiming, BuildTiming]:
        """One build of each kind, back to back: the judged (the collector paused) and the
        one shown beside it (the collector running)."""
        return (
            fresh_build(events, instances, warm=1_000, collector=False),
            fresh_build(events, instances, warm=1_000),
        )

    # Judged since round 12 with the collector paused for the timed build, as timeit times:
    # the large build alone reaches the collector's one full pass, a step of its schedule.
    # A change of judge, not of cost (a user's build pays that pass): the ratio with the
    # collector running is printed beside the verdict, and judging it again is one line,
    # `medians(large, small, ...)` below made `medians(running_large, running_small, ...)`
    # (docs/performance.md, round 12, "The build row's judge", says why and the case against).
    large_both, small_both = alternate(
        lambda: builds(100_000, 10_000),
        lambda: builds(10_000, 1_000),
        MORE_ROUNDS,  # a figure near its target: more pairs, each a few seconds
    )
    large, running_large = (list(kind) for kind in zip(*large_both, strict=True))
    small, running_small = (list(kind) for kind in zip(*small_both, strict=True))

    # In this process, as until round 10 (which also freed each simulation within the timed
    # window, about 1% of a 10k build), for comparison only: whatever rows ran before leave
    # their objects to the collector's one full pass in the large build, which 10,000
    # events never reach, and the small build reuses the pages the large one freed while
    # the large one maps its own (docs/performance.md, round 10, "The build ratio").
    here_large, here_small = alternate(
        lambda: timed_build(100_000, 10_000), lambda: timed_build(10_000, 1_000), ROUNDS
    )
    cpu_large, cpu_small, cpu = medians(large, small, lambda t: t.cpu)

    def counts(of: Callable[[BuildTiming], float], xs: list[BuildTiming],
               ys: list[BuildTiming]) -> str:  # fmt: skip
        return f"{statistics.median(map(of, xs)):.0f} vs {statistics.median(map(of, ys)):.0f}"

    def full_passes(xs: list[BuildTiming], ys: list[BuildTiming]) -> str:
        return (
            f"full GC passes {counts(lambda t: t.full_passes, xs, ys)} "
            f"({statistics.median(t.full_pass_time for t in xs) * 1e3:.0f} ms in the large)"
        )

    report(
        "build: 100k events vs 10k",
        f"collector paused: CPU {cpu_large:.3f}s vs {cpu_small:.3f}s, median pair {cpu:.2f}x "
        f"(wall {medians(large, small, lambda t: t.wall)[2]:.2f}x), fresh processes, "
        f"{full_passes(large, small)}, page faults "
        f"{counts(lambda t: t.faults, large, small)}; the collector running: CPU "
        f"{medians(running_large, running_small, lambda t: t.cpu)[2]:.2f}x, "
        f"{full_passes(running_large, running_small)}; in this process: wall "
        f"{medians(here_large, here_small, lambda t: t.wall)[2]:.2f}x, "
        f"{full_passes(here_large, here_small)}, page faults "
        f"{counts(lambda t: t.faults, here_large, here_small)}",
        "<= 11x",
        cpu <= 11,
    )


# -------------------------------------------------------------------------------- server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[Any], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@contextlib.contextmanager
def _process(args: list[str], port: int) -> Iterator[None]:
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )  # fmt: skip
    try:
        _wait_port(port, proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


#: A bare server on the HTTP stack of `ecs-sim serve` (http.server's ThreadingHTTPServer,
#: HTTP/1.1 keep-alive): it reads the request line, headers and body, and writes canned bytes.
_BARE_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = open(sys.argv[2], "rb").read()
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 64 * 1024  # one write per answer, and no Nagle delay: as ecs-sim serve does
    disable_nagle_algorithm = True
    def log_message(self, *args):
        pass
    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
        self.wfile.flush()
    do_POST = do_GET
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""

_OURS = ("GET", "/?Action=DescribeInstanceStatus&RegionId=cn-hangzhou&PageSize=50", None, {})
_MOTO = (
    "POST", "/", "Action=DescribeInstanceStatus&Version=2016-11-15&IncludeAllInstances=true",
    {"Content-Type": "application/x-www-form-urlencoded",
     "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request"},
)  # fmt: skip


def _rate(port: int, request: tuple[Any, ...], threads: int, calls: int) -> float:
    """Calls per second of ``threads`` keep-alive clients making ``calls`` calls in all."""
    from bench_server import over_http  # this directory's; imports the package measured

    elapsed, _ = over_http(port, threads, calls // threads, request)
    return (calls // threads * threads) / elapsed


def bench_server() -> None:
    """server: `ecs-sim serve` calls/s vs moto_server (DescribeInstanceStatus, 10 instances)
    and vs a bare server on the same HTTP stack, 1 and 4 client threads"""
    instances = ",".join(f"i-{n:04d}" for n in range(10))
    ours_port, moto_port, bare_port = _free_port(), _free_port(), _free_port()
    serve = [sys.executable, "-m", "pytest_ecs_events", "serve", "--quiet",
             "--port", str(ours_port), "--instances", instances]  # fmt: skip
    with contextlib.ExitStack() as stack:
        stack.enter_context(_process(serve, ours_port))
        conn = http.client.HTTPConnection("127.0.0.1", ours_port, timeout=30)
        conn.request(_OURS[0], _OURS[1])
        answer = conn.getresponse()
        canned = answer.read()
        conn.close()
        assert answer.status == 200, canned[:200]
        assert b"InstanceStatus" in canned, canned[:200]
        body_file = stack.enter_context(tempfile.NamedTemporaryFile(suffix=".json"))
        body_file.write(canned)
        body_file.flush()
        bare = [sys.executable, "-c", _BARE_SERVER, str(bare_port), body_file.name]
        stack.enter_context(_process(bare, bare_port))
        moto = None
        try:
            import moto.server

            moto_bin = Path(sys.executable).with_name("moto_server")
            moto_cmd = [str(moto_bin) if moto_bin.exists() else "moto_server", "-p",
                        str(moto_port)]  # fmt: skip
            stack.enter_context(_process(moto_cmd, moto_port))
            conn = http.client.HTTPConnection("127.0.0.1", moto_port, timeout=30)
            conn.request(
                "POST", "/", body="Action=RunInstances&Version=2016-11-15&ImageId=ami-12345678"
                "&MinCount=10&MaxCount=10", headers=_MOTO[3],
            )  # fmt: skip
            created = conn.getresponse()
            created.read()
            conn.close()
            assert created.status == 200, created.status
            moto = _MOTO
        except (ImportError, RuntimeError, OSError) as exc:
            report("server vs moto_server", f"skipped: {exc}"[:58], "report", None)
        for threads in (1, 4):
            _rate(ours_port, _OURS, threads, 200)  # warm up
            if moto is not None:
                mine, theirs, ratio = paired(
                    lambda t=threads: 1 / _rate(ours_port, _OURS, t, 1000),
                    lambda t=threads: 1 / _rate(moto_port, _MOTO, t, 100),
                    LONG_ROUNDS,
                )
                target = 20 if threads == 1 else 30
                report(
                    f"server vs moto_server, {threads} thread{'s' if threads > 1 else ''}",
                    f"{1 / mine:.0f} vs {1 / theirs:.0f} calls/s = {1 / ratio:.1f}x",
                    f">= {target}x",
                    1 / ratio >= target,
                )
            mine, bare_t, ratio = paired(
                lambda t=threads: 1 / _rate(ours_port, _OURS, t, 1000),
                lambda t=threads: 1 / _rate(bare_port, _OURS, t, 1000),
                LONG_ROUNDS,
            )
            report(
                f"server vs bare http.server, {threads} thread{'s' if threads > 1 else ''}",
                f"{1 / mine:.0f} vs {1 / bare_t:.0f} calls/s = {1 / ratio:.2f}x",
                ">= 0.8x",
                1 / ratio >= 0.8,
            )


BENCHES: dict[str, Callable[[], None]] = {
    "P1": bench_p1,
    "floor": bench_floor,
    "P2": bench_p2,
    "actions": bench_actions,
    "suite": bench_suite,
    "import": bench_import,
    "memory": bench_memory,
    "build": bench_build,
    "server": bench_server,
}


def usage() -> str:
    lines = [
        f"  {name:<8} {' '.join((fn.__doc__ or '').split()).split(': ', 1)[-1]}"
        for name, fn in BENCHES.items()
    ]
    return (
        "usage: python benchmarks/run.py [-h] [GROUP ...]\n\n"
        "Run the named groups (all without a name), e.g. `benchmarks/run.py P1 suite`;\n"
        "BENCH_ROUNDS sets the rounds (default 7: 42 pairs of 20 calls for the per-call rows,\n"
        "42 for pytest start-up, 14 for the build ratio (fresh processes, each pair with the\n"
        "collector paused and running; 7 in process) and the never-using suite, 5 for the\n"
        "suite rows, 3 for the server rows; the newer action rows take 14 pairs; the memory\n"
        "row builds three times). BENCH_JSON=FILE also writes the rows as JSON, which\n"
        "benchmarks/summarize.py turns into one table over several runs."
        "\n\n" + "\n".join(lines)
    )


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(usage())
        return 0
    by_key = {name.lower(): name for name in BENCHES}
    wanted = [by_key.get(a.lower(), a) for a in argv] or list(BENCHES)
    unknown = [name for name in wanted if name not in BENCHES]
    if unknown:
        print(f"unknown group {', '.join(unknown)}\n\n{usage()}", file=sys.stderr)
        return 2
    import pytest_ecs_events

    package = Path(pytest_ecs_events.__file__).parent
    print(f"pytest-ecs-events benchmarks: medians of paired rounds (BENCH_ROUNDS={ROUNDS}), "
          f"Python {sys.version.split()[0]}, {package}")  # fmt: skip
    print(f"{'row':<44} {'figure':<58} {'target':<16} verdict")
    for name in wanted:
        BENCHES[name]()
    missed = [r for r in RESULTS if r[3] == "MISS"]
    print(f"\n{len(RESULTS)} rows: {sum(r[3] == 'PASS' for r in RESULTS)} PASS, "
          f"{len(missed)} MISS, {sum(r[3] == 'report' for r in RESULTS)} report")  # fmt: skip
    if os.environ.get("BENCH_JSON"):
        rows = [dict(zip(("row", "figure", "target", "verdict"), r, strict=True)) for r in RESULTS]
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
