"""The simulator's areas beside ECS load on first use, and the action registries list every
action whatever has been imported.

An ECS-only test (instances, events, ``advance()``, ECS calls through ``call()`` and both
SDKs) never imports Cloud Assistant, the event rules, the queues, the load balancers,
CloudMonitor, Server Load Balancer or the scenarios; each loads with its first use. Their
actions are :class:`~pytest_ecs_events.api.registry.LazyActionSpec` entries until then
(``defer_actions`` in ``api/actions/__init__.py`` and ``simulator.py``): these tests hold
those lists equal to what the modules register. Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_ecs_events.api.registry import REGISTRIES, ActionSpec, LazyActionSpec

ROOT = Path(__file__).resolve().parents[1]

#: The modules an ECS-only test never needs.
AREAS = (
    "pytest_ecs_events.api.actions.commands",
    "pytest_ecs_events.api.render_commands",
    "pytest_ecs_events.cms",
    "pytest_ecs_events.core.cloud_assistant",
    "pytest_ecs_events.core.event_rules",
    "pytest_ecs_events.core.load_balancers",
    "pytest_ecs_events.core.queues",
    "pytest_ecs_events.core.rule_deliveries",
    "pytest_ecs_events.core.scenario",
    "pytest_ecs_events.slb",
)

ECS_ONLY = """
import json, sys
import pytest_ecs_events.simulator
from pytest_ecs_events import EcsSimulator
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from alibabacloud_ecs20140526.client import Client
from alibabacloud_ecs20140526.models import DescribeInstanceHistoryEventsRequest
from alibabacloud_tea_openapi.models import Config

AREAS = %(areas)r
def loaded():
    return [m for m in AREAS if m in sys.modules]

sim = EcsSimulator(now="2024-01-01T00:00:00Z", seed=7)
sim.add_instance("i-1")
sim.create_events("SystemMaintenance.Reboot", "i-1", "+1h")
sim.advance("2h")
sim.events()
sim.call("DescribeInstanceHistoryEvents", RegionId=sim.region)
sim.call("DescribeInstances", RegionId=sim.region)
sim.call("RebootInstance", InstanceId="i-1")
sim.fail_next("DescribeInstances", code="Throttling")
with sim:
    legacy = AcsClient("AK", "SECRET", sim.region)
    try:
        legacy.do_action_with_exception(DescribeInstancesRequest())
    except Exception as error:
        assert "Throttling" in str(error), error
    json.loads(legacy.do_action_with_exception(DescribeInstancesRequest()))
    client = Client(Config(access_key_id="AK", access_key_secret="SECRET",
                           region_id=sim.region, endpoint=sim.endpoint))
    client.describe_instance_history_events(
        DescribeInstanceHistoryEventsRequest(region_id=sim.region))
before = loaded()
%(step)s
print(json.dumps([before, loaded()]))
"""


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _loaded(step: str) -> tuple[list[str], list[str]]:
    """The area modules loaded after the ECS-only steps, and after ``step`` then."""
    before, after = json.loads(_run(ECS_ONLY % {"areas": AREAS, "step": step}))
    return before, after


def test_an_ecs_only_test_loads_no_area() -> None:
    assert _loaded("pass") == ([], [])


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("sim.call('DescribeLoadBalancers', RegionId=sim.region)",
         {"pytest_ecs_events.slb", "pytest_ecs_events.core.load_balancers"}),
        ("sim.add_load_balancer('web', backends=['i-1'])",
         {"pytest_ecs_events.core.load_balancers"}),
        ("sim.call('DescribeEventRuleList')",
         {"pytest_ecs_events.cms", "pytest_ecs_events.core.event_rules"}),
        ("sim.call('DescribeSystemEventCount', Product='ECS')", {"pytest_ecs_events.cms"}),
        ("sim.add_event_rule('r', queue='q')",
         {"pytest_ecs_events.core.event_rules", "pytest_ecs_events.core.rule_deliveries",
          "pytest_ecs_events.cms"}),
        ("sim.call('DescribeCommands', RegionId=sim.region)",
         {"pytest_ecs_events.api.actions.commands", "pytest_ecs_events.core.cloud_assistant"}),
        ("sim.call('DescribeInvocations', RegionId=sim.region)",
         {"pytest_ecs_events.api.actions.commands", "pytest_ecs_events.core.cloud_assistant"}),
        ("sim.on_command('reboot', output='ok')", {"pytest_ecs_events.core.cloud_assistant"}),
        ("sim.create_queue('q')", {"pytest_ecs_events.core.queues"}),
        ("sim.queues", {"pytest_ecs_events.core.queues"}),
        ("sim.state()", {"pytest_ecs_events.core.scenario"}),
    ],
)  # fmt: skip
def test_each_area_loads_on_first_use(step: str, expected: set[str]) -> None:
    before, after = _loaded(step)
    assert before == []
    assert expected <= set(after), after


TABLE = """
import json, sys, importlib
for name in %(first)r:
    importlib.import_module(name)
import pytest_ecs_events.simulator
import pytest_ecs_events.api.actions  # as every reader of ECS's table does (dispatch, fail_next)
from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.api.registry import REGISTRIES, ActionSpec, LazyActionSpec

names = {key: list(registry) for key, registry in REGISTRIES.items()}
lazy = sorted(n for r in REGISTRIES.values() for n, s in r.items() if type(s) is LazyActionSpec)
sim = EcsSimulator(now="2024-01-01T00:00:00Z", seed=3)
sim.add_instance("i-1")
answers = {}
for key, name, params in %(calls)r:
    try:
        body = sim.call(name, **params)
    except Exception as error:
        body = repr(error)
    else:
        body.pop("RequestId", None)
    answers[name] = body
rows = {key: [(n, dict(s.statuses), s.read_only, type(s) is ActionSpec,
               s.handler.__module__) for n, s in registry.items()]
        for key, registry in REGISTRIES.items()}
print(json.dumps({"names": names, "lazy": lazy, "answers": answers, "rows": rows}))
"""

CALLS = [
    ("ecs", "DescribeCommands", {"RegionId": "cn-hangzhou"}),
    ("ecs", "RunCommand", {"RegionId": "cn-hangzhou", "InstanceId.1": "i-1",
                           "Type": "RunShellScript", "CommandContent": "echo"}),
    ("ecs", "DescribeInvocations", {"RegionId": "cn-hangzhou"}),
    ("cms", "DescribeEventRuleList", {}),
    ("cms", "PutEventRule", {"RuleName": "r", "EventPattern.1.Product": "ECS"}),
    ("cms", "DescribeEventRuleList", {}),
    ("slb", "DescribeLoadBalancers", {"RegionId": "cn-hangzhou"}),
    ("slb", "AddBackendServers", {"RegionId": "cn-hangzhou", "LoadBalancerId": "lb-x",
                                  "BackendServers": "[]"}),
]  # fmt: skip


def _table(first: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = json.loads(_run(TABLE % {"first": first, "calls": CALLS}))
    return out


def test_the_registries_are_the_same_table_whatever_was_imported() -> None:
    """Deferred entries (nothing imported first) and registered ones (every area module
    imported first): the same names in the same order, statuses, read-only flags and
    answers; once used, every entry is the module's own spec."""
    deferred = _table(())
    eager = _table((
        "pytest_ecs_events.cms", "pytest_ecs_events.slb",
        "pytest_ecs_events.api.actions.commands", "pytest_ecs_events.api.dispatch",
    ))  # fmt: skip
    assert deferred["names"] == eager["names"]
    assert eager["lazy"] == []
    assert set(deferred["lazy"]) >= {"CreateCommand", "PutEventRule", "DescribeLoadBalancers"}  # type: ignore[operator]
    assert deferred["answers"] == eager["answers"]
    assert deferred["rows"] == eager["rows"]
    assert all(row[3] for rows in deferred["rows"].values() for row in rows)  # type: ignore[attr-defined]


def test_a_deferred_entry_reads_through_to_the_registered_spec() -> None:
    import pytest_ecs_events.simulator  # noqa: F401  (lists every product's actions)

    lazy = LazyActionSpec.deferred("DescribeLoadBalancers", "slb", "pytest_ecs_events.slb")
    real = lazy.resolve()
    assert type(real) is ActionSpec
    assert real is REGISTRIES["slb"]["DescribeLoadBalancers"]
    assert (lazy.handler, lazy.statuses, lazy.prepare) == (
        real.handler, real.statuses, real.prepare
    )  # fmt: skip
    assert lazy.read_only
    plain = dataclasses.replace(lazy, statuses={"X": 404})
    assert type(plain) is ActionSpec
    assert plain.statuses == {"X": 404}
    assert plain.handler is real.handler


def test_a_deferred_entry_copies_as_one() -> None:
    lazy = LazyActionSpec.deferred("DescribeLoadBalancers", "slb", "pytest_ecs_events.slb")
    for twin in (copy.copy(lazy), copy.deepcopy(lazy), pickle.loads(pickle.dumps(lazy))):
        assert type(twin) is LazyActionSpec
        assert (twin.name, twin.product, twin.module) == (lazy.name, lazy.product, lazy.module)
        assert twin.statuses == lazy.statuses


def test_a_deferred_entry_whose_module_registers_nothing_says_so() -> None:
    lazy = LazyActionSpec.deferred("Nothing", "ecs", "json")
    with pytest.raises(LookupError, match="json does not register the ecs action Nothing"):
        lazy.handler  # noqa: B018


def test_the_table_is_the_same_when_the_registry_loads_before_the_simulator() -> None:
    """The simulator's lists wait for the registry (api/deferrals.py) or go to it at once:
    the same table either way."""
    assert _table(("pytest_ecs_events.api.registry",)) == _table(())


#: The API layer a test that makes no API call never needs (the transports' request and
#: answer types, ``api.messages``, load with the interception).
API_LAYER = (
    "pytest_ecs_events.api.actions",
    "pytest_ecs_events.api.calls",
    "pytest_ecs_events.api.dispatch",
    "pytest_ecs_events.api.paging",
    "pytest_ecs_events.api.products",
    "pytest_ecs_events.api.registry",
    "pytest_ecs_events.api.render",
    "pytest_ecs_events.api.signatures",
    "pytest_ecs_events.api.speedups.render_cache",
)

NO_API_CALL = """
import json, sys
import pytest

API_LAYER = %(api)r
TEST = '''
import pytest

@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-1", not_before="+2h")
def test_reboot(ecs_sim):
    ecs_sim.advance("3h")
    assert ecs_sim.events()[0].state == "Executed"
'''
with open(sys.argv[1], "w") as f:
    f.write(TEST)
code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", sys.argv[1]])
before = [m for m in API_LAYER if m in sys.modules]

import pytest_ecs_events.api.dispatch as dispatch
import pytest_ecs_events.simulator as simulator
from pytest_ecs_events import EcsSimulator

sim = EcsSimulator(now="2024-01-01T00:00:00Z", seed=7)
sim.add_instance("i-1")
sim.fail_next("DescribeLoadBalancers", code="Throttling")
try:
    sim.call("DescribeLoadBalancers", RegionId=sim.region)
except Exception as error:
    throttled = "Throttling" in str(error)
sim.fail_next("DescribeInstances", fault="timeout")
try:
    sim.call("DescribeInstances", RegionId=sim.region)
except TimeoutError:
    timed_out = True
body = sim.call("DescribeInstances", RegionId=sim.region)
names = [simulator.EcsApi is dispatch.EcsApi, simulator.ApiRequest.__name__,
         simulator.TransportFault.__name__, simulator.SignatureVerifier.__name__,
         simulator.ApiCall.__name__, simulator.ApiResponse.__name__,
         type(sim.api) is dispatch.EcsApi, [c.action for c in sim.calls]]
print(json.dumps([int(code), before, throttled, timed_out, body["TotalCount"], names]))
"""


def test_a_test_that_makes_no_api_call_loads_no_api_layer(tmp_path: Path) -> None:
    """A suite's ecs_sim test (a marker event, advance, events) in a fresh interpreter: no
    dispatcher, actions, registry or renderers; once used, the API answers as always and the
    simulator module's names are the API's."""
    code = NO_API_CALL % {"api": API_LAYER}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "test_suite_step.py")],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    exit_code, before, throttled, timed_out, total, names = json.loads(
        done.stdout.strip().splitlines()[-1]
    )
    assert exit_code == 0, done.stdout
    assert before == []
    assert throttled
    assert timed_out
    assert total == 1
    assert names == [
        True, "ApiRequest", "TransportFault", "SignatureVerifier", "ApiCall", "ApiResponse",
        True, ["DescribeLoadBalancers", "DescribeInstances", "DescribeInstances"],
    ]  # fmt: skip


RAISING_STEP = """
import sys
from pytest_ecs_events.api import deferrals

calls = []

def flaky():
    calls.append(len(calls))
    if len(calls) == 1:
        raise RuntimeError("first load fails")

deferrals.when_registry_loads(flaky)
try:
    import pytest_ecs_events.api.registry
except RuntimeError as error:
    print("first:", error)
sys.modules.pop("pytest_ecs_events.api.registry", None)
import pytest_ecs_events.api.registry
deferrals.when_registry_loads(lambda: calls.append("later"))
print("calls:", calls)
"""


def test_a_step_that_raises_as_the_registry_loads_runs_again_at_the_next_load() -> None:
    """A waiting step is dropped only once it has run: the registry's failed import leaves it
    for the next import, and a step given after the load runs at once."""
    out = _run(RAISING_STEP)
    assert "first: first load fails" in out
    assert "calls: [0, 1, 'later']" in out
