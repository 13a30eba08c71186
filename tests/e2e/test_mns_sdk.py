"""The real MNS SDK (aliyun-mns-sdk) end to end: in process and over the loopback server."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("mns")

from mns.account import Account
from mns.mns_exception import MNSClientNetworkException, MNSServerException
from mns.queue import Message, QueueMeta

from pytest_ecs_events.simulator import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer

CREDENTIALS = {"mns-ak": "mns-secret"}


@pytest.fixture
def accounts() -> Iterator[list[Account]]:
    """Accounts made by a test; their keep-alive connections are closed at teardown."""
    made: list[Account] = []
    yield made
    for account in made:
        account.mns_client.close_connection()


def account_for(accounts: list[Account], url: str, key_id: str, secret: str) -> Account:
    account = Account(url, key_id, secret)
    accounts.append(account)
    return account


@pytest.fixture(params=["in-process", "server"])
def setup(
    request: pytest.FixtureRequest, accounts: list[Account]
) -> Iterator[tuple[EcsSimulator, Account]]:
    sim = EcsSimulator(now="2025-01-01T00:00:00Z", credentials=CREDENTIALS)
    if request.param == "in-process":
        with sim:
            yield sim, account_for(accounts, sim.mns_endpoint, "mns-ak", "mns-secret")
    else:
        with EcsServer(sim) as server:
            yield sim, account_for(accounts, server.url, "mns-ak", "mns-secret")
        assert server.errors == []


def attributes_of(queue: Any) -> Any:
    """get_attributes(): the SDK itself calls its deprecated ``active_messages`` setter."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return queue.get_attributes()


def make_queue(account: Account, name: str = "events", **attributes: int) -> Any:
    queue = account.get_queue(name)
    queue.set_encoding(False)
    meta = QueueMeta()
    for key, value in attributes.items():
        getattr(meta, f"set_{key}")(value)
    queue.create(meta)
    return queue


def test_send_receive_visibility_and_stale_handle(setup: tuple[EcsSimulator, Account]) -> None:
    sim, account = setup
    queue = make_queue(account, visibilitytimeout=60)
    sent = queue.send_message(Message("payload"))
    assert sent.message_body_md5 == "321C3CF486ED509164EDEC1E1981FEC8"
    first = queue.receive_message(1)
    assert (first.message_body, first.dequeue_count, first.priority) == ("payload", 1, 8)
    assert first.next_visible_time - first.enqueue_time == 60_000
    with pytest.raises(MNSServerException) as empty:
        queue.receive_message(0)
    assert empty.value.type == "MessageNotExist"
    assert sim.queue("events").in_flight[0].body == "payload"
    sim.advance("60s")  # the visibility timeout expires on the virtual clock
    second = queue.receive_message()
    assert second.dequeue_count == 2
    assert second.first_dequeue_time == first.first_dequeue_time
    with pytest.raises(MNSServerException) as stale:
        queue.delete_message(first.receipt_handle)
    assert stale.value.type == "MessageNotExist"
    with pytest.raises(MNSServerException) as bad:
        queue.delete_message("not-a-handle")
    assert bad.value.type == "ReceiptHandleError"
    queue.delete_message(second.receipt_handle)
    assert sim.queue("events").messages == ()


def test_change_visibility_and_peek(setup: tuple[EcsSimulator, Account]) -> None:
    sim, account = setup
    queue = make_queue(account)
    queue.send_message(Message("a"))
    peeked = queue.peek_message()
    assert (peeked.message_body, peeked.dequeue_count) == ("a", 0)
    got = queue.receive_message()
    changed = queue.change_message_visibility(got.receipt_handle, 300)
    assert changed.receipt_handle != got.receipt_handle
    sim.advance("299s")
    with pytest.raises(MNSServerException):
        queue.receive_message()
    with pytest.raises(MNSServerException) as old:
        queue.delete_message(got.receipt_handle)
    assert old.value.type == "MessageNotExist"
    queue.delete_message(changed.receipt_handle)


def test_batch_operations(setup: tuple[EcsSimulator, Account]) -> None:
    _sim, account = setup
    queue = make_queue(account)
    sent = queue.batch_send_message([Message(f"m{i}", priority=16 - i) for i in range(16)])
    assert len(sent) == 16
    assert len(queue.batch_peek_message(16)) == 16
    got = queue.batch_receive_message(16)
    assert [m.message_body for m in got][:2] == ["m15", "m14"]  # priority 1 first
    handles = [m.receipt_handle for m in got]
    queue.batch_delete_message(handles[:10])
    with pytest.raises(MNSServerException) as partial:
        queue.batch_delete_message([*handles[10:], "garbage"])
    errors = partial.value.sub_errors
    assert [e["ReceiptHandle"] for e in errors] == ["garbage"]
    assert errors[0]["ErrorCode"] == "ReceiptHandleError"
    assert attributes_of(queue).queue_name == "events"


def test_queue_management_and_errors(setup: tuple[EcsSimulator, Account]) -> None:
    sim, account = setup
    for name in ("alpha-1", "alpha-2", "alpha-3", "beta"):
        make_queue(account, name, delay_seconds=5)
    urls, marker = account.list_queue(prefix="alpha", ret_number=2)
    assert [u.rsplit("/", 1)[1] for u in urls] == ["alpha-1", "alpha-2"]
    assert marker == "alpha-3"
    urls, marker = account.list_queue(prefix="alpha", ret_number=2, marker=marker)
    assert [u.rsplit("/", 1)[1] for u in urls] == ["alpha-3"]
    assert marker == ""
    queue = account.get_queue("beta")
    meta = QueueMeta()
    meta.set_polling_wait_seconds(3)
    queue.set_attributes(meta)
    attributes = attributes_of(queue)
    assert (attributes.delay_seconds, attributes.polling_wait_seconds) == (5, 3)
    with pytest.raises(MNSServerException) as exists:
        queue.create(QueueMeta(vis_timeout=99))
    assert exists.value.type == "QueueAlreadyExist"
    queue.delete()
    with pytest.raises(MNSServerException) as gone:
        attributes_of(queue)
    assert gone.value.type == "QueueNotExist"
    assert [q.name for q in sim.queues] == ["alpha-1", "alpha-2", "alpha-3"]


def test_signature_checked(setup: tuple[EcsSimulator, Account], accounts: list[Account]) -> None:
    sim, account = setup
    make_queue(account)
    host = account.mns_client.host
    url = ("https://" if account.mns_client.is_https else "http://") + host
    for key_id, secret, code in [
        ("mns-ak", "wrong", "SignatureDoesNotMatch"),
        ("nobody", "x", "InvalidAccessKeyId"),
    ]:
        with pytest.raises(MNSServerException) as exc:
            attributes_of(account_for(accounts, url, key_id, secret).get_queue("events"))
        assert exc.value.type == code
    sim.credentials.clear()  # without credentials any AccessKey is served
    assert attributes_of(account_for(accounts, url, "anyone", "any").get_queue("events"))


def test_fail_next_for_mns_operations(setup: tuple[EcsSimulator, Account]) -> None:
    sim, account = setup
    queue = make_queue(account)
    sim.fail_next("ReceiveMessage", code="InternalError", status=500)
    queue.send_message(Message("x"))
    with pytest.raises(MNSServerException) as exc:
        queue.receive_message()
    assert exc.value.type == "InternalError"
    sim.fail_next("SendMessage", fault="reset")
    with pytest.raises(MNSClientNetworkException):
        queue.send_message(Message("y"))
    assert queue.receive_message().message_body == "x"
    actions = [c.action for c in sim.calls]
    assert actions.count("ReceiveMessage") == 2
    assert "CreateQueue" in actions


def test_long_poll_in_process_answers_at_once_without_moving_the_clock() -> None:
    with EcsSimulator(now="2025-01-01T00:00:00Z") as sim:
        queue = make_queue(Account(sim.mns_endpoint, "a", "b"))
        sim.send_message("events", "later", delay_seconds=10)
        before, started = sim.now, time.monotonic()
        with pytest.raises(MNSServerException) as exc:
            queue.receive_message(30)
        assert exc.value.type == "MessageNotExist"
        assert sim.now == before
        assert time.monotonic() - started < 5


def test_long_poll_over_the_server_waits_for_a_send(accounts: list[Account]) -> None:
    sim = EcsSimulator(now="2025-01-01T00:00:00Z")
    with EcsServer(sim) as server:
        queue = make_queue(account_for(accounts, server.url, "a", "b"))
        threading.Timer(0.3, sim.send_message, ("events", "woken")).start()
        started = time.monotonic()
        assert queue.receive_message(10).message_body == "woken"
        assert 0.2 < time.monotonic() - started < 5
        started = time.monotonic()
        with pytest.raises(MNSServerException):
            queue.receive_message(1)
        assert time.monotonic() - started >= 0.9


def test_other_mns_hosts_are_refused_not_leaked() -> None:
    from pytest_ecs_events.transports.endpoints import is_mns_host, is_simulated_host

    for host in (
        "123.mns.cn-hangzhou.aliyuncs.com",
        "123.mns.cn-hangzhou-internal.aliyuncs.com",
        "123.mns.cn-hangzhou-internal-vpc.aliyuncs.com:80",
    ):
        assert is_mns_host(host)
    assert is_simulated_host("123.mns.cn-beijing.aliyuncs.com")
    assert not is_mns_host("127.0.0.1:8080")
