"""The threading HTTP server under :class:`~.ecs_server.EcsServer`: one thread per connection.

``ThreadingHTTPServer`` does the accepting; this subclass keeps track of every connection and
worker so that a stop is clean (idle keep-alive connections are woken and closed, workers
joined), wraps connections in TLS inside the worker (a slow or broken handshake never blocks
accepting), and hands an exception of a worker to the server's error list: a client going
away is not one.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .framing import CONNECTION_TIMEOUT
from .protocols import ServerHost

__all__ = ["Listener"]


class Listener(ThreadingHTTPServer):
    """Tracks its connections and threads so that :meth:`EcsServer.stop` is clean."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

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
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

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
