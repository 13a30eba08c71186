"""A loopback HTTP server answering the ECS OpenAPI with an :class:`EcsSimulator`.

Any client reaches it: the new SDK's async methods (aiohttp), programs in other languages,
shell scripts, handlers in a subprocess. It speaks HTTP/1.1 with keep-alive on a
``ThreadingHTTPServer`` (standard library only), takes the parameters from the query and from
an ``application/x-www-form-urlencoded`` body (a body value wins) and the action from
``Action`` or the ``x-acs-action`` header, exactly like the in-process interception.

Every malformed request (a garbage request line, a bad ``Content-Length``, a body over the
cap, bad percent-encoding or UTF-8, an unknown path, a method other than GET and POST) gets a
4xx answer in the API's own error format (RequestId, HostId, Code, Message, Recommend), never a
traceback. An exception inside a handler thread is answered with ``InternalError`` and kept in
:attr:`EcsServer.errors` so that the test that caused it fails.

Under ``/_sim/`` a small JSON control API lets tests written in any language drive the
simulator: advance the clock, add instances, inject events, list events and calls, reset.

For in-guest handlers it also serves the instance metadata path
``/latest/maintenance/active-system-events`` (the instance named by the ``X-Ecs-Instance-Id``
header or a ``/<instance-id>`` prefix; the body is our choice: see
:func:`active_system_events`), and ``/latest/meta-data/instance-id`` and ``region-id``.

Injected transport faults are acted out: a reset closes the connection with a TCP RST, a
timeout holds the connection without answering (until the client gives up, or
``timeout_hold`` seconds) and then closes it.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from ..api.dispatch import error_body
from ..api.faults import TransportFault
from ..api.messages import ApiRequest
from ..api.protocol import JSON_CONTENT_TYPE
from ..api.speedups.request_ids import new_request_id
from ..core.clock import format_api_time, parse_datetime, parse_duration, wall_clock_now
from ..core.errors import EcsApiError
from ..core.models import Instance, SystemEvent
from ..core.network import is_loopback

if TYPE_CHECKING:  # a transport serves the handle it is given; it never builds one
    from ..simulator import EcsSimulator

__all__ = [
    "DEFAULT_MAX_BODY",
    "METADATA_INSTANCE_HEADER",
    "AccessRecord",
    "EcsServer",
    "WallClockFollower",
    "active_system_events",
    "event_json",
]

#: The header that names the instance a metadata request comes from (our choice).
METADATA_INSTANCE_HEADER = "X-Ecs-Instance-Id"
#: ``[/<instance-id>]/latest/<item>``: the metadata items served.
_METADATA_PATH = re.compile(
    r"(?:/(?P<instance>[A-Za-z0-9][A-Za-z0-9_.-]*))?/latest/"
    r"(?P<item>maintenance/active-system-events|meta-data/instance-id|meta-data/region-id)/?"
)
MetadataFormatter = Callable[["EcsSimulator", Instance, list[SystemEvent]], Any]


def active_system_events(
    simulator: EcsSimulator, instance: Instance, events: list[SystemEvent]
) -> list[dict[str, Any]]:
    """The default body of ``/latest/maintenance/active-system-events``. OUR CHOICE.

    No documented example of this body exists (the fact sheet marks it unknown). We answer a
    JSON array of the instance's active events (Scheduled, Inquiring, Executing), oldest
    first, each in the vocabulary of the CloudMonitor notification's ``content`` (eventId,
    eventType, eventStatus, instanceId, publishTime, notBefore for maintenance events,
    executeStartTime once executing), so one parser serves both channels. Replace it with
    ``EcsServer(metadata_formatter=...)``.
    """
    from ..notifications.payloads import event_state_content

    return [event_state_content(e, simulator.simulation) for e in events]


#: Largest request body accepted (1 MiB); bigger ones get 413.
DEFAULT_MAX_BODY = 1 << 20
#: Largest number of query or form fields in one request.
MAX_FIELDS = 10_000
#: Seconds a connection may stay silent (idle keep-alive, or a half-sent request).
CONNECTION_TIMEOUT = 60.0

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DIGITS = re.compile(r"[0-9]+")
_FORM = "application/x-www-form-urlencoded"

#: Codes for the errors the HTTP layer itself answers (the API's format, our codes).
_HTTP_ERROR_CODES = {
    400: "BadRequest",
    404: "InvalidPath.NotFound",
    405: "UnsupportedHTTPMethod",
    408: "RequestTimeout",
    411: "MissingContentLength",
    413: "RequestEntityTooLarge",
    414: "RequestURITooLong",
    417: "ExpectationFailed",
    431: "RequestHeaderFieldsTooLarge",
}


class _Reply(Exception):
    """Raised inside a handler to answer at once with an error in the API's format."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        close: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.close = close
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class AccessRecord:
    """One answered request, as the access log receives it."""

    time: datetime
    client: str
    method: str
    path: str
    action: str
    status: int
    code: str | None
    duration: float

    def line(self) -> str:
        """``2024-05-01T10:00:00Z 127.0.0.1 POST DescribeInstanceHistoryEvents 200 - 0.4ms``."""
        return (
            f"{format_api_time(self.time)} {self.client} {self.method or '-'} "
            f"{self.action or '-'} {self.status} {self.code or '-'} "
            f"{self.duration * 1000:.1f}ms"
        )


class WallClockFollower:
    """Keeps a simulator's clock on the wall clock, plus whatever the control API advanced.

    Before each request :meth:`sync` moves the simulator to ``max(now, wall + offset)``;
    :meth:`advance` moves it forward and grows the offset by as much, so an advanced clock
    keeps ticking from where it was put.
    """

    def __init__(
        self, simulator: EcsSimulator, *, wall: Callable[[], datetime] = wall_clock_now
    ) -> None:
        self.simulator = simulator
        self.wall = wall
        self.offset = timedelta(0)
        self._lock = threading.Lock()

    def sync(self) -> None:
        with self._lock:
            self._sync()

    def _sync(self) -> None:
        target = self.wall() + self.offset
        if target > self.simulator.now:
            self.simulator.advance(to=target)

    def advance(
        self, by: timedelta | str | None = None, *, to: datetime | str | None = None
    ) -> Any:
        with self._lock:
            self._sync()
            applied = self.simulator.advance(by, to=to)
            self.offset = max(self.offset, self.simulator.now - self.wall())
            return applied

    def reset(self, simulator: EcsSimulator) -> None:
        with self._lock:
            self.simulator = simulator
            self.offset = timedelta(0)


class EcsServer:
    """Serve ``simulator`` over HTTP on loopback until :meth:`stop`.

    ``port=0`` picks a free port; :attr:`endpoint` (``"127.0.0.1:PORT"``) is what an SDK
    client is given, :attr:`url` what curl is. ``certfile``/``keyfile`` serve https instead.
    ``clock`` (a :class:`WallClockFollower`) makes the clock follow the wall clock; without it
    the clock only moves when told to. ``factory`` builds a fresh simulator for
    ``POST /_sim/reset`` (without one, reset is refused: the test owns the simulator).
    Binding anything but a loopback address needs ``allow_remote=True``.
    """

    def __init__(
        self,
        simulator: EcsSimulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        access_log: Callable[[AccessRecord], None] | None = None,
        clock: WallClockFollower | None = None,
        factory: Callable[[], EcsSimulator] | None = None,
        allow_remote: bool = False,
        metadata_formatter: MetadataFormatter = active_system_events,
        timeout_hold: float = 2.0,
    ) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(
                f"refusing to serve the ECS simulator on {host!r}, which is not a loopback "
                "address: it answers any AccessKey and anyone who reaches it can change it. "
                "Use 127.0.0.1, or pass allow_remote=True (--allow-remote) if you mean it."
            )
        if keyfile is not None and certfile is None:
            raise ValueError("keyfile needs a certfile too")
        if not isinstance(max_body, int) or max_body < 0:
            raise ValueError(f"max_body must be a non-negative number of bytes, got {max_body!r}")
        self.simulator = simulator
        self.host = host
        self.port = port
        self.max_body = max_body
        self.access_log = access_log
        self.clock = clock
        self.factory = factory
        #: Builds the body of ``/latest/maintenance/active-system-events`` from
        #: ``(simulator, instance, active events)``: a str is sent as text/plain, anything
        #: else as JSON.
        self.metadata_formatter = metadata_formatter
        #: Seconds an injected timeout holds the connection before closing it unanswered
        #: (sooner if the client gives up first).
        self.timeout_hold = timeout_hold
        #: Exceptions met inside handler threads (each was answered with InternalError).
        self.errors: list[BaseException] = []
        self._ssl: ssl.SSLContext | None = None
        if certfile is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
            self._ssl = context
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -------------------------------------------------------------------- lifecycle
    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> EcsServer:
        with self._lock:
            if self._httpd is not None:
                return self
            httpd = _HTTPServer((self.host, self.port), self)
            self._httpd = httpd
            self.port = int(httpd.server_address[1])
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"ecs-sim-server:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, let answers in progress finish, close every connection."""
        with self._lock:
            httpd, thread = self._httpd, self._thread
            self._httpd, self._thread = None, None
        if httpd is None:
            return
        httpd.shutdown()
        if thread is not None:
            thread.join(timeout)
        httpd.close_connections(timeout)
        httpd.server_close()

    def __enter__(self) -> EcsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def scheme(self) -> str:
        return "https" if self._ssl is not None else "http"

    @property
    def endpoint(self) -> str:
        """``host:port`` for an SDK client (``Config(endpoint=..., protocol='http')``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.endpoint}"

    def metadata_url(self, instance_id: str) -> str:
        """Base URL of ``instance_id``'s metadata (stands for ``http://100.100.100.200``):
        append ``/latest/maintenance/active-system-events``."""
        return f"{self.url}/{instance_id}"

    def __repr__(self) -> str:
        state = "serving" if self.running else "stopped"
        return f"<EcsServer {self.url} {state} errors={len(self.errors)}>"

    # ---------------------------------------------------------------------- internals
    def _record_error(self, exc: BaseException) -> None:
        with self._lock:
            self.errors.append(exc)

    def _log(self, record: AccessRecord) -> None:
        if self.access_log is not None:
            try:
                self.access_log(record)
            except Exception as exc:  # a broken log must not break the answer
                self._record_error(exc)


class _HTTPServer(ThreadingHTTPServer):
    """Tracks its connections and threads so that :meth:`EcsServer.stop` is clean."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: EcsServer) -> None:
        self.owner = owner
        self.stopping = False
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        self._track = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        worker = threading.Thread(
            target=self._work,
            args=(request, client_address),
            daemon=True,
            name=f"ecs-sim-conn:{client_address[1] if len(client_address) > 1 else '?'}",
        )
        with self._track:
            self._connections.add(request)
            self._workers.add(worker)
        worker.start()

    def _work(self, request: socket.socket, client_address: Any) -> None:
        conn: socket.socket = request
        try:
            with contextlib.suppress(OSError):
                request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.owner._ssl is not None:
                request.settimeout(CONNECTION_TIMEOUT)
                try:
                    conn = self.owner._ssl.wrap_socket(request, server_side=True)
                except (OSError, ssl.SSLError):
                    with contextlib.suppress(OSError):
                        request.close()
                    return
                with self._track:
                    self._connections.discard(request)
                    self._connections.add(conn)
            self.finish_request(conn, client_address)
        except Exception:
            self.handle_error(conn, client_address)
        finally:
            with self._track:
                self._connections.discard(conn)
                self._connections.discard(request)
                self._workers.discard(threading.current_thread())
            self.shutdown_request(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is None or isinstance(exc, (ConnectionError, TimeoutError, ssl.SSLError)):
            return  # the client went away: not our bug
        self.owner._record_error(exc)

    def close_connections(self, timeout: float) -> None:
        """Wake idle keep-alive connections (they read EOF and close), then join workers."""
        self.stopping = True
        with self._track:
            connections = list(self._connections)
            workers = list(self._workers)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RD)
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ecs-sim"
    sys_version = ""
    timeout = CONNECTION_TIMEOUT
    #: Buffered: status line, headers and body leave in one write (flushed per answer), so
    #: Nagle's algorithm and delayed ACKs cannot add 40 ms to each keep-alive call.
    wbufsize = 64 * 1024
    server: _HTTPServer

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
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
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
        owner = self.server.owner
        try:
            try:
                body = self._read_body()
                self._route(body)
            except _Reply as reply:
                self._send_error_reply(reply)
        except (ConnectionError, TimeoutError):
            raise
        except Exception as exc:
            owner._record_error(exc)
            if not self._reply_sent:
                self._send_error_reply(
                    _Reply(
                        500,
                        "InternalError",
                        "The request processing has failed due to some unknown error, "
                        f"exception or failure. (simulator bug: {type(exc).__name__}: {exc})",
                        close=True,
                    )
                )
            else:
                self.close_connection = True

    # -- reading ----------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        headers = self.headers
        encodings = [v.strip().lower() for v in headers.get_all("Transfer-Encoding") or []]
        lengths = [v.strip() for v in headers.get_all("Content-Length") or []]
        if encodings:
            if lengths:
                raise _Reply(
                    400,
                    "BadRequest",
                    "A request may carry Content-Length or Transfer-Encoding, not both.",
                    close=True,
                )
            if [e for v in encodings for e in v.split(",") if e.strip()] != ["chunked"]:
                raise _Reply(
                    400,
                    "BadRequest",
                    f"Transfer-Encoding {', '.join(encodings)!r} "
                    "is not supported; send Content-Length or chunked.",
                    close=True,
                )
            return self._read_chunked()
        if not lengths:
            return b""
        if len(set(lengths)) != 1 or not _DIGITS.fullmatch(lengths[0]):
            raise _Reply(
                400,
                "BadRequest",
                "Content-Length must be one non-negative integer, got "
                f"{', '.join(lengths)[:80]!r}.",
                close=True,
            )
        length = int(lengths[0])
        if length > self.server.owner.max_body:
            raise self._too_large(length)
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise _Reply(
                400,
                "BadRequest",
                f"The body ended after {len(body)} of the "
                f"{length} bytes announced by Content-Length.",
                close=True,
            )
        return body

    def _read_chunked(self) -> bytes:
        cap = self.server.owner.max_body
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1026)
            size_text = line.split(b";", 1)[0].strip()
            if not line.endswith(b"\n") or not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", size_text):
                raise _Reply(400, "BadRequest", "Malformed chunked body.", close=True)
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > cap:
                raise self._too_large(total)
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _Reply(400, "BadRequest", "Malformed chunked body.", close=True)
            parts.append(chunk)
        for _ in range(101):  # trailers, up to the blank line
            line = self.rfile.readline(8194)
            if line in (b"\r\n", b"\n", b""):
                return b"".join(parts)
        raise _Reply(400, "BadRequest", "Too many chunked trailers.", close=True)

    def _too_large(self, size: int) -> _Reply:
        cap = self.server.owner.max_body
        return _Reply(
            413,
            "RequestEntityTooLarge",
            f"The request body has {size} bytes; the simulator accepts at most {cap} "
            "(ECS calls carry their parameters in the query).",
            close=True,
        )

    def handle_expect_100(self) -> bool:
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) == 1 and _DIGITS.fullmatch(lengths[0].strip()):
            length = int(lengths[0].strip())
            if length > self.server.owner.max_body:
                self._send_error_reply(self._too_large(length))
                return False
        accepted = super().handle_expect_100()
        self.wfile.flush()  # the client waits for "100 Continue" before it sends the body
        return accepted

    def _split_target(self) -> tuple[str, str]:
        """Path and raw query of the request target (origin or absolute form)."""
        target = self.path
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            return parts.path or "/", parts.query
        path, _, query = target.partition("?")
        path = path.partition("#")[0]
        return path or "/", query.partition("#")[0]

    def _decode_form(self, raw: bytes | str, where: str) -> list[tuple[str, str]]:
        try:
            text = (
                raw.decode("utf-8")
                if isinstance(raw, bytes)
                else (raw.encode("latin-1").decode("utf-8"))
            )
        except UnicodeError:
            raise _Reply(
                400, "InvalidParameter.Encoding", f"The {where} is not valid UTF-8."
            ) from None
        bad = _BAD_PERCENT.search(text)
        if bad:
            raise _Reply(
                400,
                "InvalidParameter.Encoding",
                f"The {where} has an invalid percent-encoding at {text[bad.start() :][:12]!r}: "
                "'%' must be followed by two hexadecimal digits (encode '%' itself as %25).",
            )
        try:
            return parse_qsl(
                text,
                keep_blank_values=True,
                encoding="utf-8",
                errors="strict",
                max_num_fields=MAX_FIELDS,
            )
        except UnicodeDecodeError:
            raise _Reply(
                400,
                "InvalidParameter.Encoding",
                f"A percent-encoded value in the {where} is not valid UTF-8.",
            ) from None
        except ValueError as exc:
            raise _Reply(400, "BadRequest", f"The {where} cannot be parsed: {exc}.") from None

    # -- routing ----------------------------------------------------------------------------
    def _route(self, body: bytes) -> None:
        owner = self.server.owner
        path, raw_query = self._split_target()
        if path == "/_sim" or path.startswith("/_sim/"):
            self._action = path
            if self.command not in ("GET", "POST"):
                raise self._bad_method(("GET", "POST"))
            query = self._decode_form(raw_query, "query string")
            if owner.clock is not None:
                owner.clock.sync()
            status, answer = _Control(
                owner, self.command, path, dict(query), body, self.headers.get("Content-Type", "")
            ).run()
            self._send_json(status, answer, {})
            return
        metadata = _METADATA_PATH.fullmatch(path)
        if metadata is not None:
            self._action = path
            self._serve_metadata(metadata.group("instance"), metadata.group("item"))
            return
        if path not in ("/", ""):
            raise _Reply(
                404,
                "InvalidPath.NotFound",
                f"The path {path[:100]!r} is not served. ECS OpenAPI calls go to '/' (RPC "
                "style: Action in the query or the x-acs-action header); the simulator's "
                "control API is under '/_sim/'.",
            )
        if self.command not in ("GET", "POST"):
            raise self._bad_method(("GET", "POST"))
        pairs = tuple(self._decode_form(raw_query, "query string"))
        params = dict(pairs)
        content_type = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if body and content_type == _FORM:
            params.update(self._decode_form(body, "form body"))
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = ApiRequest(
            params=params,
            headers=headers,
            method=self.command,
            host=headers.get("host") or owner.endpoint,
            path=path,
            query=pairs,
            body=body,
        )
        self._action = request.action or ""
        if owner.clock is not None:
            owner.clock.sync()
        try:
            response = owner.simulator.handle(request)
        except TransportFault as fault:
            self._act_out(fault)
            return
        self._send_json(
            response.status, response.body, response.headers, content=response.content()
        )

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
        deadline = time.monotonic() + self.server.owner.timeout_hold
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

    def _serve_metadata(self, instance_id: str | None, item: str) -> None:
        owner = self.server.owner
        if self.command not in ("GET", "HEAD"):
            raise self._bad_method(("GET", "HEAD"))
        if owner.clock is not None:
            owner.clock.sync()
        sim = owner.simulator
        header = self.headers.get(METADATA_INSTANCE_HEADER, "").strip()
        if instance_id and header and header != instance_id:
            raise _Reply(
                400,
                "InvalidParameter",
                f"The path names instance {instance_id!r} but the {METADATA_INSTANCE_HEADER} "
                f"header names {header!r}; give one of them.",
            )
        instance_id = instance_id or header or None
        if instance_id is None:
            instances = sim.instances
            if len(instances) != 1:
                raise _Reply(
                    400,
                    "MissingParameter",
                    "Which instance is asking? The simulator has "
                    f"{len(instances)} instances: send the {METADATA_INSTANCE_HEADER} header "
                    "or prefix the path with the instance id "
                    "(/i-xxx/latest/maintenance/active-system-events).",
                )
            instance = instances[0]
        else:
            try:
                instance = sim.instance(instance_id)
            except EcsApiError as exc:
                raise _Reply(exc.status, exc.code, exc.message) from None
        if item == "meta-data/instance-id":
            self._send_text(instance.instance_id)
            return
        if item == "meta-data/region-id":
            self._send_text(instance.region)
            return
        active = sim.events(
            instance_id=instance.instance_id, state=("Scheduled", "Inquiring", "Executing")
        )
        body = owner.metadata_formatter(sim, instance, active)
        if isinstance(body, str):
            self._send_text(body)
            return
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._send_bytes(200, content, JSON_CONTENT_TYPE)

    def _send_text(self, text: str) -> None:
        self._send_bytes(200, text.encode("utf-8"), "text/plain; charset=utf-8")

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

    def _bad_method(self, allowed: Iterable[str]) -> _Reply:
        allow = ", ".join(allowed)
        return _Reply(
            405,
            "UnsupportedHTTPMethod",
            f"The HTTP method {self.command[:20]!r} is not supported here; use {allow}.",
            headers={"Allow": allow},
        )

    # -- writing ----------------------------------------------------------------------------
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

    def _send_error_reply(self, reply: _Reply) -> None:
        request_id = new_request_id()
        owner = self.server.owner
        host = self.headers.get("Host", "") if getattr(self, "headers", None) else ""
        body = error_body(
            EcsApiError(reply.code, reply.message, reply.status),
            request_id,
            host or owner.endpoint,
        )
        headers = {"Content-Type": JSON_CONTENT_TYPE, "x-acs-request-id": request_id}
        headers.update(reply.headers)
        self._send_json(reply.status, body, headers, close=reply.close)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The answers http.server gives to requests it cannot parse, in the API's format."""
        if code == 501:  # an unknown method: the connection framing is still sound
            self._send_error_reply(self._bad_method(("GET", "POST")))
            self.close_connection = True
            return
        if self.request_version in ("", "HTTP/0.9"):
            self.request_version = "HTTP/1.0"  # so that the answer has a status line and headers
        status = code if 400 <= code < 500 else 400
        what = message or explain or "The request cannot be parsed."
        if code == 505:
            what = "Only HTTP/1.0 and HTTP/1.1 are supported."
        self._send_error_reply(
            _Reply(
                status,
                _HTTP_ERROR_CODES.get(status, "BadRequest"),
                f"Malformed HTTP request: {what}",
                close=True,
            )
        )

    def _access(self, status: int, code: str | None) -> None:
        if self._logged:
            return
        self._logged = True
        client = self.client_address[0] if self.client_address else "-"
        self.server.owner._log(
            AccessRecord(
                time=wall_clock_now(),
                client=str(client),
                method=self.command or "",
                path=self._split_target()[0] if self.path else "",
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


# ------------------------------------------------------------------------- control API
def _iso(value: datetime | None) -> str | None:
    return None if value is None else format_api_time(value)


def event_json(event: SystemEvent) -> dict[str, Any]:
    """An event as ``GET /_sim/events`` lists it."""
    return {
        "event_id": event.event_id,
        "instance_id": event.instance_id,
        "event_type": event.event_type,
        "state": event.state.value,
        "not_before": _iso(event.not_before),
        "publish_time": _iso(event.publish_time),
        "finish_time": _iso(event.finish_time),
        "simulated": event.simulated,
        "region": event.region,
        "reason": event.reason,
        "history": [{"time": _iso(when), "state": state.value} for when, state in event.history],
    }


def instance_json(instance: Instance) -> dict[str, Any]:
    return {
        "instance_id": instance.instance_id,
        "region": instance.region,
        "zone": instance.zone,
        "name": instance.name,
        "status": instance.status.value,
        "tags": dict(instance.tags),
    }


class _Control:
    """One request to the control API: ``(status, JSON body)`` out, never an exception."""

    def __init__(
        self,
        server: EcsServer,
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
        content_type: str,
    ) -> None:
        self.server = server
        self.method = method
        self.path = path.rstrip("/") or "/"
        self.query = query
        self.body = body
        self.content_type = content_type.split(";", 1)[0].strip().lower()

    @property
    def sim(self) -> EcsSimulator:
        return self.server.simulator

    def run(self) -> tuple[int, dict[str, Any]]:
        routes: dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]] = {
            ("POST", "/_sim/advance"): self.advance,
            ("POST", "/_sim/instances"): self.add_instance,
            ("GET", "/_sim/instances"): self.list_instances,
            ("POST", "/_sim/events"): self.add_events,
            ("GET", "/_sim/events"): self.list_events,
            ("GET", "/_sim/calls"): self.list_calls,
            ("GET", "/_sim/clock"): self.clock,
            ("POST", "/_sim/reset"): self.reset,
        }
        route = routes.get((self.method, self.path))
        if route is None:
            methods = sorted(m for m, p in routes if p == self.path)
            if methods:
                raise _Reply(
                    405,
                    "UnsupportedHTTPMethod",
                    f"{self.path} takes {' or '.join(methods)}, not {self.method}.",
                    headers={"Allow": ", ".join(methods)},
                )
            known = ", ".join(sorted({f"{m} {p}" for m, p in routes}))
            raise _Reply(
                404,
                "InvalidPath.NotFound",
                f"No control endpoint {self.path!r}; there are: {known}.",
            )
        args = self._arguments()
        try:
            return 200, route(args)
        except _Reply:
            raise
        except EcsApiError as exc:
            raise _Reply(exc.status, exc.code, exc.message) from None
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            raise _Reply(400, "InvalidParameter", f"{self.path}: {exc}") from None

    def _arguments(self) -> dict[str, Any]:
        args: dict[str, Any] = dict(self.query)
        text = self.body.strip()
        if not text:
            return args
        if self.content_type == _FORM and not text.startswith(b"{"):
            try:
                form = parse_qsl(
                    text.decode("utf-8"),
                    keep_blank_values=True,
                    errors="strict",
                    max_num_fields=MAX_FIELDS,
                )
            except (UnicodeError, ValueError):
                raise _Reply(
                    400, "InvalidParameter.Encoding", "The form body is not valid UTF-8 form data."
                ) from None
            args.update(form)
            return args
        try:
            data = json.loads(text.decode("utf-8"))
        except (UnicodeError, ValueError):
            raise _Reply(
                400,
                "InvalidParameter.Json",
                f"The body of {self.path} must be a JSON object, for example "
                '{"by": "2h"}; it is not valid JSON.',
            ) from None
        if not isinstance(data, dict):
            raise _Reply(
                400,
                "InvalidParameter.Json",
                f"The body of {self.path} must be a JSON object, got {type(data).__name__}.",
            )
        args.update(data)
        return args

    @staticmethod
    def _text(args: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
        value = args.get(name)
        if value is None or value == "":
            if required:
                raise _Reply(400, "MissingParameter", f'The parameter "{name}" is required.')
            return None
        if not isinstance(value, str):
            raise _Reply(400, "InvalidParameter", f'"{name}" must be a string, got {value!r}.')
        return value

    @staticmethod
    def _unknown(args: Mapping[str, Any], allowed: Iterable[str]) -> None:
        extra = sorted(set(args) - set(allowed))
        if extra:
            raise _Reply(
                400,
                "InvalidParameter",
                f"Unknown parameter(s) {', '.join(map(repr, extra))}; expected some of "
                f"{', '.join(sorted(allowed))}.",
            )

    def advance(self, args: dict[str, Any]) -> dict[str, Any]:
        self._unknown(args, ("by", "to"))
        by, to = args.get("by"), self._text(args, "to")
        if (by is None) == (to is None):
            raise _Reply(
                400,
                "MissingParameter",
                'Give exactly one of "by" (a duration such as "2h", or seconds) '
                'or "to" (an ISO 8601 time such as "2030-01-01T00:00:00Z").',
            )
        if isinstance(by, bool) or not isinstance(by, (str, int, float, type(None))):
            raise _Reply(400, "InvalidParameter", f'"by" must be a duration, got {by!r}.')
        delta = parse_duration(by) if by is not None else None
        target = parse_datetime(to) if to is not None else None
        # The simulator refuses to go backwards (ValueError -> 400 with its message).
        clock = self.server.clock
        if clock is not None:
            applied = clock.advance(delta, to=target)
        else:
            applied = self.sim.advance(delta, to=target)
        return {
            "now": _iso(self.sim.now),
            "transitions": [
                {
                    "time": _iso(t.time),
                    "event_id": t.event_id,
                    "instance_id": t.instance_id,
                    "event_type": t.event_type,
                    "from": t.old_state.value if t.old_state else None,
                    "to": t.new_state.value,
                }
                for t in applied
            ],
        }

    def add_instance(self, args: dict[str, Any]) -> dict[str, Any]:
        self._unknown(args, ("instance_id", "name", "region", "zone", "status", "tags"))
        tags = args.get("tags")
        if tags is not None and not (
            isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values())
        ):
            raise _Reply(
                400,
                "InvalidParameter",
                '"tags" must be an object of strings, {"team": "sre"} for example.',
            )
        instance = self.sim.add_instance(
            self._text(args, "instance_id"),
            name=self._text(args, "name"),
            region=self._text(args, "region"),
            zone=self._text(args, "zone"),
            status=self._text(args, "status") or "Running",
            tags=tags,
        )
        return {"instance": instance_json(instance)}

    def list_instances(self, args: dict[str, Any]) -> dict[str, Any]:
        self._unknown(args, ())
        return {"instances": [instance_json(i) for i in self.sim.instances]}

    def add_events(self, args: dict[str, Any]) -> dict[str, Any]:
        simulated = args.get("simulated", False)
        if isinstance(simulated, str):
            simulated = simulated.lower() in ("true", "1", "yes")
        if not isinstance(simulated, bool):
            raise _Reply(
                400, "InvalidParameter", f'"simulated" must be true or false, got {simulated!r}.'
            )
        event_type = self._text(args, "event_type", required=True)
        assert event_type is not None
        not_before = self._text(args, "not_before")
        if simulated:
            self._unknown(
                args, ("simulated", "event_type", "instance_id", "instance_ids", "not_before")
            )
            ids = args.get("instance_ids", args.get("instance_id"))
            if isinstance(ids, str):
                ids = [ids]
            if not ids or not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise _Reply(
                    400,
                    "MissingParameter",
                    '"instance_ids" (a list of instance ids) or "instance_id" is required.',
                )
            events = self.sim.create_events(event_type, ids, not_before or "+1h")
        else:
            self._unknown(
                args, ("simulated", "event_type", "instance_id", "not_before", "state", "reason")
            )
            instance_id = self._text(args, "instance_id", required=True)
            assert instance_id is not None
            events = [
                self.sim.inject_event(
                    event_type,
                    instance_id,
                    not_before=not_before,
                    state=self._text(args, "state"),
                    reason=self._text(args, "reason"),
                )
            ]
        return {"events": [event_json(e) for e in events]}

    def list_events(self, args: dict[str, Any]) -> dict[str, Any]:
        self._unknown(args, ("instance_id", "state", "event_type"))
        events = self.sim.events(
            instance_id=self._text(args, "instance_id"),
            state=self._text(args, "state"),
            event_type=self._text(args, "event_type"),
        )
        return {"events": [event_json(e) for e in events]}

    def list_calls(self, args: dict[str, Any]) -> dict[str, Any]:
        self._unknown(args, ("action",))
        action = self._text(args, "action")
        return {
            "calls": [
                {
                    "action": c.action,
                    "params": dict(c.params),
                    "status": c.status,
                    "error_code": c.error_code,
                    "time": _iso(c.time),
                    "request_id": c.request_id,
                }
                for c in self.sim.calls
                if action is None or c.action == action
            ]
        }

    def clock(self, args: dict[str, Any]) -> dict[str, Any]:
        self._unknown(args, ())
        follower = self.server.clock
        return {
            "now": _iso(self.sim.now),
            "follows_wall_clock": follower is not None,
            "offset_seconds": follower.offset.total_seconds() if follower else None,
        }

    def reset(self, args: dict[str, Any]) -> dict[str, Any]:
        self._unknown(args, ())
        factory = self.server.factory
        if factory is None:
            raise _Reply(
                409,
                "OperationConflict",
                "This server serves the simulator of a test (the ecs_server fixture), which "
                "the test owns: reset is only available from `ecs-sim serve`.",
            )
        fresh = factory()
        self.server.simulator = fresh
        if self.server.clock is not None:
            self.server.clock.reset(fresh)
        return {"now": _iso(fresh.now), "instances": [i.instance_id for i in fresh.instances]}
