"""The interception reuses the query parameters ``responses`` already parsed
(``reuse_mock_params`` in transports/intercept.py) only where they equal the parsed query."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qsl

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_ecs_events.api.speedups.fast_parse import parse_query
from pytest_ecs_events.transports.speedups import reuse_mock_params


def _responses_params(query: str, *, blanks: bool) -> dict[str, object]:
    """What responses puts in ``request.params``: 0.25+ keeps blank values, 0.24 drops them."""
    params: dict[str, object] = {}
    for key, group in itertools.groupby(
        parse_qsl(query, keep_blank_values=blanks), lambda pair: pair[0]
    ):
        values = [value for _, value in group]
        params[key] = values[0] if len(values) == 1 else values
    return params


@settings(max_examples=1500)
@given(st.lists(st.sampled_from(["a", "b", "=", "&", "%3D", "%26", "+", "", "c=1", "%61",
                                 "a=1&", "&a=", "Timestamp=2024-05-01T00%3A00%3A00Z",
                                 "Sig=x%2By%3D"]),
                max_size=12).map("".join), st.booleans())  # fmt: skip
@example("a=1&a=", False)  # a blank repeat of a key: last wins
@example("a=&b=1&a=1", True)
def test_reused_mock_params_are_the_query_parameters(query: str, blanks: bool) -> None:
    reused = reuse_mock_params(_responses_params(query, blanks=blanks), query)
    if reused is not None:  # None: the caller parses the query itself
        assert reused == dict(parse_query(query))


def test_mock_params_are_reused_for_a_legacy_sdk_query() -> None:
    query = ("Action=DescribeRegions&Format=JSON&SignatureType=&Timestamp=2024-05-01T00%3A00%3A00Z"
             "&Signature=x%2By%3D")  # fmt: skip
    for blanks in (True, False):
        reused = reuse_mock_params(_responses_params(query, blanks=blanks), query)
        assert reused == dict(parse_query(query))
    assert reuse_mock_params(None, query) is None
    assert reuse_mock_params({"a": ["1", "2"]}, "a=1&a=2") is None
