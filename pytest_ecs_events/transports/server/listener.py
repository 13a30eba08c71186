"""The threading HTTP server under :class:`~.ecs_server.EcsServer`: one thread per connection,
at most ``max_connections`` of them.

``ThreadingHTTPServer`` does the accepting; this subclass keeps track of every connection and
worker so that a stop is clean (idle keep-alive connections are woken and closed, workers
joined), wraps connections in TLS inside the worker (a slow or broken handshake never blocks
accepting), and hands an exception of a worker to the server's error list: a client going
away is not one.

Load: the accept backlog is ``SOMAXCONN`` (a burst of clients waits in the kernel's queue
instead of being dropped), and a connection beyond the cap is answered at once, by the
accepting thread, with ``503 ServiceUnavailable`` in the API's error format, then closed; it
never gets a thread. Its socket lingers a moment (read and discarded) so that the client reads
the answer rather than a reset caused by the request it was still sending.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ...api.dispatch import error_body
from ...api.protocol import JSON_CONTENT_TYPE
from ...api.speedups.request_ids import new_request_id
from ...core.clock import wall_clock_now
from ...core.errors import EcsApiError
from .access import AccessRecord
from .framing import CONNECTION_TIMEOUT
from .protocols import ServerHost

__all__ = ["Listener"]

#: Seconds a refused connection stays open after its 503, and how many may at once.
_LINGER = 1.0
_MAX_LINGERING = 1024


class Listener(ThreadingHTTPServer):
    """Tracks its connections and threads so that :meth:`EcsServer.stop` is clean."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    #: A burst of connections waits in the kernel's accept queue (the default, 5, drops them).
    request_queue_size = socket.SOMAXCONN

    def __init__(
        self,
        address: tuple[str, int],
        host: ServerHost,
        handler: type[BaseHTTPRequestHandler],
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        #: The server the handlers work for (they read its settings on every request).
        self.host = host
        self.tls = tls
        self.stopping = False
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        self._track = threading.Lock()
        #: Refused connections still open: (socket, when to close it at the latest).
        self._refused: list[tuple[socket.socket, float]] = []
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._track:
            full = len(self._workers) >= self.host.max_connections
        if full:
            self._refuse(request, client_address)
            return
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
            if self.tls is not None:
                request.settimeout(CONNECTION_TIMEOUT)
                try:
                    conn = self.tls.wrap_socket(request, server_side=True)
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

    # -- beyond the cap -------------------------------------------------------------------
    def _refuse(self, request: socket.socket, client_address: Any) -> None:
        """503 at once, without a thread: the answer is small enough for the socket's buffer."""
        cap = self.host.max_connections
        try:
            request.setblocking(False)
            if self.tls is None:  # a TLS client could not read a plain-text answer
                request.sendall(self._unavailable(cap))
            request.shutdown(socket.SHUT_WR)
        except OSError:
            with contextlib.suppress(OSError):
                request.close()
            return
        self.host.log_access(
            AccessRecord(
                time=wall_clock_now(),
                client=str(client_address[0]) if client_address else "-",
                method="",
                path="",
                action="",
                status=503,
                code="ServiceUnavailable",
                duration=0.0,
            )
        )
        if len(self._refused) >= _MAX_LINGERING:
            self._close_refused(0)
        self._refused.append((request, time.monotonic() + _LINGER))

    def _unavailable(self, cap: int) -> bytes:
        request_id = new_request_id()
        error = EcsApiError(
            "ServiceUnavailable",
            f"The simulator is already serving {cap} connections (its max_connections, "
            "--max-connections for ecs-sim serve); retry when one closes, or raise the cap.",
            503,
        )
        body = json.dumps(
            error_body(error, request_id, self.host.endpoint), separators=(",", ":")
        ).encode()
        head = (
            "HTTP/1.1 503 Service Unavailable\r\n"
            f"Content-Type: {JSON_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"x-acs-request-id: {request_id}\r\n"
            "Retry-After: 1\r\n"
            "Connection: close\r\n\r\n"
        )
        return head.encode("latin-1") + body

    def service_actions(self) -> None:
        """Between accepts (every poll interval): close the refused sockets that are done."""
        if self._refused:
            self._close_refused(time.monotonic())

    def _close_refused(self, now: float) -> None:
        kept: list[tuple[socket.socket, float]] = []
        for sock, until in self._refused:
            done = now == 0 or until <= now
            if not done:
                try:  # discard what the client sent; EOF means it read the answer and left
                    done = sock.recv(65536) == b""
                except BlockingIOError:
                    pass
                except OSError:
                    done = True
            if done:
                with contextlib.suppress(OSError):
                    sock.close()
            else:
                kept.append((sock, until))
        self._refused = kept

    def server_close(self) -> None:
        self._close_refused(0)
        super().server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is None or isinstance(exc, (ConnectionError, TimeoutError, ssl.SSLError)):
            return  # the client went away: not our bug
        self.host.record_error(exc)

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
