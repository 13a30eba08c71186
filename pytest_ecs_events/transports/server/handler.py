"""One connection's request loop: read a request, route it, answer it, log it.

The pieces live beside it: :mod:`.framing` reads the body, :mod:`.routes` picks the service,
:mod:`.control` and :mod:`.metadata` answer their paths, and the account's API handler answers
``/``. This module owns the wire: status line, headers, keep-alive, ``100 Continue``, the
API's error format for every refusal (never a traceback), and acting out injected transport
faults (a reset, or a connection held unanswered).

Reads have deadlines, not just a per-read timeout (which a client sending a byte now and
then never hits): a keep-alive connection waits ``idle_timeout`` for a request's first byte;
from there the request line and headers must arrive within ``header_timeout``, and the body
within ``body_timeout`` after them. A request that misses one is answered
``408 RequestTimeout`` and its connection closed.
"""

from __future__ import annotations

import contextlib
import io
import json
import select
import socket
import struct
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any

from ...api.dispatch import error_body
from ...api.faults import TransportFault
from ...api.messages import ApiRequest
from ...api.protocol import JSON_CONTENT_TYPE
from ...api.speedups.request_ids import new_request_id
from ...core.clock import wall_clock_now
from ...core.errors import EcsApiError
from ...core.network import is_loopback
from ...mns import MnsRequest
from ..endpoints import product_for_host
from .access import AccessRecord
from .console import SECURITY_HEADERS, asset, check_browser, wants_console
from .control import ControlApi
from .framing import (
    CONNECTION_TIMEOUT,
    FORM,
    MAX_REQUEST_LINE,
    announced_length,
    decode_form,
    media_type,
    parse_head,
    read_body,
    split_target,
    too_large,
)
from .listener import Listener
from .metadata import METADATA_INSTANCE_HEADER, metadata_answer
from .replies import HTTP_ERROR_CODES, Reply, bad_method
from .routes import API_METHODS, CONSOLE_METHODS, CONSOLE_PREFIX, Route, resolve

__all__ = ["RequestHandler"]


#: How much later than its deadline a read may give up: a read starting within this of
#: the socket's timeout keeps that timeout (a request whose whole head comes in its first read
#: then sets no timeout at all) instead of setting one (a system call each time).
_DEADLINE_SLACK = 0.001


class _DeadlineReader(io.RawIOBase):
    """The socket's reads, each bounded by what is left of the handler's current deadline
    (never sooner, and at most :data:`_DEADLINE_SLACK` later)."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, owner: RequestHandler) -> None:
        self._raw = raw
        self._sock = sock
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        owner = self._owner
        deadline = owner.read_deadline
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("read deadline passed")
            timeout = owner.socket_timeout
            if remaining > timeout or remaining < timeout - _DEADLINE_SLACK:
                owner.set_timeout(remaining)
        # the socket itself (SocketIO's readinto only adds checks for non-blocking sockets)
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ecs-sim"
    sys_version = ""
    timeout = CONNECTION_TIMEOUT
    #: Buffered: status line, headers and body leave in one write (flushed per answer), so
    #: Nagle's algorithm and delayed ACKs cannot add 40 ms to each keep-alive call.
    wbufsize = 64 * 1024
    server: Listener
    #: When the read in progress must be done (``time.monotonic()``); None: no deadline.
    read_deadline: float | None = None
    #: The request's headers with lower-case names when :func:`.framing.parse_head` read them.
    _lowered: dict[str, str] | None = None
    rfile: io.BufferedReader

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # http.server's reader, replaced by one with deadlines
        raw = self.connection.makefile("rb", buffering=0)
        self.rfile = io.BufferedReader(_DeadlineReader(raw, self.connection, self))
        #: The socket's timeout as last set (only changed when it must be: see set_timeout).
        timeout = self.connection.gettimeout()
        self.socket_timeout: float = float("inf") if timeout is None else timeout

    def set_timeout(self, seconds: float) -> None:
        """The socket's timeout, set only when it changes (each setting is a system call)."""
        if seconds != self.socket_timeout:
            self.connection.settimeout(seconds)
            self.socket_timeout = seconds

    # -- the request loop ---------------------------------------------------------------
    def handle_one_request(self) -> None:
        self._action = ""
        self._logged = False
        self._reply_sent = False
        self.command = ""
        self.request_version = "HTTP/1.1"
        self.path = ""
        self.__dict__.pop("headers", None)  # not the previous request's
        host = self.server.host
        self.read_deadline = time.monotonic() + host.idle_timeout
        try:
            if not self.rfile.peek(1):  # the client closed its keep-alive connection
                self.close_connection = True
                return
        except (TimeoutError, OSError):  # idle too long, or gone: close without an answer
            self.close_connection = True
            return
        self._started = time.perf_counter()
        self.read_deadline = time.monotonic() + host.header_timeout
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.requestline = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self._parse_head():
                return  # parse_request answered (through send_error)
            if self.request_version == "HTTP/0.9":
                self.send_error(400, "HTTP/0.9 requests are not supported")
                return
            self._serve()
        except TimeoutError:
            self._timed_out("The request line and headers", host.header_timeout)
        finally:
            self.read_deadline = None
            self.set_timeout(CONNECTION_TIMEOUT)  # for writing the answer
            if self.server.stopping:
                self.close_connection = True
            try:
                self.wfile.flush()
            except OSError:
                self.close_connection = True

    def _parse_head(self) -> bool:
        """``parse_request``, with the request line and headers of a plain request (the whole
        head already read) parsed by :func:`.framing.parse_head` instead of the email parser;
        everything else goes to ``parse_request``, so its answers and refusals stay its own."""
        head = parse_head(self.raw_requestline, self.rfile.peek(1))
        if head is None:
            self._lowered = None
            return self.parse_request()
        self.rfile.read(head.size)  # already buffered: no read from the socket
        self.command, self.path, self.request_version = head.command, head.path, head.version
        self.requestline = head.requestline
        self.headers = head.headers
        self._lowered = head.lowered
        # What parse_request decides from the version and the Connection and Expect headers.
        # (a name absent from ``lowered`` needs no look-up: it is absent from the headers too)
        self.close_connection = head.version != "HTTP/1.1"
        if "connection" in head.lowered:
            conntype = self.headers.get("Connection", "").lower()
            if conntype == "close":
                self.close_connection = True
            elif conntype == "keep-alive":
                self.close_connection = False
        if "expect" in head.lowered:
            expect = self.headers.get("Expect", "")
            if expect.lower() == "100-continue" and head.version == "HTTP/1.1":
                return self.handle_expect_100()
        return True

    def _serve(self) -> None:
        host = self.server.host
        try:
            try:
                self.read_deadline = time.monotonic() + host.body_timeout
                try:
                    lowered = self._lowered
                    if (
                        lowered is not None
                        and "content-length" not in lowered
                        and "transfer-encoding" not in lowered
                    ):
                        body = b""  # read_body's answer when neither header is there
                    else:
                        body = read_body(self.rfile, self.headers, host.max_body)
                except TimeoutError:
                    self._timed_out("The request body", host.body_timeout)
                    return
                self.read_deadline = None
                self.set_timeout(CONNECTION_TIMEOUT)
                self._route(body)
            except Reply as reply:
                self._send_error_reply(reply)
        except (ConnectionError, TimeoutError):
            raise
        except Exception as exc:
            host.record_error(exc)
            if not self._reply_sent:
                self._send_error_reply(
                    Reply(
                        500,
                        "InternalError",
                        "The request processing has failed due to some unknown error, "
                        f"exception or failure. (simulator bug: {type(exc).__name__}: {exc})",
                        close=True,
                    )
                )
            else:
                self.close_connection = True

    def _timed_out(self, what: str, seconds: float) -> None:
        """408, then close: a slow client holds a worker no longer than its deadline."""
        self.close_connection = True
        if self._reply_sent:
            return
        with contextlib.suppress(OSError):
            self.set_timeout(CONNECTION_TIMEOUT)
            self._send_error_reply(
                Reply(
                    408,
                    "RequestTimeout",
                    f"{what} did not arrive within {seconds:g} seconds.",
                    close=True,
                )
            )

    def handle_expect_100(self) -> bool:
        length = announced_length(self.headers)
        max_body = self.server.host.max_body
        if length is not None and length > max_body:
            self._send_error_reply(too_large(length, max_body))
            return False
        accepted = super().handle_expect_100()
        self.wfile.flush()  # the client waits for "100 Continue" before it sends the body
        return accepted

    # -- the services -------------------------------------------------------------------
    def _route(self, body: bytes) -> None:
        path, raw_query = split_target(self.path)
        route = resolve(path)
        # Lower-cased once per request: every service below reads them by lower-case name.
        headers = self._lowered
        if headers is None:
            headers = {k.lower(): v for k, v in self.headers.items()}
        # a browser opening the server gets the console; any API call stays one
        if route.service == "api" and wants_console(self.command, raw_query, body, headers):
            route = Route("console", CONSOLE_METHODS, CONSOLE_PREFIX + "/")
            path = CONSOLE_PREFIX + "/"
        self._action = route.label
        if self.command not in route.methods:
            raise bad_method(self.command, route.methods)
        if route.service == "api":
            self._serve_api(path, raw_query, body, headers)
        elif route.service == "control":
            self._check_browser(headers)
            self._serve_control(path, raw_query, body)
        elif route.service == "console":
            self._check_browser(headers)
            content, content_type = asset(path)
            self._send_bytes(200, content, content_type, SECURITY_HEADERS)
        elif route.service == "mns":
            self._serve_mns(body, headers)
        else:
            self._serve_metadata(route)

    def _check_browser(self, headers: Mapping[str, str]) -> None:
        bound = str(self.server.server_address[0])
        check_browser(headers, loopback=is_loopback(bound))

    def _serve_api(self, path: str, raw_query: str, body: bytes, headers: dict[str, str]) -> None:
        host = self.server.host
        pairs = tuple(decode_form(raw_query, "query string"))
        params = dict(pairs)
        if body and media_type(self.headers.get("Content-Type", "")) == FORM:
            params.update(decode_form(body, "form body"))  # a body value wins
        named = headers.get("host") or host.endpoint
        request = ApiRequest(
            params=params,
            headers=headers,
            method=self.command,
            host=named,
            path=path,
            query=pairs,
            body=body,
            # A product's own host name (a proxy that keeps it) routes as in process;
            # the server's address names none, and the dispatcher goes by Version.
            product=product_for_host(named),
        )
        self._action = request.action or ""
        if host.clock is not None:
            host.clock.sync()
        try:
            response = host.simulator.handle(request)
        except TransportFault as fault:
            self._act_out(fault)
            return
        self._send_json(
            response.status, response.body, response.headers, content=response.content()
        )

    def _serve_mns(self, body: bytes, headers: dict[str, str]) -> None:
        """MNS queues: the account's MnsService; a receive may wait (wall clock) for a
        message, looking again after each send and each wall-clock sync."""
        host = self.server.host
        mns = getattr(host.simulator, "mns", None)
        if mns is None:
            raise Reply(404, "InvalidPath.NotFound", "This account serves no MNS queues.")
        clock = host.clock
        if clock is not None:
            clock.sync()

        def waiter(seconds: float) -> bool:
            if self.server.stopping:
                return False  # answer now: the server is shutting down
            mns.wait_for_message(seconds)
            if clock is not None:
                clock.sync()
            return True

        request = MnsRequest(
            self.command, self.path, headers, body, headers.get("host") or host.endpoint
        )
        try:
            reply = mns.handle(request, waiter=waiter)
        except TransportFault as fault:
            self._act_out(fault)
            return
        self._action = reply.operation
        self._reply_sent = True
        self._access(reply.status, reply.error_code)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection or self.server.stopping:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)

    def _serve_control(self, path: str, raw_query: str, body: bytes) -> None:
        host = self.server.host
        query = decode_form(raw_query, "query string")
        if host.clock is not None:
            host.clock.sync()
        control = ControlApi(
            host.simulator,
            follower=host.clock,
            reset=host.reset_account if host.factory is not None else None,
        )
        content_type = self.headers.get("Content-Type", "")
        answer = control.answer(self.command, path, dict(query), body, content_type)
        self._send_json(200, answer, {})

    def _serve_metadata(self, route: Route) -> None:
        host = self.server.host
        if host.clock is not None:
            host.clock.sync()
        content, content_type = metadata_answer(
            host.simulator,
            route.item,
            from_path=route.instance_id,
            from_header=self.headers.get(METADATA_INSTANCE_HEADER, ""),
            formatter=host.metadata_formatter,
        )
        self._send_bytes(200, content, content_type)

    def _act_out(self, fault: TransportFault) -> None:
        """No answer: reset the connection, or hold it unanswered and then close it."""
        self._reply_sent = True
        self.close_connection = True
        self._access(0, fault.call.error_code)
        conn = self.connection
        if fault.kind == "reset":
            with contextlib.suppress(OSError):  # close with RST, not FIN
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()  # the real close happens when the handler drops its files
            return
        deadline = time.monotonic() + self.server.host.timeout_hold
        while not self.server.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                readable, _, _ = select.select([conn], [], [], min(remaining, 0.05))
            except (OSError, ValueError):
                return
            if readable:  # the client gave up (EOF) or sent something else: stop holding
                return

    # -- writing ------------------------------------------------------------------------
    def _send_bytes(
        self,
        status: int,
        content: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._reply_sent = True
        self._access(status, None)
        fields = [("Content-Type", content_type), *(headers or {}).items()]
        fields.append(("Content-Length", str(len(content))))
        if self.close_connection or self.server.stopping:
            fields.append(("Connection", "close"))
        self._write_head(status, fields)
        if self.command != "HEAD":
            self.wfile.write(content)

    def _send_json(
        self,
        status: int,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        *,
        close: bool = False,
        content: bytes | None = None,
    ) -> None:
        if content is None:  # the API's own answers come encoded (and cached) already
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        code = body.get("Code") if status >= 400 else None
        self._reply_sent = True
        if close:
            self.close_connection = True
        # logged before the answer leaves, so the log order is the order clients see
        self._access(status, str(code) if code is not None else None)
        fields: list[tuple[str, str]] = []
        typed = False
        for name, value in headers.items():
            lower = name.lower()
            if lower == "content-type":
                typed = True
            elif lower in ("content-length", "connection"):
                continue
            fields.append((name, value))
        if not typed:
            fields.append(("Content-Type", JSON_CONTENT_TYPE))
        fields.append(("Content-Length", str(len(content))))
        if self.close_connection or self.server.stopping:
            fields.append(("Connection", "close"))
        elif self.request_version == "HTTP/1.0":
            fields.append(("Connection", "keep-alive"))
        self._write_head(status, fields)
        if self.command != "HEAD":
            self.wfile.write(content)

    def _write_head(self, status: int, fields: list[tuple[str, str]]) -> None:
        """``send_response(status)``, ``send_header`` for each field and ``end_headers()``,
        as one string: the same bytes into the write buffer (Date kept per second)."""
        if self.request_version == "HTTP/0.9":  # not served (answered 400)
            self._write_head_by_send_header(status, fields)
            return
        self.log_request(status)
        message = self.responses[status][0] if status in self.responses else ""
        # %-formatting, as send_response_only and send_header format them
        lines = [
            "%s %d %s\r\nServer: %s\r\nDate: %s\r\n"  # noqa: UP031
            % (self.protocol_version, status, message, self.version_string(), self._date())
        ]
        closing = self.close_connection
        for name, value in fields:
            lines.append("%s: %s\r\n" % (name, value))  # noqa: UP031
            if name.lower() == "connection":  # as send_header has it
                if value.lower() == "close":
                    closing = True
                elif value.lower() == "keep-alive":
                    closing = False
        lines.append("\r\n")
        try:
            data = "".join(lines).encode("latin-1", "strict")
        except UnicodeEncodeError:  # send_header raises it, having taken the fields before
            self._write_head_by_send_header(status, fields)
            raise
        self.close_connection = closing
        pending: list[bytes] | None = getattr(self, "_headers_buffer", None)
        if pending:  # anything queued by send_header and not yet sent goes first
            data = b"".join(pending) + data
            pending.clear()
        self.wfile.write(data)

    def _write_head_by_send_header(self, status: int, fields: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in fields:
            self.send_header(name, value)
        self.end_headers()

    def _date(self) -> str:
        """``date_time_string()``, formatted once per second (it has whole seconds)."""
        now = int(time.time())
        kept = RequestHandler._date_kept
        if kept[0] != now:
            kept = RequestHandler._date_kept = (now, self.date_time_string(now))
        return kept[1]

    _date_kept: tuple[int, str] = (-1, "")

    def _send_error_reply(self, reply: Reply) -> None:
        request_id = new_request_id()
        named = self.headers.get("Host", "") if getattr(self, "headers", None) else ""
        body = error_body(
            EcsApiError(reply.code, reply.message, reply.status),
            request_id,
            named or self.server.host.endpoint,
        )
        headers = {"Content-Type": JSON_CONTENT_TYPE, "x-acs-request-id": request_id}
        headers.update(reply.headers)
        self._send_json(reply.status, body, headers, close=reply.close)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The answers http.server gives to requests it cannot parse, in the API's format."""
        if code == 501:  # an unknown method: the connection framing is still sound
            self._send_error_reply(bad_method(self.command, API_METHODS))
            self.close_connection = True
            return
        if self.request_version in ("", "HTTP/0.9"):
            self.request_version = "HTTP/1.0"  # so that the answer has a status line and headers
        status = code if 400 <= code < 500 else 400
        what = message or explain or "The request cannot be parsed."
        if code == 505:
            what = "Only HTTP/1.0 and HTTP/1.1 are supported."
        self._send_error_reply(
            Reply(
                status,
                HTTP_ERROR_CODES.get(status, "BadRequest"),
                f"Malformed HTTP request: {what}",
                close=True,
            )
        )

    # -- logging ------------------------------------------------------------------------
    def _access(self, status: int, code: str | None) -> None:
        if self._logged:
            return
        self._logged = True
        if self.server.host.access_log is None:  # nobody reads it: make none
            return
        client = self.client_address[0] if self.client_address else "-"
        self.server.host.log_access(
            AccessRecord(
                time=wall_clock_now(),
                client=str(client),
                method=self.command or "",
                path=split_target(self.path)[0] if self.path else "",
                action=self._action,
                status=status,
                code=code,
                duration=time.perf_counter() - getattr(self, "_started", time.perf_counter()),
            )
        )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: the access log (see :class:`AccessRecord`) replaces http.server's."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: nothing goes to stderr."""
