"""Simulated MNS (Message Service) queues: the records and every operation on them.

A queue's timing (a message's delay, its visibility timeout, its retention period) is not
driven by timers: each message keeps the instants that decide its state, and every
operation reads them against the ``now`` it is given. So moving the virtual clock costs
nothing here, and a message's state is always the one its instants say (``docs/mns.md``).

Pure: no wire format (``pytest_ecs_events.mns`` renders and parses XML), no threads. The
caller holds the simulation's lock. Errors are :class:`EcsApiError` with MNS's codes and
HTTP statuses.
"""

from __future__ import annotations

import binascii
import hashlib
import heapq
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from .errors import EcsApiError

__all__ = [
    "ATTRIBUTE_RANGES",
    "DEFAULT_ATTRIBUTES",
    "MAX_BATCH",
    "QUEUE_ATTRIBUTE_NAMES",
    "Message",
    "Queue",
    "QueueAttributes",
    "QueueSnapshot",
    "QueueStore",
    "body_md5",
    "millis",
]

#: Each queue attribute's documented range (CreateQueue; docs/fidelity.md, "MNS queues").
ATTRIBUTE_RANGES: dict[str, tuple[int, int]] = {
    "DelaySeconds": (0, 604800),
    "MaximumMessageSize": (1024, 65536),
    "MessageRetentionPeriod": (60, 604800),
    "VisibilityTimeout": (1, 43200),
    "PollingWaitSeconds": (0, 30),
}
#: The documented defaults of CreateQueue.
DEFAULT_ATTRIBUTES: dict[str, int | bool] = {
    "DelaySeconds": 0,
    "MaximumMessageSize": 65536,
    "MessageRetentionPeriod": 345600,
    "VisibilityTimeout": 30,
    "PollingWaitSeconds": 0,
    "LoggingEnabled": False,
}
#: The handle's snake-case names of the queue attributes, and their wire names.
QUEUE_ATTRIBUTE_NAMES: dict[str, str] = {
    "delay_seconds": "DelaySeconds",
    "maximum_message_size": "MaximumMessageSize",
    "message_retention_period": "MessageRetentionPeriod",
    "visibility_timeout": "VisibilityTimeout",
    "polling_wait_seconds": "PollingWaitSeconds",
    "logging_enabled": "LoggingEnabled",
}
#: The most messages one batch call sends, receives, peeks or deletes.
MAX_BATCH = 16
PRIORITY_RANGE = (1, 16)
DEFAULT_PRIORITY = 8
#: Queue names: letters, digits and hyphens, starting with a letter or digit (ListQueue
#: pages by name, so the order is the names').
QUEUE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,255}")
_HANDLE_PREFIX = "1-"


def millis(at: datetime) -> int:
    """An instant as MNS's message times show it: Unix milliseconds."""
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return int(at.timestamp() * 1000)


def body_md5(body: str) -> str:
    """``MessageBodyMD5``: the MD5 of the body as sent (UTF-8), upper-case hex."""
    return hashlib.md5(body.encode("utf-8")).hexdigest().upper()


def _error(code: str, message: str, status: int) -> EcsApiError:
    return EcsApiError(code, message, status)


def queue_not_exist() -> EcsApiError:
    return _error("QueueNotExist", "The queue name you provided is not exist.", 404)


def message_not_exist() -> EcsApiError:
    return _error("MessageNotExist", "Message not exist.", 404)


def receipt_handle_error() -> EcsApiError:
    return _error("ReceiptHandleError", "The receipt handle you provide is not valid.", 400)


def invalid_argument(element: str, low: int, high: int, unit: str = "seconds") -> EcsApiError:
    return _error(
        "InvalidArgument", f"The value of {element} should between {low} and {high} {unit}.", 400
    )


@dataclass(frozen=True)
class QueueAttributes:
    """The settable attributes of a queue (CreateQueue, SetQueueAttributes)."""

    delay_seconds: int = 0
    maximum_message_size: int = 65536
    message_retention_period: int = 345600
    visibility_timeout: int = 30
    polling_wait_seconds: int = 0
    logging_enabled: bool = False

    def as_wire(self) -> dict[str, int | bool]:
        return {
            "DelaySeconds": self.delay_seconds,
            "MaximumMessageSize": self.maximum_message_size,
            "MessageRetentionPeriod": self.message_retention_period,
            "VisibilityTimeout": self.visibility_timeout,
            "PollingWaitSeconds": self.polling_wait_seconds,
            "LoggingEnabled": self.logging_enabled,
        }

    @classmethod
    def from_wire(cls, values: dict[str, int | bool]) -> QueueAttributes:
        return cls(
            delay_seconds=int(values["DelaySeconds"]),
            maximum_message_size=int(values["MaximumMessageSize"]),
            message_retention_period=int(values["MessageRetentionPeriod"]),
            visibility_timeout=int(values["VisibilityTimeout"]),
            polling_wait_seconds=int(values["PollingWaitSeconds"]),
            logging_enabled=bool(values["LoggingEnabled"]),
        )


def check_attributes(values: dict[str, Any]) -> dict[str, int | bool]:
    """Wire-named attributes (ints, LoggingEnabled a bool), each in its documented range."""
    checked: dict[str, int | bool] = {}
    for name, value in values.items():
        if name == "LoggingEnabled":
            if not isinstance(value, bool):
                raise _error("InvalidArgument", "LoggingEnabled should be True or False.", 400)
            checked[name] = value
            continue
        if name not in ATTRIBUTE_RANGES:
            raise _error("InvalidArgument", f"Unknown queue attribute {name}.", 400)
        low, high = ATTRIBUTE_RANGES[name]
        unit = "bytes" if name == "MaximumMessageSize" else "seconds"
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise invalid_argument(name, low, high, unit)
        checked[name] = value
    return checked


@dataclass
class Message:
    """One message of a queue, with the instants that decide its state."""

    message_id: str
    body: str
    body_md5: str
    priority: int
    #: Order of arrival in the account (ties of priority go first in, first out).
    seq: int
    enqueue_time: datetime
    #: Before this instant the message is delayed (never received) or inactive (received).
    visible_at: datetime
    #: At this instant the message is gone, received or not (MessageRetentionPeriod).
    expires_at: datetime
    dequeue_count: int = 0
    first_dequeue_time: datetime | None = None
    #: The handle of the latest receive (or visibility change); valid before ``visible_at``.
    receipt_handle: str | None = None

    def state(self, now: datetime) -> str:
        """``"active"``, ``"inactive"`` (received, invisible) or ``"delayed"``."""
        if now >= self.visible_at:
            return "active"
        return "inactive" if self.dequeue_count else "delayed"


@dataclass
class Queue:
    """One queue: its attributes and its messages (by sequence number).

    Three indexes keep a send and a receive O(log n) in the queue's depth: a heap of
    expiry instants (purging pops what has expired), a heap of the instants at which
    delayed and inactive messages turn visible, and a heap of the visible ones by
    ``(priority, seq)`` (what a receive hands out first). Heap entries are checked against
    the message when popped (a message deleted, expired or hidden again since leaves its
    entry behind). The visible heap holds every message visible at ``_as_of`` and no other
    (an operation at an earlier ``now`` rebuilds the heaps). Add messages with
    :meth:`add`, never into ``messages`` directly."""

    name: str
    serial: int
    attributes: QueueAttributes
    create_time: datetime
    last_modify_time: datetime
    messages: dict[int, Message] = field(default_factory=dict)
    _expiry: list[tuple[datetime, int]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _waiting: list[tuple[datetime, int]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _visible: list[tuple[int, int]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    #: The seqs with an entry in ``_visible`` (one entry per message at most).
    _visible_seqs: set[int] = field(default_factory=set, init=False, repr=False, compare=False)
    _as_of: datetime | None = field(default=None, init=False, repr=False, compare=False)

    def counts(self, now: datetime) -> dict[str, int]:
        """ActiveMessages, InactiveMessages and DelayMessages at ``now``."""
        counts = {"active": 0, "inactive": 0, "delayed": 0}
        for message in self.messages.values():
            counts[message.state(now)] += 1
        return counts

    def add(self, message: Message) -> None:
        """Put ``message`` into the queue (and its indexes)."""
        self.messages[message.seq] = message
        heapq.heappush(self._expiry, (message.expires_at, message.seq))
        self.place(message)

    def place(self, message: Message) -> None:
        """Index ``message`` by its (new) ``visible_at``."""
        seq = message.seq
        as_of = self._as_of
        if as_of is not None and message.visible_at <= as_of:
            if seq not in self._visible_seqs:
                self._visible_seqs.add(seq)
                heapq.heappush(self._visible, (message.priority, seq))
        else:
            heapq.heappush(self._waiting, (message.visible_at, seq))

    def purge(self, now: datetime) -> None:
        """Drop every message expired at ``now``."""
        expiry, messages = self._expiry, self.messages
        while expiry and expiry[0][0] <= now:
            at, seq = heapq.heappop(expiry)
            message = messages.get(seq)
            if message is not None and message.expires_at == at:
                del messages[seq]
                self._visible_seqs.discard(seq)

    def _sync(self, now: datetime) -> None:
        """Bring the visible heap to ``now``: every message visible at ``now`` in it."""
        as_of = self._as_of
        if as_of is not None and now < as_of:
            self._rebuild(now)
            return
        waiting, visible, seen, messages = (
            self._waiting,
            self._visible,
            self._visible_seqs,
            self.messages,
        )
        while waiting and waiting[0][0] <= now:
            at, seq = heapq.heappop(waiting)
            message = messages.get(seq)
            if message is not None and message.visible_at == at and seq not in seen:
                seen.add(seq)
                heapq.heappush(visible, (message.priority, seq))
        self._as_of = now

    def _rebuild(self, now: datetime) -> None:
        self._visible = [(m.priority, m.seq) for m in self.messages.values() if now >= m.visible_at]
        heapq.heapify(self._visible)
        self._visible_seqs = {seq for _, seq in self._visible}
        self._waiting = [
            (m.visible_at, m.seq) for m in self.messages.values() if now < m.visible_at
        ]
        heapq.heapify(self._waiting)
        self._as_of = now

    def take_active(self, count: int, now: datetime) -> list[Message]:
        """Remove from the visible heap and return the first ``count`` messages visible at
        ``now``, by priority then arrival; the caller hides them or puts them back with
        :meth:`place`."""
        self.purge(now)
        self._sync(now)
        visible, seen, messages = self._visible, self._visible_seqs, self.messages
        chosen: list[Message] = []
        while visible and len(chosen) < count:
            _, seq = heapq.heappop(visible)
            seen.discard(seq)
            message = messages.get(seq)
            if message is not None:
                chosen.append(message)
        return chosen


@dataclass(frozen=True)
class QueueSnapshot:
    """A queue as it was at ``now`` (``ecs_sim.queue(name)``): copies, safe to keep."""

    name: str
    attributes: QueueAttributes
    now: datetime
    #: Every message not deleted or expired, in order of arrival.
    messages: tuple[Message, ...]

    def _in(self, state: str) -> list[Message]:
        return [m for m in self.messages if m.state(self.now) == state]

    @property
    def active(self) -> list[Message]:
        """Messages a receive would get now."""
        return self._in("active")

    @property
    def in_flight(self) -> list[Message]:
        """Received and not deleted, invisible until their ``visible_at``."""
        return self._in("inactive")

    @property
    def delayed(self) -> list[Message]:
        """Sent with a delay that has not passed yet."""
        return self._in("delayed")

    @property
    def bodies(self) -> list[str]:
        return [m.body for m in self.messages]

    def dequeue_counts(self) -> dict[str, int]:
        """Each message's DequeueCount, by MessageId."""
        return {m.message_id: m.dequeue_count for m in self.messages}


class QueueStore:
    """The account's queues, and the MNS operations on them at a given ``now``."""

    def __init__(self) -> None:
        self._queues: dict[str, Queue] = {}
        self._serial = 0
        self._seq = 0
        self._handles = 0
        #: Bumped by every change a waiting receiver may care about (long polling).
        self.version = 0
        self._timing: tuple[QueueAttributes, timedelta, timedelta, timedelta] | None = None
        #: ``millis`` of the last ``now`` a send was given (the clock often stands still).
        self._millis_at: datetime | None = None
        self._millis = 0

    # -- queues -------------------------------------------------------------------------
    def __bool__(self) -> bool:
        return bool(self._queues)

    def __contains__(self, name: object) -> bool:
        return name in self._queues

    def note_restored(self, *, serial: int = 0, seq: int = 0) -> None:
        """Keep later queue serials and message numbers above a restored queue's and
        message's (a scenario being loaded)."""
        self._serial = max(self._serial, serial)
        self._seq = max(self._seq, seq)

    @property
    def last_seq(self) -> int:
        """The number of the last message sent (the next one gets a higher one)."""
        return self._seq

    def names(self) -> list[str]:
        return sorted(self._queues)

    def get(self, name: str) -> Queue:
        queue = self._queues.get(name)
        if queue is None:
            raise queue_not_exist()
        return queue

    def create(self, name: str, attributes: dict[str, Any], now: datetime) -> tuple[Queue, bool]:
        """Create ``name``; ``(queue, True)`` if new, ``(queue, False)`` if it exists with
        the same attributes (the API's 204), ``QueueAlreadyExist`` if with others."""
        check_name(name)
        values = {**DEFAULT_ATTRIBUTES, **check_attributes(attributes)}
        wanted = QueueAttributes.from_wire(values)
        existing = self._queues.get(name)
        if existing is not None:
            if existing.attributes == wanted:
                return existing, False
            raise _error("QueueAlreadyExist", "The queue you want to create is already exist.", 409)
        self._serial += 1
        queue = Queue(name, self._serial, wanted, now, now)
        self._queues[name] = queue
        return queue, True

    def set_attributes(self, name: str, attributes: dict[str, Any], now: datetime) -> Queue:
        queue = self.get(name)
        values = {**queue.attributes.as_wire(), **check_attributes(attributes)}
        queue.attributes = QueueAttributes.from_wire(values)
        queue.last_modify_time = now
        return queue

    def delete(self, name: str) -> None:
        self.get(name)
        del self._queues[name]
        self.version += 1

    def list_queues(
        self, prefix: str = "", marker: str = "", limit: int = 1000
    ) -> tuple[list[Queue], str]:
        """The queues named ``prefix...`` from ``marker`` on (names in order), at most
        ``limit``, and the marker of the next page ("" on the last)."""
        if not 1 <= limit <= 1000:
            raise invalid_argument("x-mns-ret-number", 1, 1000, "")
        names = [n for n in sorted(self._queues) if n.startswith(prefix) and n >= marker]
        page = names[:limit]
        following = names[limit] if len(names) > limit else ""
        return [self._queues[n] for n in page], following

    # -- messages -----------------------------------------------------------------------
    def _purge(self, queue: Queue, now: datetime) -> None:
        queue.purge(now)

    def check_message(
        self, queue: Queue, body: str, delay: int | None, priority: int | None
    ) -> None:
        """Everything SendMessage refuses, without sending (BatchSendMessage checks all first)."""
        size = len(body.encode("utf-8"))
        if not body or size > queue.attributes.maximum_message_size:
            high = queue.attributes.maximum_message_size
            raise _error(
                "InvalidArgument",
                f"The length of MessageBody should between 1 and {high} bytes.",
                400,
            )
        if delay is not None:
            low, high = ATTRIBUTE_RANGES["DelaySeconds"]
            if not low <= delay <= high:
                raise invalid_argument("DelaySeconds", low, high)
        if priority is not None and not PRIORITY_RANGE[0] <= priority <= PRIORITY_RANGE[1]:
            raise _error("InvalidArgument", "The value of Priority should between 1 and 16.", 400)

    def send(
        self,
        name: str,
        body: str,
        now: datetime,
        *,
        delay_seconds: int | None = None,
        priority: int | None = None,
    ) -> Message:
        """Put a message into queue ``name`` at ``now`` (the virtual time it arrives).

        ``delay_seconds`` (default: the queue's DelaySeconds) keeps it delayed that long;
        ``priority`` 1 (first) to 16, default 8. The one core entry point for every producer:
        SendMessage, BatchSendMessage, and anything the simulation delivers itself.
        """
        queue = self.get(name)
        self.check_message(queue, body, delay_seconds, priority)
        return self._send(queue, body, now, delay_seconds, priority)

    def receive_one(self, name: str, now: datetime) -> Message:
        """``receive(name, 1, now)[0]``, but the message itself rather than a copy (read it
        before the lock is released): what ReceiveMessage as the MNS SDK sends it needs."""
        return self._receive(self.get(name), 1, now)[0]

    def _timing_of(
        self, attributes: QueueAttributes
    ) -> tuple[QueueAttributes, timedelta, timedelta, timedelta]:
        """The queue's delay, retention and visibility timeout as ``timedelta``s (kept for
        the last attributes asked: a frozen object)."""
        timing = self._timing
        if timing is None or timing[0] is not attributes:
            self._timing = timing = (
                attributes,
                timedelta(seconds=attributes.delay_seconds),
                timedelta(seconds=attributes.message_retention_period),
                timedelta(seconds=attributes.visibility_timeout),
            )
        return timing

    def send_batch(
        self, name: str, entries: list[tuple[str, int | None, int | None]], now: datetime
    ) -> list[Message]:
        """``(body, delay_seconds, priority)`` each; all checked before any is sent."""
        queue = self.get(name)
        if not 1 <= len(entries) <= MAX_BATCH:
            raise _error(
                "InvalidArgument", f"The count of message should between 1 and {MAX_BATCH}.", 400
            )
        for body, delay, priority in entries:
            self.check_message(queue, body, delay, priority)
        return [self._send(queue, b, now, d, p) for b, d, p in entries]

    def _send(
        self, queue: Queue, body: str, now: datetime, delay: int | None, priority: int | None
    ) -> Message:
        queue.purge(now)
        self._seq = seq = self._seq + 1
        timing = self._timing_of(queue.attributes)  # the same timedeltas, kept
        if now is not self._millis_at:
            self._millis_at, self._millis = now, millis(now)
        message = Message(
            f"{queue.serial:016X}-1-{self._millis:X}-{seq:09d}",
            body,
            body_md5(body),
            DEFAULT_PRIORITY if priority is None else priority,
            seq,
            now,
            now + (timing[1] if delay is None else timedelta(seconds=delay)),
            now + timing[2],
        )
        queue._sync(now)  # a message visible at once goes straight to the visible heap
        queue.add(message)
        self.version += 1
        return message

    def receive(self, name: str, count: int, now: datetime) -> list[Message]:
        """Up to ``count`` active messages, highest priority first, each made inactive for
        the queue's VisibilityTimeout with a new receipt handle. Returns copies."""
        queue = self.get(name)
        check_batch_size(count)
        return [_copy(m) for m in self._receive(queue, count, now)]

    def _receive(self, queue: Queue, count: int, now: datetime) -> list[Message]:
        """:meth:`receive`'s change, returning the messages themselves."""
        chosen = queue.take_active(count, now)
        if not chosen:
            raise message_not_exist()
        timeout = self._timing_of(queue.attributes)[3]
        for message in chosen:
            message.dequeue_count += 1
            if message.first_dequeue_time is None:
                message.first_dequeue_time = now
            message.visible_at = now + timeout
            message.receipt_handle = self._new_handle(queue, message)
            queue.place(message)
        self.version += 1
        return chosen

    def peek(self, name: str, count: int, now: datetime) -> list[Message]:
        """Up to ``count`` active messages, as they are (nothing changes). Copies."""
        queue = self.get(name)
        check_batch_size(count)
        chosen = queue.take_active(count, now)
        for message in chosen:
            queue.place(message)
        if not chosen:
            raise message_not_exist()
        return [_copy(m) for m in chosen]

    def _new_handle(self, queue: Queue, message: Message) -> str:
        self._handles += 1
        raw = f"{queue.serial}-{message.seq}-{message.dequeue_count}-{self._handles}".encode()
        # base64.urlsafe_b64encode's steps, without its two Python-level calls
        encoded = binascii.b2a_base64(raw, newline=False).translate(_URLSAFE)
        return _HANDLE_PREFIX + encoded.decode().rstrip("=")

    def _held(self, queue: Queue, handle: str, now: datetime) -> Message:
        """The message ``handle`` holds now: ``ReceiptHandleError`` for a handle that is not
        one of this queue's, ``MessageNotExist`` for one that no longer holds its message
        (deleted, expired, visible again, or received again since)."""
        seq = _handle_message(handle, queue.serial)
        self._purge(queue, now)
        message = queue.messages.get(seq)
        if message is None or message.receipt_handle != handle or now >= message.visible_at:
            raise message_not_exist()
        return message

    def delete_message(self, name: str, handle: str, now: datetime) -> None:
        queue = self.get(name)
        message = self._held(queue, handle, now)
        del queue.messages[message.seq]
        self.version += 1

    def delete_one(self, name: str, handle: str, now: datetime) -> bool:
        """``delete_message(name, handle, now)`` when it would succeed (True); False, with
        nothing changed (not even the purge), when it would raise: what DeleteMessage as the
        MNS SDK sends it needs (the error is the general route's to answer). Held equal to
        :meth:`delete_message` by tests/property/test_queue_single.py."""
        queue = self._queues.get(name)
        if queue is None:
            return False
        try:
            seq = _handle_message(handle, queue.serial)
        except EcsApiError:
            return False
        message = queue.messages.get(seq)
        if (
            message is None
            or message.receipt_handle != handle
            or now >= message.visible_at
            or message.expires_at <= now  # the purge would drop it: MessageNotExist
        ):
            return False
        expiry = queue._expiry
        if expiry and expiry[0][0] <= now:  # _held's purge (it never drops this message)
            queue.purge(now)
        del queue.messages[seq]
        self.version += 1
        return True

    def delete_batch(
        self, name: str, handles: list[str], now: datetime
    ) -> list[tuple[str, EcsApiError]]:
        """Delete each handle's message; the ones that failed, with their errors (the API
        deletes the others: the batch is not all-or-nothing)."""
        queue = self.get(name)
        if not 1 <= len(handles) <= MAX_BATCH:
            raise _error(
                "InvalidArgument",
                f"The count of receipt handle should between 1 and {MAX_BATCH}.",
                400,
            )
        failed: list[tuple[str, EcsApiError]] = []
        for handle in handles:
            try:
                message = self._held(queue, handle, now)
            except EcsApiError as exc:
                failed.append((handle, exc))
                continue
            del queue.messages[message.seq]
        self.version += 1
        return failed

    def change_visibility(
        self, name: str, handle: str, visibility_timeout: int, now: datetime
    ) -> Message:
        """Make the held message visible ``visibility_timeout`` seconds from ``now``, with a
        new receipt handle (the old one stops holding it). Returns a copy."""
        queue = self.get(name)
        low, high = ATTRIBUTE_RANGES["VisibilityTimeout"]
        if not low <= visibility_timeout <= high:
            raise invalid_argument("VisibilityTimeout", low, high)
        message = self._held(queue, handle, now)
        message.visible_at = now + timedelta(seconds=visibility_timeout)
        message.receipt_handle = self._new_handle(queue, message)
        queue._sync(now)
        queue.place(message)
        self.version += 1
        return _copy(message)

    def snapshot(self, name: str, now: datetime) -> QueueSnapshot:
        queue = self.get(name)
        return QueueSnapshot(name, queue.attributes, now, tuple(self.messages(name, now)))

    def messages(self, name: str, now: datetime) -> list[Message]:
        """Every message of the queue not expired at ``now``, in order of arrival (copies)."""
        queue = self.get(name)
        self._purge(queue, now)
        return [replace(m) for m in sorted(queue.messages.values(), key=lambda m: m.seq)]


_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _copy(message: Message) -> Message:
    """``dataclasses.replace(message)``: a copy with the same fields (it has no
    ``__post_init__`` and every field is an ``__init__`` one), made without calling
    ``__init__`` by keyword."""
    copy = object.__new__(Message)
    copy.__dict__.update(message.__dict__)
    return copy


def check_name(name: str) -> None:
    if not isinstance(name, str) or QUEUE_NAME.fullmatch(name) is None:
        raise _error(
            "InvalidArgument",
            "The queue name should start with a letter or digit, contain only letters, "
            "digits and hyphens, and be at most 256 characters long.",
            400,
        )


def check_batch_size(count: int) -> None:
    if not 1 <= count <= MAX_BATCH:
        raise invalid_argument("numOfMessages", 1, MAX_BATCH, "")


def _handle_message(handle: str, serial: int) -> int:
    """The message sequence number in a receipt handle of queue ``serial``."""
    if not isinstance(handle, str) or not handle.startswith(_HANDLE_PREFIX):
        raise receipt_handle_error()
    encoded = handle[len(_HANDLE_PREFIX) :]
    try:
        # base64.urlsafe_b64decode's steps (a non-ASCII str raises a ValueError there, a
        # UnicodeEncodeError here), without its Python-level calls
        padded = (encoded + "=" * (-len(encoded) % 4)).encode("ascii")
        raw = binascii.a2b_base64(padded.translate(_FROM_URLSAFE)).decode("ascii")
        queue_serial, seq, _count, _n = map(int, raw.split("-"))
    except (binascii.Error, UnicodeError, ValueError):
        raise receipt_handle_error() from None
    if queue_serial != serial:
        raise receipt_handle_error()
    return seq
