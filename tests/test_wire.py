"""The wire helpers on every call's hot path: query parsing and JSON encoding."""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import json
import os
import uuid
import warnings
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_ecs_events.api.dispatch import ApiCall, new_request_id
from pytest_ecs_events.api.wire import (
    ApiRequest,
    ApiResponse,
    Rendered,
    encode_json,
    parse_query,
    split_url,
)
from pytest_ecs_events.transports.intercept import reuse_mock_params

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


@settings(max_examples=300)
@given(json_values)
def test_encode_json_is_plain_json(value: object) -> None:
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert encode_json(value) == plain
    assert json.loads(encode_json(value)) == value


@settings(max_examples=300)
@given(json_values | st.floats())
def test_the_kept_c_encoder_writes_what_json_dumps_writes(value: object) -> None:
    from pytest_ecs_events.api import wire

    assert wire._dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=200)
@given(st.lists(st.dictionaries(st.text(), json_scalars, max_size=4), min_size=1, max_size=5))
def test_rendered_fragments_are_spliced_in(rows: list[dict[str, object]]) -> None:
    body = {"RequestId": "X", "Set": {"Type": [Rendered(r) for r in rows]}, "TotalCount": 3}
    text = ApiResponse(200, body).content().decode("utf-8")
    assert json.loads(text) == {"RequestId": "X", "Set": {"Type": rows}, "TotalCount": 3}


def test_rendered_keeps_its_own_json() -> None:
    fragment = Rendered({"Reason": "é", "Code": 1})
    assert fragment.json == '{"Reason":"é","Code":1}'.encode()
    assert (
        encode_json({"A": [fragment], "B": {}}) == '{"A":[{"Reason":"é","Code":1}],"B":{}}'.encode()
    )


def test_request_ids_are_unique_version_4_uuids() -> None:
    ids = [new_request_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for request_id in ids[:100]:
        parsed = uuid.UUID(request_id)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed).upper() == request_id


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_does_not_repeat_its_parents_request_ids() -> None:
    read, write = os.pipe()
    with warnings.catch_warnings():  # 3.12+ warns about forking while other threads run
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: send one id and leave at once
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent = new_request_id()
    assert uuid.UUID(child).version == 4
    assert child[:23] != parent[:23]  # another prefix


@pytest.mark.parametrize("cls", [ApiRequest, ApiResponse, ApiCall])
def test_hand_written_inits_take_exactly_the_dataclass_fields(cls: type[Any]) -> None:
    """The hot-path classes write their own __init__: it must match their fields."""

    def default(f: dataclasses.Field[object]) -> object:
        if f.default_factory is not dataclasses.MISSING:
            return f.default_factory()
        return inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default

    wanted = [(f.name, default(f)) for f in dataclasses.fields(cls)]
    parameters = list(inspect.signature(cls).parameters.values())
    assert [(p.name, p.default) for p in parameters] == wanted
    values = {f.name: object() for f in dataclasses.fields(cls)}
    instance = cls(**values)
    assert all(getattr(instance, name) is value for name, value in values.items())
    assert dataclasses.replace(instance) == instance
    with pytest.raises(dataclasses.FrozenInstanceError):
        instance.status = 1


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
