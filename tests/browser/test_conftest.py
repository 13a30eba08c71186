"""Without a browser the browser tests skip, saying why, except under CI, where they fail.

Runs without chromium or playwright (it hides them), so it is not marked ``browser``.
"""

from __future__ import annotations

import pytest

from tests.browser import conftest as browser

CONFTEST = "from tests.browser.conftest import page, screenshot  # noqa: F401\n"


@pytest.mark.parametrize(
    ("ci", "outcome", "reason"),
    [
        (None, {"skipped": 1}, "SKIPPED [[]1[]] *Debian's chromium is not installed at*"),
        ("true", {"errors": 1}, "*browser tests cannot run in CI: Debian's chromium*"),
    ],
)
def test_no_browser_skips_here_and_fails_in_ci(
    ecs_pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    ci: str | None,
    outcome: dict[str, int],
    reason: str,
) -> None:
    pytest.importorskip("playwright.sync_api", reason="the chromium case needs playwright")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    # the outer monkeypatch hides the browser from the inner run, and puts it back after
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    ecs_pytester.makeconftest(CONFTEST)
    ecs_pytester.makepyfile("def test_console(page):\n    raise AssertionError('ran')\n")
    result = ecs_pytester.runpytest_inprocess("-rs", "-p", "no:randomly")
    result.assert_outcomes(**outcome)
    result.stdout.fnmatch_lines([reason])
