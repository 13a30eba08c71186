"""The JSON output's pieces (api/speedups/json_output.py): kept fragments, answers' tails, keys.

The property tests (``tests/property/test_json_output.py``) hold it to ``json.dumps``.
"""

from __future__ import annotations

import json

from pytest_ecs_events.api.speedups import json_output
from pytest_ecs_events.api.speedups.json_output import Rendered, encode_json, json_tail


def test_rendered_keeps_its_own_json() -> None:
    fragment = Rendered({"Reason": "é", "Code": 1})
    assert fragment.json == '{"Reason":"é","Code":1}'.encode()
    assert (
        encode_json({"A": [fragment], "B": {}}) == '{"A":[{"Reason":"é","Code":1}],"B":{}}'.encode()
    )


def test_json_tail_is_the_body_after_its_brace() -> None:
    assert json_tail({}) == b"}"
    assert json_tail({"A": 1}) == b',"A":1}'
    body = {"TotalCount": 2, "Set": {"Type": [Rendered({"X": "é"})]}}
    assert b'{"RequestId":"R"' + json_tail(body) == encode_json({"RequestId": "R", **body})
    assert json.loads(b'{"RequestId":"R"' + json_tail(body)) == {"RequestId": "R", **body}


def test_keys_are_encoded_once_and_the_key_cache_is_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(json_output, "_KEYS", {})
    monkeypatch.setattr(json_output, "_MAX_KEYS", 2)
    assert encode_json({"a": 1, "b": 2, "c": 3}) == b'{"a":1,"b":2,"c":3}'
    assert list(json_output._KEYS) == ["a", "b"]  # the third was encoded, not kept
    assert json_output._key("a") is json_output._KEYS["a"]


def test_non_json_values_are_left_to_the_encoder() -> None:
    assert encode_json({"A": [1, "x"], "B": None, "C": 1.5, "D": True}) == (
        b'{"A":[1,"x"],"B":null,"C":1.5,"D":true}'
    )
    assert encode_json([]) == b"[]"
