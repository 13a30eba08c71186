"""The ``ecs_sim`` fixture (plugin/fixtures.py), through ``pytester``: a fresh account per test
with no state leaking between tests, tests without it untouched, other mocks unharmed, and
the simulator's internal errors failing the test at teardown."""

from __future__ import annotations

import pytest

# ----------------------------------------------------------------------------- isolation
ISOLATION = """
import pytest
from requests.adapters import HTTPAdapter

from ecs_sdk_helpers import legacy_call

ORIGINAL_SEND = HTTPAdapter.send


def check_fresh_and_dirty(sim):
    assert sim.now.isoformat() == "2024-01-01T00:00:00+00:00"
    assert sorted(i.instance_id for i in sim.instances) == ["i-a", "i-b"]
    assert [i.status for i in sim.instances] == ["Running", "Running"]
    (event,) = sim.events()
    assert (event.instance_id, event.state) == ("i-a", "Scheduled")
    assert sim.calls == []
    body = legacy_call(sim, "DescribeInstancesFullStatus")
    rows = body["InstanceFullStatusSet"]["InstanceFullStatusType"]
    assert sorted(r["InstanceId"] for r in rows) == ["i-a", "i-b"]
    history = legacy_call(sim, "DescribeInstanceHistoryEvents")
    assert history["TotalCount"] == 0
    # Now leave a mess behind: instances, events, time, faults.
    sim.add_instance("i-c")
    sim.create_events("SystemFailure.Reboot", ["i-b", "i-c"], "+5m")
    sim.reboot_instance("i-a")
    sim.stop_instance("i-b")
    sim.advance("1d")
    sim.fail_next("*", times=50, required=False)  # left unused on purpose


@pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", instances=["i-a", "i-b"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
@pytest.mark.parametrize("n", range(3))
def test_first(ecs_sim, n):
    check_fresh_and_dirty(ecs_sim)


def test_plain_in_between():
    assert HTTPAdapter.send is ORIGINAL_SEND


@pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", instances=["i-a", "i-b"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
@pytest.mark.parametrize("n", range(3))
def test_second(ecs_sim, n):
    check_fresh_and_dirty(ecs_sim)
"""


def test_no_state_leaks_between_tests(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makepyfile(test_isolation=ISOLATION)
    sdk_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=7)


def test_no_state_leaks_in_reversed_order(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makeconftest(
        """
        def pytest_collection_modifyitems(items):
            items.reverse()
        """
    )
    sdk_pytester.makepyfile(test_isolation=ISOLATION)
    result = sdk_pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["*test_second?2?*", "*test_plain_in_between*", "*test_first?0?*"])


def test_no_state_leaks_under_xdist(sdk_pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    sdk_pytester.makepyfile(test_isolation=ISOLATION)
    result = sdk_pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)


def test_a_test_without_ecs_sim_is_untouched(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import sys

        def test_plain():
            loaded = [m for m in ("responses", "aliyunsdkcore", "alibabacloud_ecs20140526",
                                  "darabonba") if m in sys.modules]
            assert loaded == []
        """
    )
    ecs_pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_other_hosts_and_own_responses_mocks_keep_working(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makepyfile(
        """
        import requests
        import responses

        from ecs_sdk_helpers import legacy_call

        def test_mixed(ecs_sim):
            ecs_sim.add_instance("i-a")
            with responses.RequestsMock() as mock:
                mock.add(responses.GET, "https://example.invalid/ping", json={"pong": True})
                assert requests.get("https://example.invalid/ping").json() == {"pong": True}
                body = legacy_call(ecs_sim, "DescribeInstancesFullStatus")
                assert body["TotalCount"] == 1
            assert [c.action for c in ecs_sim.calls] == ["DescribeInstancesFullStatus"]
        """
    )
    sdk_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


# ------------------------------------------------------------------------ internal errors
INTERNAL_ERROR = """
import dataclasses

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from Tea.exceptions import TeaException
from alibabacloud_ecs20140526 import models
from pytest_ecs_events.api import dispatch

from ecs_sdk_helpers import legacy_call, new_client

NAME = "DescribeInstancesFullStatus"


def boom(ctx):
    raise ZeroDivisionError("simulated bug 42")


@pytest.fixture
def broken(monkeypatch, ecs_sim):
    spec = dispatch.ACTIONS[NAME]
    broken_spec = dataclasses.replace(spec, handler=boom, prepare=boom)
    monkeypatch.setitem(dispatch.ACTIONS, NAME, broken_spec)


def test_bug_legacy(ecs_sim, broken):
    with pytest.raises(ServerException) as info:
        legacy_call(ecs_sim, NAME)
    assert info.value.get_http_status() == 500
    assert info.value.get_error_code() == "InternalError"
    assert "ZeroDivisionError: simulated bug 42" in info.value.get_error_msg()
    assert [(c.action, c.status, c.error_code) for c in ecs_sim.calls] == [
        (NAME, 500, "InternalError")]


def test_bug_new_sdk(ecs_sim, broken):
    with pytest.raises(TeaException) as info:
        new_client(ecs_sim).describe_instances_full_status(
            models.DescribeInstancesFullStatusRequest(region_id=ecs_sim.region))
    assert info.value.code == "InternalError"
    assert info.value.status_code == 500


def test_healthy(ecs_sim):
    assert legacy_call(ecs_sim, NAME)["TotalCount"] == 0
"""


def test_internal_errors_fail_the_test_at_teardown(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makepyfile(test_internal=INTERNAL_ERROR)
    result = sdk_pytester.runpytest("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_bug_legacy*",
            "*test_internal.py::test_bug_legacy: the ECS simulator met 1 internal error*"
            "ZeroDivisionError: simulated bug 42*",
            "*ERROR at teardown of test_bug_new_sdk*",
            "*test_internal.py::test_bug_new_sdk: the ECS simulator met*"
            "ZeroDivisionError: simulated bug 42*",
        ]
    )
    assert "ERROR at teardown of test_healthy" not in result.stdout.str()


# --------------------------------------------------------------- strict faults (issue 17)
def test_strict_checks_hold_after_a_run_within_a_test_first_loaded_the_report(
    ecs_pytester: pytest.Pytester,
) -> None:
    """pytester's in-process run drops the modules it imported. When such a run is the first
    to use ``ecs_sim`` in a process, the report it loads stays the one every later test's
    set-up and teardown reads (one copy of its stash keys): a later test's unused fault still
    fails it."""
    ecs_pytester.makepyfile(
        """
        def test_a_run_within(pytester):
            pytester.makepyfile("def test_inner(ecs_sim): pass")
            pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)

        def test_unused_fault(ecs_sim):
            ecs_sim.fail_next("RebootInstance")
        """
    )
    result = ecs_pytester.runpytest_subprocess("-p", "pytester", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*test_unused_fault: 1 fault(s) queued*not used up*"])


def test_unused_faults_fail_the_test_and_are_listed(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        def test_unused(ecs_sim):
            ecs_sim.fail_next("RebootInstance", code="IncorrectInstanceStatus", status=403)
            ecs_sim.fail_next("*", fault="timeout", times=3)
            with pytest.raises(TimeoutError):
                ecs_sim.call("DescribeRegions")

        def test_used_up(ecs_sim):
            ecs_sim.fail_next("DescribeRegions", times=2)
            for _ in range(2):
                with pytest.raises(Exception, match="Throttling"):
                    ecs_sim.call("DescribeRegions")
        """
    )
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_unused*",
            "*test_unused: 2 fault(s) queued with ecs_sim.fail_next() were not used up*",
            "  fail_next('RebootInstance', code='IncorrectInstanceStatus', status=403): "
            "1 time(s) left",
            "  fail_next('*', fault='timeout'): 2 time(s) left",
            "*required=False*ecs_sim_strict_faults = false*",
        ]
    )
    assert "test_used_up" not in "".join(result.stdout.lines[-3:-1])


def test_required_false_exempts_one_fault(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        def test_optional_and_required(ecs_sim):
            ecs_sim.fail_next("DescribeInstances", times=5, required=False)
            ecs_sim.fail_next("StopInstance")
        """
    )
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*1 fault(s) queued*", "  fail_next('StopInstance', *"])
    result.stdout.no_fnmatch_line("*fail_next('DescribeInstances'*")


def test_the_ini_option_turns_strict_faults_off(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_strict_faults = false\n")
    ecs_pytester.makepyfile(
        """
        def test_lax(ecs_sim):
            ecs_sim.fail_next("RebootInstance", times=3)
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    # and -o turns it back on for one run
    result = ecs_pytester.runpytest("-p", "no:cacheprovider", "-o", "ecs_sim_strict_faults=true")
    result.assert_outcomes(passed=1, errors=1)


def test_a_failing_or_skipped_test_keeps_its_own_outcome(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        def test_fails(ecs_sim):
            ecs_sim.fail_next("RebootInstance")
            assert False, "the handler never rebooted"

        def test_skips(ecs_sim):
            ecs_sim.fail_next("RebootInstance")
            pytest.skip("not today")

        @pytest.mark.xfail(reason="known")
        def test_xfails(ecs_sim):
            ecs_sim.fail_next("RebootInstance")
            assert False
        """
    )
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, skipped=1, xfailed=1)
    result.stdout.no_fnmatch_line("*were not used up*")


def test_a_misspelt_action_fails_the_test_naming_it(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        def test_typo(ecs_sim):
            ecs_sim.fail_next("RebootInstanse")
        """
    )
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*ValueError: fail_next('RebootInstanse'): the simulator does not implement the "
         "action 'RebootInstanse'*Did you mean 'RebootInstance'?"]
    )  # fmt: skip
