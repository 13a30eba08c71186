"""benchmarks/run.py's per-action rows: one for every action the simulator implements (so a
new action cannot go without its figure), and each row's call answered without an error,
also after its reset (a write row must be able to run again and again). Nothing is timed."""

from __future__ import annotations

import json

import pytest

from pytest_ecs_events import EcsSimulator  # noqa: F401  (registers CloudMonitor and SLB)
from pytest_ecs_events.api.registry import REGISTRIES
from pytest_ecs_events.mns.service import OPERATIONS
from tests.helpers.benchmarks import load_run

bench = load_run()
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


MNS_ROWS = sorted(label for label, row in ROWS.items() if row.action[0] == "mns")


@pytest.mark.filterwarnings("ignore:Call to deprecated function:DeprecationWarning")
@pytest.mark.parametrize("label", MNS_ROWS)
def test_an_mns_canned_call_hands_the_sdk_what_the_simulator_did(label: str) -> None:
    """An MNS row's canned call (recorded bytes read back through the SDK's own http.client
    connection) and its floor (the SDK's send returning the recorded answer) give the SDK
    the simulator's status, headers and body: the baseline answers what the figure claims."""
    from mns import mns_http

    sim = bench.small_sim()
    call, reset = bench.prepared(ROWS[label], sim)
    got: list[tuple[int, dict[str, str], str]] = []
    original = mns_http.MNSHttp.send_request

    def keep(http: object, req_inter: object) -> object:
        response = original(http, req_inter)
        got.append((response.status, dict(response.header), response.data))
        return response

    with bench.recording(sim) as seen:
        if reset is not None:
            reset()
        call()
    answer = seen[-1]
    mns_http.MNSHttp.send_request = keep
    try:
        with bench.Canned(answer, mns=True):  # at the wire: the SDK's http.client parses it
            call()
    finally:
        mns_http.MNSHttp.send_request = original
    with bench.Canned(answer, mns=True, wire=False):
        call()  # the floor: the SDK takes the answer as is, and the call succeeds
    status, headers, body = got[-1]
    assert status == answer.status
    assert body == answer.body.decode("utf-8")
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, value in answer.headers.items():
        assert lowered[name.lower()] == value, name
    assert int(lowered["content-length"]) == len(answer.body)
