"""The general MNS route's cheaper steps equal their plain definitions, for any input:

- ``xmlio._fields`` (every answer document) writes what escaping each value by ``_text``
  writes (a plain ``int`` and a ``str`` without markup characters are written as they are);
- ``MnsRequest.query`` and ``_route`` read a name or query without ``%`` without
  ``unquote`` (which returns such a string as it is);
- ``queues._handle_message`` reads a receipt handle as ``base64.urlsafe_b64decode`` does,
  refusing the same handles with the same error;
- the store's batch send and receive keep the queue's ``timedelta``s and the last
  ``millis(now)``: the messages are the ones the plain arithmetic makes.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.queues import (
    _HANDLE_PREFIX,
    DEFAULT_PRIORITY,
    QueueStore,
    _handle_message,
    body_md5,
    millis,
)
from pytest_ecs_events.mns import MnsRequest, MnsService, xmlio

NAMES = st.text(st.characters(min_codepoint=65, max_codepoint=90), min_size=1, max_size=8)
VALUES = st.one_of(
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(["a&b", "<x>", "1 > 0", "&amp;", "plain"]),
)


class _Int(int):
    """An int subclass: written by ``_text`` (its own ``str``), as before."""

    def __str__(self) -> str:
        return "<seven & more>"


class _Str(str):
    def __str__(self) -> str:
        return "<other>"


def plain_fields(fields: dict[str, Any]) -> str:
    return "".join(f"<{k}>{xmlio._text(v)}</{k}>" for k, v in fields.items())


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=12))
def test_fields_equal_the_plain_escaping(fields: dict[str, Any]) -> None:
    assert xmlio._fields(fields) == plain_fields(fields)


def test_fields_of_subclasses_go_through_text() -> None:
    fields: dict[str, str | int | bool] = {"A": _Int(7), "B": _Str("x"), "C": True, "D": 3}
    fields["E"] = "a<b"
    assert xmlio._fields(fields) == plain_fields(fields)
    assert "<A>&lt;seven &amp; more&gt;</A>" in xmlio._fields(fields)


def plain_query(target: str) -> dict[str, str]:
    raw = target.partition("?")[2]
    pairs = (part.partition("=") for part in raw.split("&") if part)
    return {unquote(k): unquote(v) for k, _, v in pairs} if raw else {}


QUERY_TEXT = st.lists(st.sampled_from([*"ab=&%2F+x1", "%41", "%zz", "é"]), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*"/qa%4e-", "queues", "messages"]), max_size=40).map("".join),
    QUERY_TEXT,
)
def test_query_and_route_equal_unquoting_every_part(path: str, query: str) -> None:
    target = f"{path}?{query}" if query else path
    request = MnsRequest("GET", target, {}, b"", "h")
    assert request.query == plain_query(target)
    for method in ("GET", "PUT", "POST", "DELETE"):
        request = MnsRequest(method, target, {}, b"", "h")
        try:
            got: Any = MnsService._route(request)
        except EcsApiError as exc:
            got = (exc.code, exc.message)
        parts = path.partition("?")[0].strip("/").split("/")
        if isinstance(got, tuple) and len(parts) in (2, 3) and got[0] != "InvalidRequestURL":
            assert got[1] == unquote(parts[1])


def plain_handle_message(handle: Any, serial: int) -> int | str:
    if not isinstance(handle, str) or not handle.startswith(_HANDLE_PREFIX):
        return "error"
    encoded = handle[len(_HANDLE_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("ascii")
        queue_serial, seq, _count, _n = (int(part) for part in raw.split("-"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "error"
    return seq if queue_serial == serial else "error"


def made_handle(serial: int, seq: int, count: int, n: int) -> str:
    raw = f"{serial}-{seq}-{count}-{n}".encode()
    return _HANDLE_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


HANDLES = st.one_of(
    st.builds(
        made_handle, st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 9), st.integers(0, 99)
    ),
    st.text(max_size=30).map(lambda t: _HANDLE_PREFIX + t),
    st.text(st.sampled_from(list("1-AaZz09_+/=é ")), max_size=30),
    st.binary(max_size=20).map(lambda b: _HANDLE_PREFIX + base64.urlsafe_b64encode(b).decode()),
    st.none(),
)


@settings(max_examples=500, deadline=None)
@given(HANDLES, st.integers(0, 3))
def test_handle_message_equals_urlsafe_b64decode(handle: Any, serial: int) -> None:
    try:
        got: int | str = _handle_message(handle, serial)
    except EcsApiError as exc:
        got = "error" if exc.code == "ReceiptHandleError" else exc.code
    assert got == plain_handle_message(handle, serial)


START = datetime(2025, 1, 1, tzinfo=timezone.utc)
STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("send"), st.lists(st.sampled_from([None, 0, 5, 60]), min_size=1, max_size=4)
        ),
        st.tuples(st.just("receive"), st.integers(1, 4)),
        st.tuples(st.just("tick"), st.integers(-30, 120)),
        st.tuples(st.just("attributes"), st.sampled_from([0, 10, 30])),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(STEPS)
def test_batch_send_and_receive_make_the_plain_times(steps: list[tuple[str, Any]]) -> None:
    store = QueueStore()
    store.create("q", {"VisibilityTimeout": 30}, START)
    now = START
    for kind, arg in steps:
        queue = store.get("q")
        attributes = queue.attributes
        if kind == "send":
            entries: list[tuple[str, int | None, int | None]]
            entries = [(f"m{n}", delay, None) for n, delay in enumerate(arg)]
            seq = store._seq
            sent = store.send_batch("q", entries, now)
            for n, (message, (body, delay, _)) in enumerate(zip(sent, entries, strict=True)):
                shift = attributes.delay_seconds if delay is None else delay
                assert (
                    message.message_id == f"{queue.serial:016X}-1-{millis(now):X}-{seq + n + 1:09d}"
                )
                assert message.body_md5 == body_md5(body)
                assert message.priority == DEFAULT_PRIORITY
                assert message.visible_at == now + timedelta(seconds=shift)
                assert message.expires_at == now + timedelta(
                    seconds=attributes.message_retention_period
                )
        elif kind == "receive":
            try:
                got = store.receive("q", arg, now)
            except EcsApiError as exc:
                code: str | None = exc.code
                got = []
            else:
                code = None
            assert code in (None, "MessageNotExist")
            for message in got:
                assert message.visible_at == now + timedelta(seconds=attributes.visibility_timeout)
        elif kind == "tick":
            now = now + timedelta(seconds=arg)  # a new object each step, also backwards
        else:
            store.set_attributes("q", {"DelaySeconds": arg, "VisibilityTimeout": 30 + arg}, now)


@pytest.mark.parametrize("now", [datetime(2025, 1, 1)])
def test_a_naive_clock_still_raises(now: datetime) -> None:
    store = QueueStore()
    store.create("q", {}, START)
    with pytest.raises(ValueError, match="naive"):
        store.send_batch("q", [("x", None, None)], now)
