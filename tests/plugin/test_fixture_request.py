"""How ``ecs_sim`` gets its test's request: from the ``pytest_fixture_setup`` hook (the
fixture does not ask for pytest's ``request`` fixture), or, when another plugin sets the
fixture up without that hook reaching ours, from its caller. Both give the same test."""

from __future__ import annotations

import pytest

TESTS = """
import pytest
from pytest_ecs_events.plugin import fixtures

@pytest.mark.ecs_sim(region="cn-beijing")
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-1", not_before="+2h")
def test_markers_of_this_test(ecs_sim, request):
    assert ecs_sim.region == "cn-beijing"
    assert [e.instance_id for e in ecs_sim.events()] == ["i-1"]
    assert not fixtures._SETTING_UP.__dict__  # taken by the set-up, nothing left behind

@pytest.mark.ecs_event("Bogus.Event")
def test_a_bad_marker_names_this_test(ecs_sim):
    pass

def test_by_name(request):
    sim = request.getfixturevalue("ecs_sim")
    assert sim.region == "cn-hangzhou"
"""

# A plugin that answers pytest_fixture_setup for ecs_sim before ours is called: pytest's
# own set-up, called by it.
SETS_UP_ITSELF = """
import pytest
from _pytest import fixtures as pytest_own

@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    if fixturedef.argname == "ecs_sim":
        return pytest_own.pytest_fixture_setup(fixturedef, request)
    return None
"""


@pytest.mark.parametrize("conftest", ["", SETS_UP_ITSELF], ids=["hook", "caller"])
def test_each_route_gives_the_fixture_its_own_test(
    ecs_pytester: pytest.Pytester, conftest: str
) -> None:
    if conftest:
        ecs_pytester.makeconftest(conftest)
    ecs_pytester.makepyfile(test_routes=TESTS)
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*test_routes.py::test_a_bad_marker_names_this_test*Bogus*"])


def test_the_fixture_asks_for_no_request_fixture(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        test_closure="""
        def test_closure(ecs_sim, request):
            assert "ecs_sim" in request.fixturenames
            manager = request._fixturemanager
            assert manager.getfixturedefs("ecs_sim", request.node)[-1].argnames == ()
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
