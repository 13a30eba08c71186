"""``QueueStore.receive_one`` and ``delete_one`` (the single-message entry points of
``MnsService.quick``, beside ``send``) do what ``receive(name, 1, now)`` and
``delete_message`` do (``delete_one`` declines, changing nothing, where it raises): the
same message or error, and the same store afterwards (messages, every heap and index,
counters), after random sequences of sends, receives, deletes, visibility changes,
attribute changes and clock moves (forward and back); and ``hmac_sha1`` is ``hmac.digest``."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.queues import QueueStore
from pytest_ecs_events.mns.signature import hmac_sha1

START = datetime(2025, 1, 1, tzinfo=timezone.utc)

ATTRIBUTES = st.fixed_dictionaries(
    {},
    optional={
        "DelaySeconds": st.sampled_from([0, 0, 1, 5, 30]),
        "VisibilityTimeout": st.sampled_from([1, 5, 30]),
        "MessageRetentionPeriod": st.sampled_from([60, 90, 345600]),
        "MaximumMessageSize": st.sampled_from([1024, 65536]),
    },
)
BODIES = st.sampled_from(["", "x", "payload", "é" * 600, "y" * 1100]) | st.text(max_size=8)
STEPS = st.one_of(
    st.tuples(st.just("send"), st.sampled_from(["q", "q", "r", "nope"]), BODIES),
    st.tuples(st.just("receive"), st.sampled_from(["q", "q", "r", "nope"]), st.none()),
    st.tuples(st.just("delete"), st.sampled_from(["q", "r"]), st.integers(0, 9)),
    st.tuples(st.just("visibility"), st.sampled_from(["q", "r"]), st.integers(0, 9)),
    st.tuples(st.just("attributes"), st.sampled_from(["q", "r"]), ATTRIBUTES),
    st.tuples(st.just("clock"), st.none(), st.sampled_from([0, 1, 2, 5, 31, 61, 100, -3, -40])),
)


def state(store: QueueStore) -> object:
    queues = {
        name: (
            sorted((seq, sorted(vars(m).items())) for seq, m in q.messages.items()),
            q.attributes,
            list(q._expiry),
            list(q._waiting),
            list(q._visible),
            sorted(q._visible_seqs),
            q._as_of,
        )
        for name, q in store._queues.items()
    }
    return queues, store._serial, store._seq, store._handles, store.version


def outcome(call: Any, *args: Any) -> object:
    try:
        result = call(*args)
        return ("ok", sorted(vars(result if not isinstance(result, list) else result[0]).items()))
    except EcsApiError as error:
        return ("error", error.code, str(error), error.status)


@settings(max_examples=150, deadline=None)
@given(ATTRIBUTES, ATTRIBUTES, st.lists(STEPS, max_size=40))
@example(  # a handle whose message turned visible again, then one that expired while held
    {"VisibilityTimeout": 1},
    {"VisibilityTimeout": 30, "MessageRetentionPeriod": 60},
    [
        *[("send", "q", "x"), ("receive", "q", None), ("clock", None, 2), ("delete", "q", 1)],
        *[("send", "r", "y"), ("clock", None, 31), ("receive", "r", None)],
        *[("clock", None, 5)] * 5,
        *[("clock", None, 2), ("clock", None, 2), ("delete", "r", 1)],
    ],
)
def test_single_message_entry_points_match_the_general_ones(
    first: dict[str, int], second: dict[str, int], steps: list[tuple[str, Any, Any]]
) -> None:
    single, general = QueueStore(), QueueStore()
    for store in (single, general):
        store.create("q", first, START)
        store.create("r", second, START)
    now = START
    handles: list[tuple[str, str]] = []
    for kind, name, value in steps:
        if kind == "clock":
            now = now + timedelta(seconds=value)
            continue
        if kind == "send":
            got = outcome(single.send, name, value, now)
            want = outcome(general.send, name, value, now)
        elif kind == "receive":
            got = outcome(single.receive_one, name, now)
            want = outcome(general.receive, name, 1, now)
            if want[0] == "ok":
                handles.append((name, dict(want[1])["receipt_handle"]))  # type: ignore[index]
        elif kind == "attributes":
            for store in (single, general):
                store.set_attributes(name, value, now)
            got = want = None
        else:
            if not handles:
                continue
            queue, handle = handles[value % len(handles)]
            if kind == "delete" and value % 3:  # delete_one, with holding or odd handles
                if value > 5:
                    handle += ("x", "zz=")[value % 2]
                before = state(single)
                done = single.delete_one(queue, handle, now)
                try:
                    general.delete_message(queue, handle, now)
                    deleted = True
                except EcsApiError:
                    deleted = False
                assert done == deleted
                if not done:  # declined with nothing changed; the general route answers
                    assert state(single) == before
                    try:
                        single.delete_message(queue, handle, now)
                        raise AssertionError("delete_one declined a delete that succeeds")
                    except EcsApiError:
                        pass
                got = want = None
            else:
                for store in (single, general):
                    try:
                        if kind == "delete":
                            store.delete_message(queue, handle, now)
                        else:
                            store.change_visibility(queue, handle, 7, now)
                    except EcsApiError:
                        pass
                got = want = None
        assert got == want
        assert state(single) == state(general)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.binary(max_size=300))
def test_hmac_sha1_is_hmac_digest(secret: str, message: bytes) -> None:
    assert hmac_sha1(secret, message) == hmac.digest(secret.encode("utf-8"), message, "sha1")
    assert hmac_sha1(secret, message) == hmac.digest(secret.encode("utf-8"), message, "sha1")
