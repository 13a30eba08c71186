"""The wire helpers on every call's hot path: query parsing and JSON encoding."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.api.wire import ApiResponse, Rendered, encode_json, parse_query

json_scalars = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500)
@given(st.text())
def test_parse_query_is_parse_qsl(query: str) -> None:
    assert parse_query(query) == parse_qsl(query, keep_blank_values=True)


@settings(max_examples=500)
@given(st.lists(st.tuples(st.text(), st.text()), max_size=6))
def test_parse_query_reads_what_urlencode_wrote(pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    assert parse_query(urlencode(pairs)) == pairs


@settings(max_examples=300)
@given(json_values)
def test_encode_json_is_plain_json(value: object) -> None:
    assert json.loads(encode_json(value)) == value


@settings(max_examples=200)
@given(st.lists(st.dictionaries(st.text(), json_scalars, max_size=4), min_size=1, max_size=5))
def test_rendered_fragments_are_spliced_in(rows: list[dict[str, object]]) -> None:
    body = {"RequestId": "X", "Set": {"Type": [Rendered(r) for r in rows]}, "TotalCount": 3}
    text = ApiResponse(200, body).content().decode("utf-8")
    assert json.loads(text) == {"RequestId": "X", "Set": {"Type": rows}, "TotalCount": 3}


def test_rendered_keeps_its_own_text() -> None:
    fragment = Rendered({"Reason": "é", "Code": 1})
    assert fragment.json_text == '{"Reason":"é","Code":1}'
    assert encode_json({"A": [fragment]}) == '{"A":[{"Reason":"é","Code":1}]}'
