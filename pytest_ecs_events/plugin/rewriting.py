"""Leave this package's own modules out of pytest's assertion rewriting.

pytest rewrites the ``assert`` statements of every module of a distribution that declares a
``pytest11`` entry point, so that a plugin's assertion helpers report as a test's own asserts
do. This package has no such helper: its few ``assert`` statements are invariants for the type
checker. And a module loaded through pytest's rewriting hook costs far more than a plain import
(pytest 9 reads its cached rewritten code with ``marshal.load`` on a file object, a Python call
per read): for the modules of a pytest start-up and of a first ``ecs_sim`` test that came to
about a quarter of the first test's cost (``docs/performance.md``, round 7).

pytest has no public way to take a name back once marked (``pytest.register_assert_rewrite``
only adds), so :func:`leave_unrewritten` reaches into each installed hook's set of marked
names and its cache of answers. Where a pytest version has neither, it does nothing and the
modules are rewritten as before (``tests/plugin/test_rewriting.py`` then fails, to say so).
Test files, conftest files and every other plugin are rewritten as before.
"""

from __future__ import annotations

import sys

#: The package whose modules are left as they are.
PACKAGE = __name__.partition(".")[0]


def _ours(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def leave_unrewritten() -> int:
    """Unmark :data:`PACKAGE` in every assertion-rewriting hook on ``sys.meta_path`` (a run
    within a test installs one of its own): its modules not imported yet load as plain
    modules. Returns how many hooks had it marked."""
    try:
        from _pytest.assertion.rewrite import AssertionRewritingHook
    except ImportError:  # pragma: no cover - a pytest without the hook rewrites nothing
        return 0
    unmarked = 0
    for finder in sys.meta_path:
        if not isinstance(finder, AssertionRewritingHook):
            continue
        marked = getattr(finder, "_must_rewrite", None)
        answers = getattr(finder, "_marked_for_rewrite_cache", None)
        if not isinstance(marked, set) or not isinstance(answers, dict):
            continue
        ours = [name for name in marked if _ours(name)]
        if ours:
            unmarked += 1
            marked.difference_update(ours)
        for name in [name for name in answers if _ours(name)]:
            del answers[name]
    return unmarked
