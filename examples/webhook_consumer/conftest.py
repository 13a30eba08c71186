from __future__ import annotations

import json
import queue
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from consumer import PATH, MaintenanceWebhook, TicketDesk, make_client, serve_in_thread

from pytest_ecs_events import EcsSimulator


@pytest.fixture
def desk() -> TicketDesk:
    return TicketDesk()


@pytest.fixture
def webhook_url(ecs_sim: EcsSimulator, desk: TicketDesk) -> Iterator[str]:
    """The consumer, served on 127.0.0.1 from a thread, as CloudMonitor would reach it.

    Its SDK client is built as in production: the ecs_sim fixture answers its calls
    in-process (the server thread is in the same process).
    """
    client = make_client("my-access-key", "my-secret", ecs_sim.region)
    app = MaintenanceWebhook(desk, client, auto_reboot=["i-cache1"])
    server = serve_in_thread(app)
    try:
        yield f"http://127.0.0.1:{server.server_port}{PATH}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def cloudmonitor(ecs_sim: EcsSimulator, webhook_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every event notification of this test POSTed to the consumer, in CloudMonitor's format,
    at the virtual time of its change."""
    if hasattr(ecs_sim, "subscribe_url"):
        return ecs_sim.subscribe_url(webhook_url, format="cloudmonitor")
    return _Relay(ecs_sim, webhook_url, monkeypatch)  # pragma: no cover - older plugin


class _Relay:
    """What ``ecs_sim.subscribe_url`` does, for a plugin without it: ``subscribe()`` queues
    each payload, a thread POSTs them in order with urllib, and every simulator operation the
    tests use waits until they are delivered. (The POSTs cannot be made from the callback
    itself: it runs inside the simulation's lock, and the webhook calls the API back.)"""

    def __init__(self, sim: EcsSimulator, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.url = url
        self.delivered: list[dict[str, Any]] = []
        self.failures: list[tuple[dict[str, Any], BaseException]] = []
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._post_forever, daemon=True).start()
        sim.subscribe(self._queue.put, format="cloudmonitor")
        for name in ("create_events", "cancel_events", "inject_event", "advance"):
            monkeypatch.setattr(sim, name, self._then_wait(getattr(sim, name)))

    def _then_wait(self, method: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            finally:
                self._queue.join()

        return wrapper

    def _post_forever(self) -> None:
        while True:
            payload = self._queue.get()
            request = urllib.request.Request(
                self.url,
                data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    response.read()
                self.delivered.append(payload)
            except Exception as exc:
                self.failures.append((payload, exc))
            finally:
                self._queue.task_done()
