"""Properties of the SLB simulation: the BackendServers parser (slb/backend_servers.py) answers
every value with entries or the API's error, never a traceback; the health rule
(core/load_balancers.py) shows, at every moment of random instance histories, exactly what
"the health check has seen the instance's state for threshold x interval" says."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.catalog import InstanceStatus
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.load_balancers import HealthCheck
from pytest_ecs_events.core.simulation import Simulation, SimulationConfig
from pytest_ecs_events.slb import parse_backend_servers
from tests.helpers.simulation import T0

CODES = {"InvalidParameter", "InvalidWeight.Malformed", "TooManyBackendServers"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=8,
)  # fmt: skip
entries = st.fixed_dictionaries(
    {"ServerId": st.one_of(st.just("i-1"), st.text(max_size=5), st.integers())},
    optional={
        "Weight": st.one_of(st.integers(-3, 103), st.sampled_from(["0", "100", "50", "x", ""])),
        "Port": st.one_of(st.integers(-1, 65537), st.sampled_from(["80", "0", "p"])),
        "Type": st.sampled_from(["ecs", "eni", "eci", "vm"]),
        "Description": st.text(max_size=90),
        "ServerIp": st.text(max_size=5),
    },
)


@given(st.one_of(st.text(max_size=40), json_values.map(json.dumps),
                 st.lists(entries, max_size=22).map(json.dumps)),
       st.booleans())  # fmt: skip
@settings(max_examples=400, deadline=None)
def test_the_parser_answers_every_value(text: str, port_required: bool) -> None:
    refused: EcsApiError | None = None
    try:
        specs = parse_backend_servers(text, port_required=port_required)
    except EcsApiError as exc:
        refused = exc
    if refused is not None:
        assert refused.code in CODES
        assert refused.status == 400
        return
    items: Any = json.loads(text)
    assert isinstance(items, list)
    assert 1 <= len(items) <= 20
    assert [s.server_id for s in specs] == [i["ServerId"] for i in items]
    for spec, item in zip(specs, items, strict=True):
        assert spec.weight is None or 0 <= spec.weight <= 100
        assert spec.weight == (None if item.get("Weight") is None else int(item["Weight"]))
        assert spec.port is None or 1 <= spec.port <= 65535
        assert spec.port is not None or not port_required
        assert spec.type == "ecs"


# A history: (seconds after the previous step, action) on one instance.
histories = st.lists(
    st.tuples(st.integers(1, 40), st.sampled_from(["reboot", "stop", "start", "nothing"])),
    max_size=8,
)


def _expected(statuses: list[tuple[datetime, bool]], at: datetime, check: HealthCheck) -> str:
    """The rule, stated directly: the health is the last up/down state that lasted at least
    its detection time, counted from the edge that began it (a verdict due at the very second
    the instance turns back still lands: the check ran before the status changed)."""
    health = "normal"
    for index, (since, up) in enumerate(statuses):
        until = statuses[index + 1][0] if index + 1 < len(statuses) else None
        lands = since + (check.to_normal if up else check.to_abnormal)
        if lands <= at and (until is None or lands <= until):
            health = "normal" if up else "abnormal"
    return health


@given(histories, st.integers(1, 5), st.integers(2, 4), st.integers(2, 4))
@settings(max_examples=60, deadline=None)
def test_health_follows_the_instance_after_threshold_times_interval(
    history: list[tuple[int, str]], interval: int, healthy: int, unhealthy: int
) -> None:
    sim = Simulation(now=T0, config=SimulationConfig(seed=1))
    sim.add_instance("i-a")
    check = HealthCheck(interval, healthy, unhealthy)
    lb = sim.load_balancers.create(
        name="lb", region="cn-hangzhou", zone="cn-hangzhou-g",
        listeners=[(80, "tcp", None, 80, check)], backends=[("i-a", 100)], vserver_groups={},
    )  # fmt: skip
    edges: list[tuple[datetime, bool]] = [(T0 - timedelta(days=1), True)]

    def watch(change: Any) -> None:
        if change.kind == "instance":
            up = change.new_status is InstanceStatus.Running
            if up != edges[-1][1]:
                edges.append((change.time, up))

    sim.observers.append(watch)
    for seconds, action in history:
        target = sim.now + timedelta(seconds=seconds)
        while sim.now < target:  # look at every second on the way
            sim.advance_to(sim.now + timedelta(seconds=1))
            (entry,) = lb.health.values()
            assert entry.status == _expected(edges, sim.now, check), (edges, sim.now)
        status = sim.get_instance("i-a").status
        if action == "reboot" and status is InstanceStatus.Running:
            sim.reboot_instance("i-a")
        elif action == "stop" and status is InstanceStatus.Running:
            sim.stop_instance("i-a")
        elif action == "start" and status is InstanceStatus.Stopped:
            sim.start_instance("i-a")
