from __future__ import annotations

from collections.abc import Iterator

import pytest
from consumer import PATH, MaintenanceWebhook, TicketDesk, make_client, serve_in_thread

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.notifications.webhooks import WebhookSubscription


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
def cloudmonitor(ecs_sim: EcsSimulator, webhook_url: str) -> WebhookSubscription:
    """Every event notification of this test POSTed to the consumer, in CloudMonitor's format,
    at the virtual time of its change, as soon as the operation that caused it returns (so the
    consumer may call the API back). ``.delivered`` and ``.failures`` record each attempt."""
    return ecs_sim.subscribe_url(webhook_url, format="cloudmonitor")
