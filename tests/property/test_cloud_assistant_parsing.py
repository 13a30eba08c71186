"""Hypothesis: the Cloud Assistant's content and parameter parsing."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
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


#: RunCommand's optional parameters (and a few others), with values good and bad.
OPTION_NAMES = [
    "WorkingDir", "RepeatMode", "Parameters", "Timeout", "Username", "ContainerId",
    "ContainerName", "Launcher", "TerminationMode", "OssOutputDelivery", "ResourceGroupId",
    "Frequency", "Timed", "ClientToken", "WindowsPasswordName", "Tag.1.Key", "Tag.1.Value",
    "ResourceTag.1.Key", "Name", "KeepCommand",
]  # fmt: skip
OPTION_VALUES = ["", "x", "Once", "DryRun", "60", "true", '{"a":"b"}', "Process"]
INVOKE_OPTIONS = st.dictionaries(
    st.sampled_from(OPTION_NAMES),
    st.sampled_from(OPTION_VALUES),
    max_size=2,  # one option alone is what tells the short way from the full reading
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(INVOKE_OPTIONS, st.lists(st.sampled_from(["i-a", "i-b", ""]), max_size=3))
def test_a_call_without_options_reads_as_the_full_reading(
    options: dict[str, str], ids: list[str]
) -> None:
    """RunCommand's request read by the short way (no option named: the defaults) is the one
    the full reading of every option gives, or the same refusal."""
    from pytest_ecs_events import EcsSimulator
    from pytest_ecs_events.api.actions.commands import _invoke_request, _read_invoke_request
    from pytest_ecs_events.api.messages import ApiRequest
    from pytest_ecs_events.api.params import Params
    from pytest_ecs_events.api.registry import ActionContext

    sim = EcsSimulator(now="2024-05-01T00:00:00Z", instances=["i-a", "i-b"], seed=1)
    raw = {**options, **{f"InstanceId.{n}": i for n, i in enumerate(ids, 1)}}
    ctx = ActionContext(Params(raw), sim.simulation, ApiRequest(params=raw))

    def outcome(read: object) -> object:
        try:
            return read(ctx, sim.region)  # type: ignore[operator]
        except EcsApiError as exc:
            return (exc.code, exc.message, exc.status)

    assert outcome(_invoke_request) == outcome(_read_invoke_request)


@pytest.mark.parametrize("name", OPTION_NAMES)
def test_each_option_alone_reads_as_the_full_reading(name: str) -> None:
    """Every option named alone, with each value, in every case the property above meets."""
    inner = test_a_call_without_options_reads_as_the_full_reading.hypothesis.inner_test  # type: ignore[attr-defined]
    for value in OPTION_VALUES:
        inner({name: value}, ["i-a"])
