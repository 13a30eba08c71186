"""A random run of send / receive / delete / change-visibility / advance keeps MNS's rules.

Every message sent is, at any time, exactly one of: deleted, expired, active, delayed, or
inactive with exactly one valid receipt handle; and a message is never handed out again
while it is inactive.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.queues import QueueStore

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.integers(0, 40), st.integers(1, 16)),
        st.tuples(st.just("receive"), st.integers(1, 16), st.just(0)),
        st.tuples(st.just("delete"), st.integers(0, 50), st.just(0)),
        st.tuples(st.just("change"), st.integers(0, 50), st.integers(1, 60)),
        st.tuples(st.just("advance"), st.integers(0, 90), st.just(0)),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_every_message_has_one_state_and_no_double_delivery(
    ops: list[tuple[str, int, int]],
) -> None:
    store = QueueStore()
    store.create("q", {"VisibilityTimeout": 20, "MessageRetentionPeriod": 120}, T0)
    now = T0
    sent: dict[str, datetime] = {}  # message id -> enqueue time
    deleted: set[str] = set()
    handles: list[tuple[str, str]] = []  # (message id, handle), every one ever handed out
    invisible_until: dict[str, datetime] = {}
    refusals: set[str] = set()  # a stale handle or an empty queue, nothing else
    for op, a, b in ops:
        if op == "send":
            message = store.send("q", f"m{len(sent)}", now, delay_seconds=a, priority=b)
            sent[message.message_id] = now
        elif op == "receive":
            try:
                got = store.receive("q", a, now)
            except EcsApiError as exc:
                refusals.add(exc.code)
                got = []
            for message in got:
                # never handed out while it was inactive (or still delayed)
                assert now >= invisible_until.get(message.message_id, now)
                assert message.message_id not in deleted
                invisible_until[message.message_id] = message.visible_at
                handles.append((message.message_id, message.receipt_handle or ""))
        elif op in ("delete", "change") and handles:
            message_id, handle = handles[a % len(handles)]
            try:
                if op == "delete":
                    store.delete_message("q", handle, now)
                    deleted.add(message_id)
                else:
                    changed = store.change_visibility("q", handle, b, now)
                    invisible_until[message_id] = changed.visible_at
                    handles.append((message_id, changed.receipt_handle or ""))
            except EcsApiError as exc:
                refusals.add(exc.code)
        elif op == "advance":
            now += timedelta(seconds=a)
        live = {m.message_id: m for m in store.messages("q", now)}
        for message_id, enqueued in sent.items():
            message = live.get(message_id)
            if message is None:  # deleted or expired, never both missing for no reason
                assert message_id in deleted or now >= enqueued + timedelta(seconds=120)
                continue
            assert message_id not in deleted
            state = message.state(now)
            assert state in ("active", "delayed", "inactive")
            valid = [h for mid, h in handles if mid == message_id and h == message.receipt_handle]
            if state == "inactive":
                assert len(valid) >= 1
                assert message.receipt_handle


# The store keeps heaps (expiry, visibility, priority) instead of scanning the queue on each
# call; a scan of the queue's messages before each step says what the call must answer,
# whatever the order of the calls' ``now`` (a step may go back in time).
indexed_steps = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.integers(0, 40), st.integers(1, 16)),
        st.tuples(st.just("batch"), st.integers(1, 16), st.integers(0, 3)),
        st.tuples(st.just("receive"), st.integers(1, 16), st.just(0)),
        st.tuples(st.just("peek"), st.integers(1, 16), st.just(0)),
        st.tuples(st.just("delete"), st.integers(0, 50), st.just(0)),
        st.tuples(st.just("change"), st.integers(0, 50), st.integers(1, 60)),
        st.tuples(st.just("advance"), st.integers(-30, 90), st.just(0)),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(indexed_steps)
def test_the_indexes_answer_as_a_scan_of_the_queue(ops: list[tuple[str, int, int]]) -> None:
    store = QueueStore()
    store.create("q", {"VisibilityTimeout": 20, "MessageRetentionPeriod": 120}, T0)
    queue = store.get("q")
    now = T0
    handles: list[str] = []
    for n, (op, a, b) in enumerate(ops):
        live = [m for m in queue.messages.values() if now < m.expires_at]
        active = sorted((m for m in live if now >= m.visible_at), key=lambda m: (m.priority, m.seq))
        before = {m.message_id for m in live}
        if op == "send":
            store.send("q", f"m{n}", now, delay_seconds=a, priority=b)
        elif op == "batch":
            entries = [(f"m{n}-{k}", (k * 7) % 3 if b else None, (k % 16) + 1) for k in range(a)]
            store.send_batch("q", entries, now)
        elif op in ("receive", "peek"):
            expected = [m.message_id for m in active[:a]]
            try:
                got = getattr(store, op)("q", a, now)
            except EcsApiError as exc:
                refused = exc.code
                got = []
            else:
                refused = ""
            assert refused == ("" if expected else "MessageNotExist")
            assert [m.message_id for m in got] == expected
            handles += [m.receipt_handle or "" for m in got if op == "receive"]
        elif op in ("delete", "change") and handles:
            codes = set()
            try:
                if op == "delete":
                    store.delete_message("q", handles[a % len(handles)], now)
                else:
                    changed = store.change_visibility("q", handles[a % len(handles)], b, now)
                    handles.append(changed.receipt_handle or "")
            except EcsApiError as exc:
                codes.add(exc.code)
            assert codes <= {"MessageNotExist"}
        elif op == "advance":
            now += timedelta(seconds=a)
        # nothing live was dropped but what the step deleted; nothing expired is left
        after = {m.message_id for m in store.messages("q", now)}
        if op not in ("delete", "advance"):
            assert before <= after
        assert all(now < m.expires_at for m in queue.messages.values())
