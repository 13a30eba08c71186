"""A suite that uses ``ecs_sim`` passes under pytest-xdist and pytest-randomly.

Each run is a real pytest in a subprocess (xdist starts workers of its own), with only this
plugin and the one under test loaded, so the proof does not depend on what else happens to
be installed.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("xdist")
pytest.importorskip("pytest_randomly")

SUITE = """
import threading

import pytest
from ecs_sdk_helpers import legacy_call


@pytest.mark.ecs_sim(instances=["i-a"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a", not_before="+2h")
def test_marker_event_is_seen_by_the_legacy_sdk(ecs_sim):
    body = legacy_call(ecs_sim, "DescribeInstancesFullStatus")
    assert body["TotalCount"] == 1


def test_a_fresh_account_has_no_events(ecs_sim):
    assert ecs_sim.events() == []
    assert ecs_sim.instances == []
    assert ecs_sim.calls == []


def test_events_created_here_do_not_leak(ecs_sim):
    ecs_sim.add_instance("i-a")
    ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    assert len(ecs_sim.events()) == 1


@pytest.mark.parametrize("n", range(6))
def test_reboot_avoids(ecs_sim, n):
    instance = ecs_sim.add_instance().instance_id
    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", instance, f"+{n + 1}h")
    legacy_call(ecs_sim, "RebootInstance", InstanceId=instance)
    assert ecs_sim.event(event.event_id).state == "Avoided"


@pytest.mark.ecs_sim(now="2030-01-01T00:00:00Z", instances=["i-a"])
def test_advance_and_notifications(ecs_sim):
    names = []
    ecs_sim.subscribe(lambda p: names.append(p["name"]))
    ecs_sim.create_events("SystemMaintenance.Stop", "i-a", "+1h")
    ecs_sim.advance("2h")
    assert names[-1] == "Instance:SystemMaintenance.Stop:Executed"
    assert str(ecs_sim.now) == "2030-01-01 02:00:00+00:00"


def test_faults_and_retries(ecs_sim, monkeypatch):
    import types

    import aliyunsdkcore.client
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest

    monkeypatch.setattr(aliyunsdkcore.client, "time", types.SimpleNamespace(sleep=lambda s: None))
    ecs_sim.fail_next("DescribeRegions", fault="reset")
    ecs_sim.fail_next("DescribeRegions")
    AcsClient("AK", "S", ecs_sim.region).do_action_with_exception(DescribeRegionsRequest())
    codes = [c.error_code for c in ecs_sim.calls]
    assert codes == ["Transport.ConnectionReset", "Throttling", None]


def test_the_server(ecs_sim, ecs_server):
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{ecs_server.url}/?Action=DescribeRegions", timeout=5) as answer:
        assert answer.status == 200


@pytest.mark.ecs_sim(now="2018-08-22T10:39:49Z", patch_time=True)
def test_patched_clock(ecs_sim):
    from datetime import datetime, timezone

    assert datetime.now(timezone.utc) == ecs_sim.now
    ecs_sim.advance("1d")
    assert datetime.now(timezone.utc).day == 23


def test_threads(ecs_sim):
    ecs_sim.add_instance("i-a")
    errors = []

    def poll():
        try:
            for _ in range(5):
                ecs_sim.call("DescribeInstancesFullStatus", RegionId=ecs_sim.region)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(ecs_sim.calls) == 20
"""
TOTAL = 14


@pytest.fixture
def suite(ecs_pytester: pytest.Pytester) -> pytest.Pytester:
    pytest.importorskip("aliyunsdkecs")
    from tests.helpers.sdk import SDK_HELPERS

    ecs_pytester.makepyfile(test_suite=SUITE, ecs_sdk_helpers=SDK_HELPERS)
    return ecs_pytester


def order(result: pytest.RunResult) -> list[str]:
    return re.findall(r"test_suite\.py::(\S+) PASSED", result.stdout.str())


def test_under_xdist(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("-p", "xdist", "-n", "3")
    result.assert_outcomes(passed=TOTAL)
    result.stdout.fnmatch_lines(["created: 3/3 workers*"])


def test_under_randomly(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("-p", "randomly", "-v")
    result.assert_outcomes(passed=TOTAL)
    result.stdout.fnmatch_lines(["Using --randomly-seed=*"])
    # two seeds, two different orders, each one passing
    first = suite.runpytest_subprocess("-p", "randomly", "-v", "--randomly-seed=1")
    second = suite.runpytest_subprocess("-p", "randomly", "-v", "--randomly-seed=2")
    first.assert_outcomes(passed=TOTAL)
    second.assert_outcomes(passed=TOTAL)
    assert sorted(order(first)) == sorted(order(second))
    assert order(first) != order(second)


def test_under_xdist_and_randomly_with_timelines_from_the_workers(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_failing="""
        def test_fails(ecs_sim):
            ecs_sim.add_instance("i-z")
            ecs_sim.create_events("SystemMaintenance.Reboot", "i-z", "+1h")
            assert False
        """
    )
    result = suite.runpytest_subprocess(
        "-p", "xdist", "-n", "3", "-p", "randomly", "--ecs-timeline"
    )  # fmt: skip
    result.assert_outcomes(passed=TOTAL, failed=1)
    result.stdout.fnmatch_lines(
        [
            "Using --randomly-seed=*",
            "created: 3/3 workers*",
            "*- ecs events -*",
            "*SystemMaintenance.Reboot  i-z  (new) -> Scheduled",
            "*= ecs events of passing tests =*",
        ]
    )
    output = result.stdout.str()
    assert output.count("ecs events of passing tests") == 1
    assert output.count("- test_suite.py::") == TOTAL  # each passing test's timeline, once
