"""The MNS queue rules (core/queues.py): attributes, timing on the clock, receipt handles."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.queues import QueueStore, body_md5

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def store() -> QueueStore:
    queues = QueueStore()
    queues.create("q", {"VisibilityTimeout": 30}, T0)
    return queues


def code_of(exc: pytest.ExceptionInfo[EcsApiError]) -> tuple[str, int]:
    return exc.value.code, exc.value.status


def test_create_defaults_and_idempotent_create(store: QueueStore) -> None:
    queue = store.get("q")
    assert queue.attributes.maximum_message_size == 65536
    assert queue.attributes.message_retention_period == 345600
    assert store.create("q", {"VisibilityTimeout": 30}, at(5)) == (queue, False)
    with pytest.raises(EcsApiError) as exc:
        store.create("q", {"VisibilityTimeout": 31}, at(5))
    assert code_of(exc) == ("QueueAlreadyExist", 409)


@pytest.mark.parametrize(
    ("name", "value"),
    [("DelaySeconds", 604801), ("MaximumMessageSize", 1023), ("MessageRetentionPeriod", 59),
     ("VisibilityTimeout", 0), ("PollingWaitSeconds", 31)],
)  # fmt: skip
def test_attribute_ranges(name: str, value: int) -> None:
    with pytest.raises(EcsApiError) as exc:
        QueueStore().create("x", {name: value}, T0)
    assert code_of(exc) == ("InvalidArgument", 400)
    assert name in exc.value.message


def test_bad_queue_name_and_missing_queue() -> None:
    with pytest.raises(EcsApiError) as exc:
        QueueStore().create("-bad", {}, T0)
    assert code_of(exc) == ("InvalidArgument", 400)
    with pytest.raises(EcsApiError) as exc:
        QueueStore().send("nope", "x", T0)
    assert code_of(exc) == ("QueueNotExist", 404)


def test_visibility_timeout_expires_as_the_clock_moves(store: QueueStore) -> None:
    sent = store.send("q", "hello", T0)
    assert sent.body_md5 == body_md5("hello") == "5D41402ABC4B2A76B9719D911017C592"
    (first,) = store.receive("q", 1, at(1))
    assert first.dequeue_count == 1
    assert first.visible_at == at(31)
    with pytest.raises(EcsApiError) as exc:
        store.receive("q", 1, at(30))
    assert code_of(exc) == ("MessageNotExist", 404)
    (second,) = store.receive("q", 1, at(31))
    assert second.dequeue_count == 2
    assert second.first_dequeue_time == at(1)
    assert second.receipt_handle != first.receipt_handle
    # the first handle stopped holding the message when it became visible again
    with pytest.raises(EcsApiError) as exc:
        store.delete_message("q", first.receipt_handle or "", at(32))
    assert code_of(exc) == ("MessageNotExist", 404)
    store.delete_message("q", second.receipt_handle or "", at(32))
    assert store.messages("q", at(32)) == []


def test_stale_handle_after_the_timeout_even_before_a_new_receive(store: QueueStore) -> None:
    store.send("q", "x", T0)
    (got,) = store.receive("q", 1, T0)
    with pytest.raises(EcsApiError) as exc:
        store.delete_message("q", got.receipt_handle or "", at(30))
    assert code_of(exc) == ("MessageNotExist", 404)


@pytest.mark.parametrize("handle", ["", "garbage", "1-!!!", "1-MTAtMS0xLTE"])
def test_malformed_or_foreign_handle_is_a_receipt_handle_error(
    store: QueueStore, handle: str
) -> None:
    store.send("q", "x", T0)
    with pytest.raises(EcsApiError) as exc:
        store.delete_message("q", handle, T0)
    assert code_of(exc) == ("ReceiptHandleError", 400)


def test_delay_priority_and_retention(store: QueueStore) -> None:
    store.send("q", "late", T0, delay_seconds=10)
    store.send("q", "low", T0, priority=16)
    store.send("q", "high", T0, priority=1)
    snapshot = store.snapshot("q", T0)
    assert [m.body for m in snapshot.delayed] == ["late"]
    got = store.receive("q", 16, T0)
    assert [m.body for m in got] == ["high", "low"]
    (late,) = store.receive("q", 1, at(10))
    assert late.body == "late"
    # retention: gone after MessageRetentionPeriod, received or not
    store.set_attributes("q", {"MessageRetentionPeriod": 60}, at(10))
    store.send("q", "short-lived", at(10))
    assert "short-lived" in store.snapshot("q", at(69)).bodies
    assert "short-lived" not in store.snapshot("q", at(70)).bodies


def test_change_visibility_gives_a_new_handle(store: QueueStore) -> None:
    store.send("q", "x", T0)
    (got,) = store.receive("q", 1, T0)
    changed = store.change_visibility("q", got.receipt_handle or "", 100, at(5))
    assert changed.visible_at == at(105)
    assert changed.receipt_handle != got.receipt_handle
    with pytest.raises(EcsApiError) as exc:
        store.delete_message("q", got.receipt_handle or "", at(6))
    assert code_of(exc) == ("MessageNotExist", 404)
    with pytest.raises(EcsApiError) as exc:
        store.change_visibility("q", changed.receipt_handle or "", 43201, at(6))
    assert code_of(exc) == ("InvalidArgument", 400)
    assert store.snapshot("q", at(104)).in_flight[0].body == "x"
    store.delete_message("q", changed.receipt_handle or "", at(104))


def test_batches(store: QueueStore) -> None:
    with pytest.raises(EcsApiError):
        store.send_batch("q", [("ok", None, None), ("", None, None)], T0)
    assert store.messages("q", T0) == []  # all checked before any is sent
    store.send_batch("q", [(f"m{i}", None, None) for i in range(16)], T0)
    with pytest.raises(EcsApiError) as exc:
        store.receive("q", 17, T0)
    assert code_of(exc) == ("InvalidArgument", 400)
    got = store.receive("q", 16, T0)
    assert len(got) == 16
    handles = [m.receipt_handle or "" for m in got]
    failed = store.delete_batch("q", [*handles[:15], "garbage"], T0)
    assert [(h, e.code) for h, e in failed] == [("garbage", "ReceiptHandleError")]
    assert len(store.messages("q", T0)) == 1


def test_message_size_limit(store: QueueStore) -> None:
    store.set_attributes("q", {"MaximumMessageSize": 1024}, T0)
    store.send("q", "x" * 1024, T0)
    with pytest.raises(EcsApiError) as exc:
        store.send("q", "é" * 513, T0)  # 1026 bytes in UTF-8
    assert code_of(exc) == ("InvalidArgument", 400)


def test_list_queues_with_prefix_and_paging() -> None:
    store = QueueStore()
    for name in ("a1", "a2", "a3", "b1"):
        store.create(name, {}, T0)
    page, marker = store.list_queues("a", "", 2)
    assert [q.name for q in page] == ["a1", "a2"]
    assert marker == "a3"
    page, marker = store.list_queues("a", marker, 2)
    assert [q.name for q in page] == ["a3"]
    assert marker == ""
