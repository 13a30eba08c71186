"""The browser tests' fixtures: Debian's Chromium, headless, driven by playwright.

Never ``playwright install``: the browser is the ``chromium`` package (.ci/run installs it).
Where playwright or chromium is missing these tests skip and say which; with ``CI`` set they
fail instead, so a CI run can never pass without having looked at the console.

``ECS_DOCS_SCREENSHOTS=1 python -m pytest tests/browser -p no:randomly`` also writes the
screenshots the tests take into ``docs/images/`` (docs/console.md and docs/timeline.md show
them).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Debian's Chromium (the ``chromium`` package).
CHROMIUM = "/usr/bin/chromium"
#: No sandbox (containers run as root), no GPU, and nothing fetched from the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]
#: What Chromium logs for a 4xx answer (a test that provokes refusals on purpose allows it).
REFUSED = re.compile(r"console error: Failed to load resource: .* status of 4\d\d ")
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    return None


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    """A page of a fresh headless Chromium (its own user-data dir under ``tmp_path``).

    Page errors and console errors are collected in ``page.problems``; the test fails at
    teardown if there are any (a CSP violation is a console error), except the 4xx answers
    of a test that sets ``page.refusals_expected``.
    """
    reason = missing_browser()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=executable,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            locale="en-US",
            timezone_id="UTC",
        )
        try:
            page = context.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on(
                "console",
                lambda msg: (
                    problems.append(f"console {msg.type}: {msg.text}")
                    if msg.type == "error"
                    else None
                ),
            )
            page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                              dialog.dismiss()))  # fmt: skip
            page.problems = problems
            page.refusals_expected = False
            page.set_default_timeout(10_000)
            yield page
        finally:
            context.close()
    if page.refusals_expected:  # Chromium logs every 4xx answer to fetch() as an error
        problems = [p for p in problems if not REFUSED.match(p)]
    assert problems == [], problems


@pytest.fixture
def screenshot(page: Any, tmp_path: Path) -> Any:
    """``screenshot(name, element=None, docs=False)``: the page (or one element) as
    ``tmp_path/name.png``, and for ``docs=True`` into docs/images/ too when
    ``ECS_DOCS_SCREENSHOTS`` is set; returns the path in ``tmp_path``."""

    def take(name: str, *, element: Any = None, docs: bool = False) -> Path:
        target = tmp_path / f"{name}.png"
        if element is not None:
            element.screenshot(path=str(target))
        else:
            page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 1000
        if docs and os.environ.get("ECS_DOCS_SCREENSHOTS"):
            DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, DOCS_IMAGES / f"{name}.png")
        return target

    return take
