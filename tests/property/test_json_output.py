"""The JSON output (api/speedups/json_output.py) writes exactly what ``json.dumps`` writes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.api.messages import ApiResponse
from pytest_ecs_events.api.speedups import json_output
from pytest_ecs_events.api.speedups.json_output import Rendered, encode_json

json_scalars = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(json_values)
def test_encode_json_is_plain_json(value: object) -> None:
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert encode_json(value) == plain
    assert json.loads(encode_json(value)) == value


@settings(max_examples=300)
@given(json_values | st.floats())
def test_the_kept_c_encoder_writes_what_json_dumps_writes(value: object) -> None:
    assert json_output._dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=200)
@given(st.lists(st.dictionaries(st.text(), json_scalars, max_size=4), min_size=1, max_size=5))
def test_rendered_fragments_are_spliced_in(rows: list[dict[str, object]]) -> None:
    body = {"RequestId": "X", "Set": {"Type": [Rendered(r) for r in rows]}, "TotalCount": 3}
    text = ApiResponse(200, body).content().decode("utf-8")
    assert json.loads(text) == {"RequestId": "X", "Set": {"Type": rows}, "TotalCount": 3}
