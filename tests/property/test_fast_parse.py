"""The hand-written query parser and URL splitter (api/speedups/fast_parse.py) read what the
standard library reads, on any input."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.api.speedups.fast_parse import parse_query, split_url


@settings(max_examples=500)
@given(st.text())
def test_parse_query_is_parse_qsl(query: str) -> None:
    assert parse_query(query) == parse_qsl(query, keep_blank_values=True)


#: Query-like text dense in escapes: ASCII and UTF-8 ones, malformed ones, "%25", "+".
escapes = st.sampled_from(["%3A", "%2b", "%2B", "%3d", "%25", "%7E", "%80", "%C3%A9",
                           "%e4%b8%ad", "%", "%4", "%G1", "%%41", "+", "&", "=", "a", "Z", "9",
                           "é"])  # fmt: skip


@settings(max_examples=1000)
@given(st.lists(escapes, max_size=30).map("".join))
def test_parse_query_decodes_escapes_as_parse_qsl(query: str) -> None:
    assert parse_query(query) == parse_qsl(query, keep_blank_values=True)


url_pieces = st.sampled_from(["http", "https", "HTTP", "ftp", "://", ":/", "/", "//", "?", "#",
                               "@", ":", "[::1]", "]", "ecs.aliyuncs.com", "ECS-cn-hangzhou",
                               "8080", "a=b&c=%3A", " ", "\t", "\n", "\x00", "é", "x"])  # fmt: skip


@settings(max_examples=2000)
@given(st.lists(url_pieces, max_size=12).map("".join))
def test_split_url_reads_urls_as_urlsplit(url: str) -> None:
    try:
        parts = urlsplit(url)
        expected = ((parts.hostname or "").lower(), parts.path, parts.query)
    except ValueError:  # urlsplit refuses it (a bad IPv6 netloc): so may we
        return
    assert split_url(url) == expected


@settings(max_examples=500)
@given(st.lists(st.tuples(st.text(), st.text()), max_size=6))
def test_parse_query_reads_what_urlencode_wrote(pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    assert parse_query(urlencode(pairs)) == pairs
