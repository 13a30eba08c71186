"""Hypothesis: the Cloud Assistant's content and parameter parsing."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_ecs_events.core.cloud_assistant import (
    decode_content,
    parameter_names,
    substitute,
)
from pytest_ecs_events.core.errors import EcsApiError

NAMES = st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)
#: Text without braces, so that it holds no placeholder of its own.
PLAIN = st.text(st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), max_size=40)


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_base64_content_decodes_to_what_was_encoded(text: str) -> None:
    encoded = base64.b64encode(text.encode()).decode()
    assert decode_content(encoded, "Base64") == text
    assert decode_content(encoded, "BASE64") == text  # the value is case-insensitive
    assert decode_content(text, "PlainText") == text
    assert decode_content(text, "anything else") == text  # counted as PlainText


@given(st.binary(min_size=1, max_size=40))
def test_bad_base64_is_an_api_error_never_a_crash(raw: bytes) -> None:
    text = raw.decode("latin-1")
    try:
        expected: str | None = base64.b64decode(text, validate=True).decode()
    except (ValueError, UnicodeError):
        expected = None
    if expected is None:
        with pytest.raises(EcsApiError, match="InvalidParameter"):
            decode_content(text, "Base64")
    else:
        assert decode_content(text, "Base64") == expected


@given(st.lists(st.tuples(PLAIN, NAMES, st.sampled_from(["", " ", "\n  "])), max_size=8), PLAIN)
def test_names_found_are_those_written_first_spelling_once(
    parts: list[tuple[str, str, str]], tail: str
) -> None:
    content = "".join(f"{text}{{{{{pad}{name}{pad}}}}}" for text, name, pad in parts) + tail
    expected: dict[str, str] = {}
    for _, name, _ in parts:
        expected.setdefault(name.lower(), name)
    if len(expected) > 20:
        with pytest.raises(EcsApiError):
            parameter_names(content)
        return
    assert parameter_names(content) == list(expected.values())


@given(
    st.lists(st.tuples(PLAIN, NAMES), max_size=8),
    PLAIN,
    st.dictionaries(NAMES, PLAIN, max_size=5),
)
def test_substitute_replaces_every_placeholder(
    parts: list[tuple[str, str]], tail: str, values: dict[str, str]
) -> None:
    lowered = {k.lower(): v for k, v in values.items()}
    content = "".join(f"{text}{{{{ {name} }}}}" for text, name in parts) + tail
    expected = "".join(text + lowered.get(name.lower(), "") for text, name in parts) + tail
    assert substitute(content, lowered, {}) == expected
    assert "{{" not in substitute(content, lowered, {}) or any("{{" in v for v in values.values())
