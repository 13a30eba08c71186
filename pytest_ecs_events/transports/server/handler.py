"""One connection's request loop: read a request, route it, answer it, log it.

The pieces live beside it: :mod:`.framing` reads the body, :mod:`.routes` picks the service,
:mod:`.control` and :mod:`.metadata` answer their paths, and the account's API handler answers
``/``. This module owns the wire: status line, headers, keep-alive, ``100 Continue``, the
API's error format for every refusal (never a traceback), and acting out injected transport
faults (a reset, or a connection held unanswered).
"""

from __future__ import annotations

import contextlib
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
from .access import AccessRecord
from .control import ControlApi
from .framing import (
    CONNECTION_TIMEOUT,
    FORM,
    MAX_REQUEST_LINE,
    announced_length,
    decode_form,
    media_type,
    read_body,
    split_target,
    too_large,
)
from .listener import Listener
from .metadata import METADATA_INSTANCE_HEADER, metadata_answer
from .replies import HTTP_ERROR_CODES, Reply, bad_method
from .routes import API_METHODS, Route, resolve

__all__ = ["RequestHandler"]


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ecs-sim"
    sys_version = ""
    timeout = CONNECTION_TIMEOUT
    #: Buffered: status line, headers and body leave in one write (flushed per answer), so
    #: Nagle's algorithm and delayed ACKs cannot add 40 ms to each keep-alive call.
    wbufsize = 64 * 1024
    server: Listener

    # -- the request loop ---------------------------------------------------------------
    def handle_one_request(self) -> None:
        self._started = time.perf_counter()
        self._action = ""
        self._logged = False
        self._reply_sent = False
        self.command = ""
        self.request_version = "HTTP/1.1"
        self.path = ""
        self.__dict__.pop("headers", None)  # not the previous request's
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.requestline = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return  # parse_request answered (through send_error)
            if self.request_version == "HTTP/0.9":
                self.send_error(400, "HTTP/0.9 requests are not supported")
                return
            self._serve()
        except TimeoutError:
            self.close_connection = True
        finally:
            if self.server.stopping:
                self.close_connection = True
            try:
                self.wfile.flush()
            except OSError:
                self.close_connection = True

    def _serve(self) -> None:
        host = self.server.host
        try:
            try:
                body = read_body(self.rfile, self.headers, host.max_body)
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
        self._action = route.label
        if self.command not in route.methods:
            raise bad_method(self.command, route.methods)
        if route.service == "api":
            self._serve_api(path, raw_query, body)
        elif route.service == "control":
            self._serve_control(path, raw_query, body)
        else:
            self._serve_metadata(route)

    def _serve_api(self, path: str, raw_query: str, body: bytes) -> None:
        host = self.server.host
        pairs = tuple(decode_form(raw_query, "query string"))
        params = dict(pairs)
        if body and media_type(self.headers.get("Content-Type", "")) == FORM:
            params.update(decode_form(body, "form body"))  # a body value wins
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = ApiRequest(
            params=params,
            headers=headers,
            method=self.command,
            host=headers.get("host") or host.endpoint,
            path=path,
            query=pairs,
            body=body,
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
    def _send_bytes(self, status: int, content: bytes, content_type: str) -> None:
        self._reply_sent = True
        self._access(status, None)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        if self.close_connection or self.server.stopping:
            self.send_header("Connection", "close")
        self.end_headers()
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
        self.send_response(status)
        sent = {k.lower() for k in headers}
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        if "content-type" not in sent:
            self.send_header("Content-Type", JSON_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(content)))
        if self.close_connection or self.server.stopping:
            self.send_header("Connection", "close")
        elif self.request_version == "HTTP/1.0":
            self.send_header("Connection", "keep-alive")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

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
