"""The documentation's generated sections (docs/_hooks/generate.py) are current.

The tables built from the code (actions, options, hooks, ``ecs-sim`` options, control API,
event catalog) are written into the Markdown so GitHub shows whole pages; these tests fail
when the code changed and the pages were not refreshed, without needing mkdocs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "docs_hooks_generate", DOCS / "_hooks" / "generate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_generated_sections_are_current(generate: ModuleType) -> None:
    problems = generate.check(DOCS)
    assert not problems, (
        "the docs disagree with the code:\n"
        + "\n".join(f"  {p}" for p in problems)
        + f"\nrefresh the generated sections with `{generate.COMMAND}` (from the repository "
        "root), then review and commit the pages"
    )


def test_every_generator_has_a_section_in_the_pages(generate: ModuleType) -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in generate.pages(DOCS))
    found = {m.group("name") for m in generate.SECTION.finditer(text)}
    assert found == set(generate.GENERATORS)


def test_a_stale_section_is_found_and_named(generate: ModuleType, tmp_path: Path) -> None:
    fresh = (DOCS / "hooks.md").read_text(encoding="utf-8")
    (tmp_path / "reference.md").write_text(
        (DOCS / "reference.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    page = tmp_path / "hooks.md"
    page.write_text(
        fresh.replace("The simulator answered an API call.", "Something else."), encoding="utf-8"
    )

    problems = generate.check(tmp_path)

    assert len(problems) == 1
    assert str(page) in problems[0]
    assert generate.COMMAND in problems[0]
    assert generate.write(tmp_path) == [page]
    assert page.read_text(encoding="utf-8") == fresh
    assert generate.check(tmp_path) == []


def test_a_bare_marker_becomes_a_section(generate: ModuleType, tmp_path: Path) -> None:
    page = tmp_path / "new.md"
    page.write_text("# New\n\n<!-- generated: control-api -->\n\nAfter.\n", encoding="utf-8")

    assert generate.write(tmp_path) == [page]

    text = page.read_text(encoding="utf-8")
    assert "<!-- begin generated: control-api" in text
    assert "| `POST` | `/_sim/advance` |" in text
    assert text.endswith("<!-- end generated: control-api -->\n\nAfter.\n")
    assert generate.write(tmp_path) == []  # a second refresh changes nothing


def test_an_unknown_section_is_reported(generate: ModuleType) -> None:
    generate._problems.clear()
    text = "<!-- generated: no-such-table -->\n"

    assert generate.refresh(text, "docs/x.md") == text
    assert any("no-such-table" in p and "docs/x.md" in p for p in generate._problems)
