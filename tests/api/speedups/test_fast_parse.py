"""The hand-written URL and query readers (api/speedups/fast_parse.py), on what SDKs send.

The property tests (``tests/property/test_fast_parse.py``) hold them to ``urlsplit`` and
``parse_qsl`` on any input.
"""

from __future__ import annotations

from pytest_ecs_events.api.speedups.fast_parse import parse_query, split_url, unquote_query_part


def test_a_legacy_sdk_query() -> None:
    query = "Action=DescribeRegions&Timestamp=2024-05-01T00%3A00%3A00Z&Signature=x%2By%3D&Blank="
    assert parse_query(query) == [
        ("Action", "DescribeRegions"),
        ("Timestamp", "2024-05-01T00:00:00Z"),
        ("Signature", "x+y="),
        ("Blank", ""),
    ]


def test_non_ascii_and_malformed_escapes_take_the_full_rules() -> None:
    assert unquote_query_part("%C3%A9+x") == "é x"
    assert unquote_query_part("100%") == "100%"
    assert unquote_query_part("plain") == "plain"


def test_split_url_lower_cases_the_host_and_drops_port_and_fragment() -> None:
    assert split_url("https://ECS.cn-hangzhou.aliyuncs.com:443/path?a=1#frag") == (
        "ecs.cn-hangzhou.aliyuncs.com", "/path", "a=1",
    )  # fmt: skip
    assert split_url("http://user@host/") == ("host", "/", "")  # the standard library's reading
    assert split_url("not a url") == ("", "not a url", "")
