"""``ecs_sim`` finds its test without pytest's ``request`` fixture (plugin/fixtures.py's
``RUNNING_ITEMS``, kept by the plugin's ``pytest_runtest_setup`` and ``pytest_sessionfinish``):
asked for statically, dynamically, and after a pytest run nested in the test, it is always
the test's own account, and its failures name that test."""

from __future__ import annotations

import pytest

from pytest_ecs_events.plugin import fixtures

UNUSED_FAULT = """
import pytest


@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-{name}")
def test_static_{name}(ecs_sim):
    assert [e.instance_id for e in ecs_sim.events()] == ["i-{name}"]
    ecs_sim.fail_next("DescribeInstances")  # never used: the teardown fails, naming the test


def test_dynamic_{name}(request):
    sim = request.getfixturevalue("ecs_sim")
    assert sim.events() == []
    sim.fail_next("DescribeRegions")
"""


def test_static_and_dynamic_requests_get_their_own_test(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        test_one=UNUSED_FAULT.format(name="one"), test_two=UNUSED_FAULT.format(name="two")
    )
    result = ecs_pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4, errors=4)
    for name in ("test_one.py::test_static_one", "test_one.py::test_dynamic_one",
                 "test_two.py::test_static_two", "test_two.py::test_dynamic_two"):  # fmt: skip
        result.stdout.fnmatch_lines([f"*{name}: 1 fault(s) queued*"])
    result.stdout.no_fnmatch_line("*test_one.py::test_dynamic_two*")


NESTED = '''
import pytest

pytest_plugins = ["pytester"]

INNER = """
import pytest


@pytest.mark.ecs_event("SystemMaintenance.Redeploy", instance="i-inner")
def test_inner(ecs_sim):
    assert [e.instance_id for e in ecs_sim.events()] == ["i-inner"]
"""


def test_outer(pytester, request):
    pytester.makepyfile(test_inner=INNER)
    pytester.runpytest_inprocess("-p", "pytest_ecs_events.plugin").assert_outcomes(passed=1)
    sim = request.getfixturevalue("ecs_sim")  # after the inner session: this test's account
    assert sim.events() == []
    sim.fail_next("DescribeInstances")
'''


def test_a_nested_in_process_run_gives_the_test_back(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(test_outer=NESTED)
    result = ecs_pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*test_outer.py::test_outer: 1 fault(s) queued*"])
    result.stdout.no_fnmatch_line("*test_inner.py::test_inner: 1 fault*")


def test_outside_a_test_the_fixture_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fixtures, "RUNNING_ITEMS", [])
    with pytest.raises(pytest.UsageError, match="no test is running"):
        fixtures.running_item()


def test_the_fixture_does_not_ask_for_request(ecs_pytester: pytest.Pytester) -> None:
    """pytest 9 builds a ``RequestFixtureDef`` at each look-up of ``request``: a test asking
    only for ``ecs_sim`` has no ``request`` in its fixture closure."""
    ecs_pytester.makepyfile("def test_x(ecs_sim):\n    pass\n")
    (item,), _ = ecs_pytester.inline_genitems()
    assert "ecs_sim" in item.fixturenames
    assert "request" not in item.fixturenames


ONE_PER_SESSION = """
import pytest

from pytest_ecs_events.plugin.fixtures import RUNNING_ITEMS


@pytest.mark.parametrize("n", range(3))
def test_one_running_item_per_session(request, n):
    assert RUNNING_ITEMS[-1] is request.node
    assert [item for item in RUNNING_ITEMS if item.session is request.session] == [request.node]
"""


def test_a_session_keeps_only_its_running_test(
    ecs_pytester: pytest.Pytester, request: pytest.FixtureRequest
) -> None:
    ecs_pytester.makepyfile(test_one=ONE_PER_SESSION)
    ecs_pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)
    assert fixtures.RUNNING_ITEMS[-1] is request.node  # the inner session's are gone
