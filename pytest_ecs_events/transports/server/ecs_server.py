"""``EcsServer``: an account served over HTTP on loopback, started and stopped by its owner.

It holds the settings the request handlers read on every request (the account, the clock
follower, the limits, the metadata formatter) and the errors they met, and it runs the
:class:`~.listener.Listener` in a thread of its own. Binding anything but loopback needs
``allow_remote=True``: the simulator answers any AccessKey and anyone who reaches it can
change it (the loopback rule is :func:`~pytest_ecs_events.core.network.is_loopback`).
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable

from ...core.network import is_loopback
from .access import AccessRecord
from .framing import (
    BODY_TIMEOUT,
    CONNECTION_TIMEOUT,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS,
    HEADER_TIMEOUT,
)
from .handler import RequestHandler
from .listener import Listener
from .metadata import active_system_events
from .protocols import ClockFollower, MetadataFormatter, ServedAccount

__all__ = ["EcsServer"]


class EcsServer:
    """Serve ``simulator`` over HTTP on loopback until :meth:`stop`.

    ``simulator`` is an :class:`~pytest_ecs_events.EcsSimulator`, or anything with the members
    of :class:`~.protocols.ServedAccount`. ``port=0`` picks a free port; :attr:`endpoint`
    (``"127.0.0.1:PORT"``) is what an SDK client is given, :attr:`url` what curl is.
    ``certfile``/``keyfile`` serve https instead. ``clock`` (a
    :class:`~.wallclock.WallClockFollower`) makes the clock follow the wall clock; without it
    the clock only moves when told to. ``factory`` builds a fresh simulator for
    ``POST /_sim/reset`` (without one, reset is refused: the test owns the simulator).
    Binding anything but a loopback address needs ``allow_remote=True``.
    ``max_connections`` caps the connections served at once (one more is answered
    ``503 ServiceUnavailable``); ``header_timeout``, ``body_timeout`` and ``idle_timeout`` are
    the read deadlines of a request's head, its body, and a keep-alive wait (docs/server.md).
    """

    def __init__(
        self,
        simulator: ServedAccount,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        access_log: Callable[[AccessRecord], None] | None = None,
        clock: ClockFollower | None = None,
        factory: Callable[[], ServedAccount] | None = None,
        allow_remote: bool = False,
        metadata_formatter: MetadataFormatter = active_system_events,
        timeout_hold: float = 2.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        header_timeout: float = HEADER_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        idle_timeout: float = CONNECTION_TIMEOUT,
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
        if isinstance(max_connections, bool) or not (
            isinstance(max_connections, int) and max_connections > 0
        ):
            raise ValueError(
                f"max_connections must be a positive number of connections, got {max_connections!r}"
            )
        for name, seconds in (
            ("header_timeout", header_timeout),
            ("body_timeout", body_timeout),
            ("idle_timeout", idle_timeout),
        ):
            if isinstance(seconds, bool) or not (
                isinstance(seconds, int | float) and 0 < seconds < float("inf")
            ):
                raise ValueError(f"{name} must be a positive number of seconds, got {seconds!r}")
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
        #: Connections served at once; one more gets ``503 ServiceUnavailable`` and is closed,
        #: so idle or slow clients hold at most this many threads.
        self.max_connections = max_connections
        #: Seconds a request's line and headers may take from its first byte, and its body
        #: from the end of the headers; a slower one gets ``408 RequestTimeout`` and is closed.
        self.header_timeout = float(header_timeout)
        self.body_timeout = float(body_timeout)
        #: Seconds a keep-alive connection may wait for its next request before it is closed.
        self.idle_timeout = float(idle_timeout)
        #: Exceptions met inside handler threads (each was answered with InternalError).
        self.errors: list[BaseException] = []
        self._ssl: ssl.SSLContext | None = None
        if certfile is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
            self._ssl = context
        self._httpd: Listener | None = None
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
            httpd = Listener((self.host, self.port), self, RequestHandler, tls=self._ssl)
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

    # ------------------------------------------------- for the handlers (ServerHost)
    def reset_account(self) -> ServedAccount:
        """``POST /_sim/reset``: switch to a fresh account from :attr:`factory`."""
        if self.factory is None:
            raise RuntimeError("reset needs a factory")
        fresh = self.factory()
        self.simulator = fresh
        if self.clock is not None:
            self.clock.reset(fresh)
        return fresh

    def record_error(self, exc: BaseException) -> None:
        with self._lock:
            self.errors.append(exc)

    def log_access(self, record: AccessRecord) -> None:
        if self.access_log is not None:
            try:
                self.access_log(record)
            except Exception as exc:  # a broken log must not break the answer
                self.record_error(exc)
