"""The plugin leaves its own package out of pytest's assertion rewriting (plugin/rewriting.py),
and only its own: test files and conftest files are rewritten as before."""

from __future__ import annotations

import ast
import sys

import pytest
from _pytest.assertion.rewrite import AssertionRewritingHook

from pytest_ecs_events.plugin.rewriting import leave_unrewritten

#: The modules pytest loads before the plugin can unmark its package: the package root (and
#: what it imports), the plugin package and the module that unmarks.
LOADED_BEFORE = {
    "pytest_ecs_events",
    "pytest_ecs_events._version",
    "pytest_ecs_events.core",
    "pytest_ecs_events.core.lazy",
    "pytest_ecs_events.plugin",
    "pytest_ecs_events.plugin.rewriting",
}

_LOADERS_TEST = """
    import sys
    from _pytest.assertion.rewrite import AssertionRewritingHook

    def rewritten():
        return sorted(
            name for name, module in list(sys.modules.items())
            if name.split(".")[0] == "pytest_ecs_events"
            and isinstance(getattr(module, "__loader__", None), AssertionRewritingHook)
        )

    def test_loaders(ecs_sim):
        ecs_sim.add_instance("i-1")
        ecs_sim.create_events("SystemMaintenance.Reboot", ["i-1"], "+1h")
        ecs_sim.advance("2h")
        assert "pytest_ecs_events.simulator" in sys.modules
        assert "pytest_ecs_events.plugin.live_hooks" in sys.modules
        from pytest_ecs_events.plugin import live  # noqa: F401 (as a live run loads it)
        print("REWRITTEN", rewritten())
"""


def _rewritten(result: pytest.RunResult) -> set[str]:
    printed = [line.partition("REWRITTEN ")[2] for line in result.outlines if "REWRITTEN [" in line]
    assert len(printed) == 1, result.outlines
    return set(ast.literal_eval(printed[0]))  # a printed list of names


@pytest.fixture
def entry_point_pytester(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """``pytester`` whose runs load the plugin by its entry point, as users' runs do (pytest
    then marks the whole distribution for rewriting)."""
    for name in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_PLUGINS", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    return pytester


def test_the_package_loads_as_plain_modules(entry_point_pytester: pytest.Pytester) -> None:
    """In a fresh pytest process: the simulator stack a test loads, and the plugin's own
    modules, are not loaded through the rewriting hook."""
    entry_point_pytester.makepyfile(_LOADERS_TEST)
    result = entry_point_pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=1)
    assert _rewritten(result) <= LOADED_BEFORE


def test_a_run_within_a_test_unmarks_the_package_in_its_own_hook(
    ecs_pytester: pytest.Pytester,
) -> None:
    """pytester's in-process run installs a hook of its own, marking the package again: the
    plugin's registration in that run unmarks it there too."""
    ecs_pytester.makepyfile(
        """
        import sys
        from _pytest.assertion.rewrite import AssertionRewritingHook

        def test_hooks():
            hooks = [f for f in sys.meta_path if isinstance(f, AssertionRewritingHook)]
            assert hooks
            for hook in hooks:
                assert not [n for n in hook._must_rewrite if n.startswith("pytest_ecs_events")]
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_test_files_and_conftests_are_still_rewritten(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeconftest(
        """
        def check_pair(pair):
            assert pair[0] == pair[1]
        """
    )
    ecs_pytester.makepyfile(
        """
        from conftest import check_pair

        def test_in_the_test_file(ecs_sim):
            assert [1, 2, 3] == [1, 2, 4]

        def test_in_the_conftest():
            check_pair((5, 6))
        """
    )
    result = ecs_pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*At index 2 diff: 3 != 4*", "*assert 5 == 6*"])


# ------------------------------------------------------------------ leave_unrewritten itself
@pytest.fixture
def hook(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> AssertionRewritingHook:
    """A rewriting hook of its own on ``sys.meta_path``, with this package and others marked."""
    made = AssertionRewritingHook(request.config)
    made._must_rewrite.update(  # as mark_rewrite() does, without its already-imported warning
        {"pytest_ecs_events", "pytest_ecs_events.plugin", "pytest_ecs_eventsx", "other"}
    )
    made._marked_for_rewrite_cache.update(
        {"pytest_ecs_events.simulator": True, "pytest_ecs_eventsx.a": True, "other.b": True}
    )
    monkeypatch.setattr(sys, "meta_path", [made, *sys.meta_path])
    return made


def test_leave_unrewritten_unmarks_only_the_package(hook: AssertionRewritingHook) -> None:
    assert leave_unrewritten() == 1
    assert hook._must_rewrite == {"pytest_ecs_eventsx", "other"}
    assert hook._marked_for_rewrite_cache == {"pytest_ecs_eventsx.a": True, "other.b": True}
    assert leave_unrewritten() == 0  # nothing left to unmark
    assert hook._must_rewrite == {"pytest_ecs_eventsx", "other"}


def test_leave_unrewritten_leaves_a_hook_off_the_meta_path_alone(
    request: pytest.FixtureRequest,
) -> None:
    elsewhere = AssertionRewritingHook(request.config)
    elsewhere._must_rewrite.add("pytest_ecs_events")
    leave_unrewritten()
    assert elsewhere._must_rewrite == {"pytest_ecs_events"}
