"""One MNS request, from method and target to status, headers and XML body.

Routes (the REST paths of the MNS API, version 2015-06-06):

=======  ==================================  ===========================================
method   target                              operation
=======  ==================================  ===========================================
PUT      /queues/<name>                      CreateQueue (``?metaoverride=true``: Set...)
GET      /queues/<name>                      GetQueueAttributes
DELETE   /queues/<name>                      DeleteQueue
GET      /queues                             ListQueue (x-mns-prefix, -marker, -ret-number)
POST     /queues/<name>/messages             SendMessage / BatchSendMessage (by the body)
GET      /queues/<name>/messages             ReceiveMessage / BatchReceiveMessage
                                             (``numOfMessages``), ``peekonly=true``: Peek
DELETE   /queues/<name>/messages             DeleteMessage (``ReceiptHandle``) / batch
PUT      /queues/<name>/messages             ChangeMessageVisibility
=======  ==================================  ===========================================

Long polling: a receive that finds no message waits only if the transport gives a
``waiter`` (the loopback server: wall-clock seconds, woken by a send). In process there is
no waiting and the clock does not move: the answer is ``MessageNotExist`` at once
(``docs/mns.md``, "Long polling").
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ..api.calls import ApiCall
from ..api.dispatch import EcsApi
from ..api.faults import TRANSPORT_FAULTS, TransportFault
from ..api.registry import OTHER_PRODUCT_ACTIONS
from ..api.speedups.frozen_init import one_step_init
from ..api.speedups.request_ids import new_mns_request_id as new_request_id
from ..core.errors import EcsApiError
from ..core.queues import (
    MAX_BATCH,
    Message,
    Queue,
    invalid_argument,
    millis,
)
from ..core.simulation import Simulation
from . import xmlio
from .signature import check_signature, content_md5_ok, signature_of

__all__ = ["API_VERSION", "OPERATIONS", "MnsReply", "MnsRequest", "MnsService"]

API_VERSION = "2015-06-06"
XML_CONTENT_TYPE = "text/xml;charset=utf-8"
#: Every MNS operation the simulator answers (``fail_next`` accepts these names).
OPERATIONS = (
    "CreateQueue", "SetQueueAttributes", "GetQueueAttributes", "DeleteQueue", "ListQueue",
    "SendMessage", "BatchSendMessage", "ReceiveMessage", "BatchReceiveMessage",
    "PeekMessage", "BatchPeekMessage", "DeleteMessage", "BatchDeleteMessage",
    "ChangeMessageVisibility",
)  # fmt: skip
OTHER_PRODUCT_ACTIONS.update(OPERATIONS)

#: How often a waiting receive looks again without being woken (a message the simulation
#: delivers itself, or one made visible by the clock, does not wake it).
POLL_INTERVAL = 0.05


@one_step_init  # one per call: see api/speedups/frozen_init.py
@dataclass(frozen=True)
class MnsRequest:
    """An MNS request as it came: ``target`` is the path and query as sent (it is signed)."""

    method: str
    target: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    host: str = ""

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> dict[str, str]:
        """The query; values are percent-decoded but a ``+`` stays a ``+`` (the SDK puts
        receipt handles in the query unencoded). Parsed once (routing, serving and the
        record all read it): treat it as read-only."""
        kept: dict[str, str] | None = self.__dict__.get("_query")
        if kept is not None:
            return kept
        raw = self.target.partition("?")[2]
        if not raw:
            query: dict[str, str] = {}
        else:
            pairs = (part.partition("=") for part in raw.split("&") if part)
            # unquote returns a string without "%" as it is
            if "%" in raw:
                query = {unquote(k): unquote(v) for k, _, v in pairs}
            else:
                query = {k: v for k, _, v in pairs}
        self.__dict__["_query"] = query  # not a field: equality and repr stay the fields'
        return query


@dataclass
class MnsReply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    operation: str = ""
    error_code: str | None = None


#: The headers the MNS SDK sets on a SendMessage and a ReceiveMessage (``Connection`` when
#: it keeps the connection alive), as ``MnsService.quick`` takes them.
_GET_HEADERS = frozenset(("x-mns-version", "host", "date", "user-agent", "Authorization"))
_GET_HEADERS_KEPT_ALIVE = _GET_HEADERS | {"Connection"}
_SEND_HEADERS = _GET_HEADERS | {"content-md5", "content-type"}
_SEND_HEADERS_KEPT_ALIVE = _SEND_HEADERS | {"Connection"}

#: Waits up to the seconds given for a message; returns False to stop waiting.
Waiter = Callable[[float], bool]


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise invalid_argument(name, low, high, "") from None
    if not low <= number <= high:
        raise invalid_argument(name, low, high, "")
    return number


def _attributes(body: bytes) -> dict[str, Any]:
    """CreateQueue / SetQueueAttributes body: wire names to ints (LoggingEnabled a bool)."""
    if not body.strip():
        return {}
    items = xmlio.text_items(xmlio.parse(body, ("Queue",)))
    values: dict[str, Any] = {}
    for name, text in items.items():
        if name == "LoggingEnabled":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise EcsApiError("InvalidArgument", "LoggingEnabled should be True or False.", 400)
            values[name] = lowered == "true"
        else:
            try:
                values[name] = int(text.strip())
            except ValueError:
                raise EcsApiError(
                    "InvalidArgument", f"The value of {name} should be an integer.", 400
                ) from None
    return values


def _message_fields(items: Mapping[str, str]) -> tuple[str, int | None, int | None]:
    body = items.get("MessageBody", "")
    numbers: list[int | None] = []
    for name in ("DelaySeconds", "Priority"):
        text = items.get(name)
        if text is None or text.strip() == "":
            numbers.append(None)
            continue
        try:
            numbers.append(int(text.strip()))
        except ValueError:
            raise EcsApiError(
                "InvalidArgument", f"The value of {name} should be an integer.", 400
            ) from None
    return body, numbers[0], numbers[1]


def _received_values(message: Message) -> tuple[str, str, str, str, int, int, int, int, int]:
    """:func:`_received`'s values in its order, for :func:`xmlio.message_document`."""
    enqueued = millis(message.enqueue_time)
    first = message.first_dequeue_time
    return (
        message.message_id,
        message.receipt_handle or "",
        message.body_md5,
        message.body,
        enqueued,
        millis(message.visible_at),
        enqueued if first is None or first == message.enqueue_time else millis(first),
        message.dequeue_count,
        message.priority,
    )


def _received(message: Message) -> dict[str, str | int]:
    return {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle or "",
        "MessageBodyMD5": message.body_md5,
        "MessageBody": message.body,
        "EnqueueTime": millis(message.enqueue_time),
        "NextVisibleTime": millis(message.visible_at),
        "FirstDequeueTime": millis(message.first_dequeue_time or message.enqueue_time),
        "DequeueCount": message.dequeue_count,
        "Priority": message.priority,
    }


def _peeked(message: Message) -> dict[str, str | int]:
    return {
        "MessageId": message.message_id,
        "MessageBodyMD5": message.body_md5,
        "MessageBody": message.body,
        "EnqueueTime": millis(message.enqueue_time),
        "FirstDequeueTime": millis(message.first_dequeue_time or message.enqueue_time),
        "DequeueCount": message.dequeue_count,
        "Priority": message.priority,
    }


class MnsService:
    """The MNS API of one simulated account: queues in ``sim.queues``, faults and the call
    record shared with the ECS API (``api``), signatures checked against ``credentials``."""

    def __init__(self, sim: Simulation, api: EcsApi, credentials: Mapping[str, str]) -> None:
        self.sim = sim
        self.api = api
        self.credentials = credentials
        self._sent = threading.Condition()
        #: Receivers inside :meth:`wait_for_message`: a send with none skips the notify.
        self._waiting = 0

    # -- the request ----------------------------------------------------------------------
    def handle(self, request: MnsRequest, *, waiter: Waiter | None = None) -> MnsReply:
        """Answer one request. ``waiter(seconds)`` lets a receive wait for a message (the
        server passes one); raises :class:`TransportFault` for an injected transport fault."""
        request_id = new_request_id()
        operation, queue_name = "(none)", ""
        try:
            operation, queue_name = self._route(request)
            api = self.api
            fault = api._take_fault(operation, transport=True) if api.faults else None
            if fault is not None:
                call = self._record(request, operation, queue_name, 0, fault.code, request_id)
                raise TransportFault(fault.transport or "timeout", call)
            self._authenticate(request)
            fault = api._take_fault(operation) if api.faults else None
            if fault is not None:
                raise EcsApiError(fault.code, fault.message, fault.status)
            status, body, headers = self._serve(operation, queue_name, request, waiter)
            reply = MnsReply(status, body, headers, operation)
        except EcsApiError as exc:
            reply = MnsReply(
                exc.status,
                xmlio.document(
                    "Error",
                    {
                        "Code": exc.code,
                        "Message": exc.message,
                        "RequestId": request_id,
                        "HostId": f"http://{request.host}",
                    },
                ),
                {},
                operation,
                exc.code,
            )
        except _BatchDeleteFailed as failed:
            reply = MnsReply(404, failed.body, {}, operation, failed.code)
        except TransportFault:
            raise
        except Exception as exc:  # a bug of ours: answer like the service, and keep it
            self.api.internal_errors.append(exc)
            reply = MnsReply(
                500,
                xmlio.document(
                    "Error",
                    {
                        "Code": "InternalError",
                        "Message": f"Interal error. (simulator bug: {type(exc).__name__}: {exc})",
                        "RequestId": request_id,
                        "HostId": f"http://{request.host}",
                    },
                ),
                {},
                operation,
                "InternalError",
            )
        headers = reply.headers  # in this order after the operation's own (Location)
        headers["x-mns-request-id"] = request_id
        headers["x-mns-version"] = API_VERSION
        headers["Content-Type"] = XML_CONTENT_TYPE
        self._record(request, operation, queue_name, reply.status, reply.error_code, request_id)
        return reply

    def quick(
        self, method: str, target: str, header: Mapping[str, Any], data: Any, host: str
    ) -> tuple[int, dict[str, str], str] | None:
        """SendMessage, ReceiveMessage or DeleteMessage in the exact shape the MNS SDK sends
        them, answered in one pass: ``(status, headers, body text)``, the reply and record
        :meth:`handle` gives; ``None`` (nothing taken, nothing changed) for any other shape
        and for any request that :meth:`handle` would answer with an error, so errors come
        from the one general route. Held equal to :meth:`handle` by
        tests/property/test_mns_quick.py."""
        if self.api.faults or not target.startswith("/queues/"):
            return None
        path, _, raw_query = target.partition("?")
        name, _, tail = path[8:].partition("/")
        if tail != "messages" or not name or "%" in name:
            return None
        keys = header.keys()
        if method == "POST":
            if keys != _SEND_HEADERS and keys != _SEND_HEADERS_KEPT_ALIVE:
                return None
            if raw_query or type(data) is not bytes or not data or b"<Messages" in data:
                return None
            md5 = header["content-md5"]
            content_type = header["content-type"]
        elif method == "GET":
            if data != "" or (keys != _GET_HEADERS and keys != _GET_HEADERS_KEPT_ALIVE):
                return None
            md5 = content_type = ""
            if raw_query:
                if not raw_query.startswith("waitseconds="):
                    return None
                wait = raw_query[12:]
                if not (wait.isascii() and wait.isdigit() and int(wait) <= 30):
                    return None
        elif method == "DELETE":  # DeleteMessage: the handle as the SDK puts it, unencoded
            if data != "" or (keys != _GET_HEADERS and keys != _GET_HEADERS_KEPT_ALIVE):
                return None
            if not raw_query.startswith("ReceiptHandle=") or "&" in raw_query or "%" in raw_query:
                return None
            md5 = content_type = ""
        else:
            return None
        version, date, authorization = (
            header["x-mns-version"],
            header["date"],
            header["Authorization"],
        )
        if type(version) is not str or type(date) is not str or type(authorization) is not str:
            return None
        if type(md5) is not str or type(content_type) is not str:
            return None
        # check_signature's steps, for the one x-mns-* header the SDK's shape has
        scheme, _, rest = authorization.partition(" ")
        access_key_id, colon, signature = rest.strip().partition(":")
        if scheme != "MNS" or not colon or not access_key_id or not signature:
            return None
        if not signature.isascii():  # never a match: the general route answers it
            return None
        credentials = self.credentials
        if credentials:
            secret = credentials.get(access_key_id)
            if secret is None:
                return None
            signed = f"{method}\n{md5}\n{content_type}\n{date}\nx-mns-version:{version}\n{target}"
            if not hmac.compare_digest(signature_of(secret, signed), signature):
                return None
        sim = self.sim
        if method == "POST":
            if not content_md5_ok(md5, data):  # the SDK's form is the one it tries first
                return None
            body = xmlio.sdk_message_body(data)
            delay = priority = None
            try:
                if body is None:
                    items = xmlio.flat_items(data, ("Message",))
                    if len(items) == 1 and "MessageBody" in items:  # what the SDK sends
                        body = items["MessageBody"]
                    else:
                        body, delay, priority = _message_fields(items)
            except Exception:  # an error (or a bug) is the general route's to answer
                return None
            try:
                with sim.lock:
                    message = sim.queues.send(
                        name, body, sim.clock.now, delay_seconds=delay, priority=priority
                    )
            except EcsApiError:
                return None
            if self._waiting:
                self._wake()
            request_id = new_request_id()
            status, operation, params = 201, "SendMessage", {"QueueName": name}
            # xmlio.sent_text without its escaping: a new message's id and MD5 are hex digits
            text = (
                f"{xmlio.MESSAGE_HEAD}<MessageId>{message.message_id}</MessageId>"
                f"<MessageBodyMD5>{message.body_md5}</MessageBodyMD5></Message>"
            )
        elif method == "DELETE":
            handle = raw_query[14:]
            with sim.lock:
                if not sim.queues.delete_one(name, handle, sim.clock.now):
                    return None
            request_id = new_request_id()
            status, operation, text = 204, "DeleteMessage", ""
            params = {"ReceiptHandle": handle, "QueueName": name}
        else:
            try:
                with sim.lock:  # the message itself: read under the lock
                    values = _received_values(sim.queues.receive_one(name, sim.clock.now))
            except EcsApiError:
                return None
            request_id = new_request_id()
            status, operation = 200, "ReceiveMessage"
            params = (
                {"waitseconds": raw_query[12:], "QueueName": name}
                if raw_query
                else {"QueueName": name}
            )
            text = xmlio.message_text(values)
        call = ApiCall(
            operation, params, status, None, sim.clock.now, request_id, host, None
        )  # fmt: skip
        self.api._record(call)
        headers = {
            "x-mns-request-id": request_id,
            "x-mns-version": API_VERSION,
            "Content-Type": XML_CONTENT_TYPE,
        }
        return status, headers, text

    def _record(
        self,
        request: MnsRequest,
        operation: str,
        queue_name: str,
        status: int,
        error_code: str | None,
        request_id: str,
    ) -> ApiCall:
        query = request.query
        params = dict(query) if query else {}
        if queue_name:
            params["QueueName"] = queue_name
        fault = None
        if status == 0:
            fault = next((k for k, v in TRANSPORT_FAULTS.items() if v == error_code), "timeout")
        call = ApiCall(
            operation, params, status, error_code, self.sim.clock.now, request_id,
            request.host, fault,
        )  # fmt: skip
        self.api._record(call)
        return call

    def _authenticate(self, request: MnsRequest) -> None:
        check_signature(self.credentials, request.method, request.headers, request.target)
        md5 = request.headers.get("content-md5")
        if md5 is not None and request.body and not content_md5_ok(md5, request.body):
            raise EcsApiError("InvalidDegist", "The Content-MD5 you specified is invalid.", 400)

    @staticmethod
    def _route(request: MnsRequest) -> tuple[str, str]:
        parts = request.target.partition("?")[0].strip("/").split("/")
        method, count = request.method, len(parts)
        # the query is read only by the routes that depend on it (a send has none)
        if count == 1 and parts[0] == "queues" and method == "GET":
            return "ListQueue", ""
        if count == 2 and parts[0] == "queues" and parts[1]:
            name = parts[1] if "%" not in parts[1] else unquote(parts[1])
            if method == "PUT":
                metaoverride = "metaoverride" in request.query
                return ("SetQueueAttributes" if metaoverride else "CreateQueue"), name
            if method == "GET":
                return "GetQueueAttributes", name
            if method == "DELETE":
                return "DeleteQueue", name
        if count == 3 and parts[0] == "queues" and parts[2] == "messages" and parts[1]:
            name = parts[1] if "%" not in parts[1] else unquote(parts[1])
            if method == "POST":
                body = request.body.lstrip()
                is_batch = b"<Messages" in body[:200]
                return ("BatchSendMessage" if is_batch else "SendMessage"), name
            query = request.query
            batch = "numOfMessages" in query
            if method == "GET":
                if query.get("peekonly", "").lower() == "true":
                    return ("BatchPeekMessage" if batch else "PeekMessage"), name
                return ("BatchReceiveMessage" if batch else "ReceiveMessage"), name
            if method == "DELETE":
                return ("DeleteMessage" if "ReceiptHandle" in query else "BatchDeleteMessage"), name
            if method == "PUT":
                return "ChangeMessageVisibility", name
        raise EcsApiError(
            "InvalidRequestURL",
            f"Http request URL format invalid. ({method} {request.path[:100]} is not an MNS "
            "queue operation the simulator answers; topics, subscriptions and account "
            "attributes are not simulated.)",
            400,
        )

    # -- the operations -------------------------------------------------------------------
    def _serve(
        self, operation: str, name: str, request: MnsRequest, waiter: Waiter | None
    ) -> tuple[int, bytes, dict[str, str]]:
        sim, store = self.sim, self.sim.queues
        if operation in ("ReceiveMessage", "BatchReceiveMessage"):
            return self._receive(operation, name, request, waiter)
        with sim.lock:
            now = sim.clock.now
            if operation == "CreateQueue":
                queue, created = store.create(name, _attributes(request.body), now)
                location = f"http://{request.host}/queues/{queue.name}"
                return (201 if created else 204), b"", {"Location": location}
            if operation == "SetQueueAttributes":
                store.set_attributes(name, _attributes(request.body), now)
                return 204, b"", {}
            if operation == "GetQueueAttributes":
                return 200, self._queue_document(store.get(name), now), {}
            if operation == "DeleteQueue":
                store.delete(name)
                return 204, b"", {}
            if operation == "ListQueue":
                return 200, self._list(request, now), {}
            if operation == "SendMessage":
                items = xmlio.flat_items(request.body, ("Message",))
                body, delay, priority = _message_fields(items)
                message = store.send(name, body, now, delay_seconds=delay, priority=priority)
                self._wake()
                return 201, xmlio.sent_document(message.message_id, message.body_md5), {}
            if operation == "BatchSendMessage":
                root = xmlio.parse(request.body, ("Messages",))
                entries = [
                    _message_fields(xmlio.text_items(e)) for e in xmlio.children(root, "Message")
                ]
                sent = store.send_batch(name, entries, now)
                self._wake()
                answers = [{"MessageId": m.message_id, "MessageBodyMD5": m.body_md5} for m in sent]
                return 201, xmlio.list_document("Messages", "Message", answers), {}
            query = request.query
            if operation in ("PeekMessage", "BatchPeekMessage"):
                count = self._count(query) if operation == "BatchPeekMessage" else 1
                peeked = store.peek(name, count, now)
                if operation == "PeekMessage":
                    return 200, xmlio.document("Message", _peeked(peeked[0])), {}
                return 200, xmlio.list_document("Messages", "Message", map(_peeked, peeked)), {}
            if operation == "DeleteMessage":
                store.delete_message(name, query["ReceiptHandle"], now)
                return 204, b"", {}
            if operation == "BatchDeleteMessage":
                root = xmlio.parse(request.body, ("ReceiptHandles",))
                handles = [(e.text or "") for e in xmlio.children(root, "ReceiptHandle")]
                failed = store.delete_batch(name, handles, now)
                if failed:
                    raise _BatchDeleteFailed(failed)
                return 204, b"", {}
            if operation == "ChangeMessageVisibility":
                handle = query.get("ReceiptHandle")
                if not handle:
                    raise EcsApiError("MissingReceiptHandle", "ReceiptHandle is required.", 400)
                if "VisibilityTimeout" not in query:
                    raise EcsApiError(
                        "MissingVisibilityTimeout", "VisibilityTimeout is required.", 400
                    )
                timeout = _int(query["VisibilityTimeout"], "VisibilityTimeout", 1, 43200)
                message = store.change_visibility(name, handle, timeout, now)
                fields: dict[str, str | int] = {
                    "ReceiptHandle": message.receipt_handle or "",
                    "NextVisibleTime": millis(message.visible_at),
                }
                return 200, xmlio.document("ChangeVisibility", fields), {}
        raise AssertionError(operation)  # pragma: no cover - _route names only these

    @staticmethod
    def _count(query: Mapping[str, str]) -> int:
        return _int(query.get("numOfMessages", ""), "numOfMessages", 1, MAX_BATCH)

    def _receive(
        self, operation: str, name: str, request: MnsRequest, waiter: Waiter | None
    ) -> tuple[int, bytes, dict[str, str]]:
        query = request.query
        count = self._count(query) if operation == "BatchReceiveMessage" else 1
        with self.sim.lock:
            queue = self.sim.queues.get(name)
            wait = queue.attributes.polling_wait_seconds
        if "waitseconds" in query:
            wait = _int(query["waitseconds"], "waitseconds", 0, 30)
        deadline = time.monotonic() + wait
        while True:
            try:
                with self.sim.lock:
                    received = self.sim.queues.receive(name, count, self.sim.clock.now)
                break
            except EcsApiError as exc:
                remaining = deadline - time.monotonic()
                if exc.code != "MessageNotExist" or waiter is None or remaining <= 0:
                    raise
                if not waiter(min(remaining, POLL_INTERVAL)):
                    raise
        if operation == "ReceiveMessage":
            return 200, xmlio.message_document(_received_values(received[0])), {}
        return 200, xmlio.list_document("Messages", "Message", map(_received, received)), {}

    def wait_for_message(self, seconds: float) -> None:
        """A waiter for :meth:`handle`: sleep up to ``seconds``, woken early by a send."""
        with self._sent:
            self._waiting += 1
            try:
                self._sent.wait(seconds)
            finally:
                self._waiting -= 1

    def _wake(self) -> None:
        # Unlocked read: a receiver that starts waiting just after it is no worse off than
        # one that found the queue empty just before the send (it looks again after at most
        # POLL_INTERVAL).
        if self._waiting:
            with self._sent:
                self._sent.notify_all()

    def _queue_document(self, queue: Queue, now: Any) -> bytes:
        return xmlio.document("Queue", _queue_fields(queue, now))

    def _list(self, request: MnsRequest, now: Any) -> bytes:
        headers = request.headers
        limit = _int(headers.get("x-mns-ret-number", "1000"), "x-mns-ret-number", 1, 1000)
        queues, following = self.sim.queues.list_queues(
            headers.get("x-mns-prefix", ""), headers.get("x-mns-marker", ""), limit
        )
        with_meta = headers.get("x-mns-with-meta", "").lower() == "true"
        items = []
        for queue in queues:
            item: dict[str, str | int | bool] = {
                "QueueURL": f"http://{request.host}/queues/{queue.name}"
            }
            if with_meta:
                item.update(_queue_fields(queue, now))
            items.append(item)
        tail = {"NextMarker": following} if following else {}
        return xmlio.list_document("Queues", "Queue", items, tail)


class _BatchDeleteFailed(Exception):
    """Some handles of a BatchDeleteMessage failed: 404 with an ``<Errors>`` list."""

    def __init__(self, failed: list[tuple[str, EcsApiError]]) -> None:
        super().__init__(failed[0][1].code)
        self.code = failed[0][1].code
        self.body = xmlio.list_document(
            "Errors",
            "Error",
            (
                {"ErrorCode": e.code, "ErrorMessage": e.message, "ReceiptHandle": handle}
                for handle, e in failed
            ),
        )


def _queue_fields(queue: Queue, now: Any) -> dict[str, str | int | bool]:
    """What GetQueueAttributes (and ListQueue with meta) says of a queue."""
    counts = queue.counts(now)
    return {
        "QueueName": queue.name,
        "CreateTime": int(queue.create_time.timestamp()),
        "LastModifyTime": int(queue.last_modify_time.timestamp()),
        **queue.attributes.as_wire(),
        "ActiveMessages": counts["active"],
        "InactiveMessages": counts["inactive"],
        "DelayMessages": counts["delayed"],
    }
