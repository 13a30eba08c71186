"""Webhooks: notification payloads POSTed as JSON to a URL on this machine.

Payloads are queued at their change (the simulation's lock held) and delivered by the
simulator once the operation that caused them returns; see ``EcsSimulator.subscribe_url``.

A redirect is never followed: its target was never checked to be on this machine (a webhook
could send the payload anywhere), and a redirected POST may arrive as a GET without its body.
The 3xx is recorded as a failed delivery naming the target.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .._version import __version__
from ..core.changes import Change
from ..core.network import is_loopback
from ..core.simulation import Simulation
from .payloads import Payload, build_payload

__all__ = ["WEBHOOK_TIMEOUT", "Delivery", "WebhookSubscription", "check_webhook_url"]

#: Seconds a webhook may take to answer one delivery before it counts as failed.
WEBHOOK_TIMEOUT = 2.0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Turns every redirect into an HTTPError: the delivery records it, nothing follows it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass(frozen=True)
class Delivery:
    """One POST of a payload to a webhook, and what came of it."""

    time: datetime  # the virtual time of the change (and of the delivery)
    payload: Payload
    status: int | None  # the webhook's HTTP status; None if it never answered
    error: str | None  # why the delivery failed (None: a 2xx answer)
    duration: float  # real seconds the POST took

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class WebhookSubscription:
    """A URL that gets each payload POSTed as JSON; see ``EcsSimulator.subscribe_url``.

    Payloads are built at the change and queued; the simulator POSTs them, in order, as
    soon as the operation that caused them returns (its lock released, so the webhook's
    handler may call the API back), at the virtual time of the change. Every attempt is
    kept in :attr:`deliveries`; a failed one is recorded, never raised.
    """

    url: str
    format: str
    instance_changes: bool
    timeout: float = WEBHOOK_TIMEOUT
    deliveries: list[Delivery] = field(default_factory=list)
    outbox: Callable[[WebhookSubscription, datetime, Payload], None] | None = None

    def __call__(self, change: Change, sim: Simulation) -> None:
        payload = build_payload(self.format, self.instance_changes, change, sim)
        if payload is not None and self.outbox is not None:
            self.outbox(self, change.time, payload)

    @property
    def delivered(self) -> list[Payload]:
        """The payloads the webhook accepted (answered 2xx), in order."""
        return [d.payload for d in self.deliveries if d.ok]

    @property
    def failures(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.ok]

    def deliver(self, when: datetime, payload: Payload) -> Delivery:
        """POST ``payload`` now; record and return the outcome (never raises)."""
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": f"pytest-ecs-events/{__version__} (webhook)",
            },
        )
        # no proxy: the webhook is on loopback, and a proxy would not reach it
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                status = int(answer.status)
                answer.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            error = f"the webhook answered HTTP {exc.code} {exc.reason}"
            if 300 <= exc.code < 400:
                target = (exc.headers.get("Location") or "")[:200] if exc.headers else ""
                error += f" redirecting to {target!r}; redirects are not followed"
            exc.close()
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                error = f"no answer within {self.timeout:g}s"
            else:
                error = f"{type(reason).__name__}: {reason}"
        except Exception as exc:  # http.client oddities (a bad status line, ...)
            error = f"{type(exc).__name__}: {exc}"
        delivery = Delivery(when, payload, status, error, time.perf_counter() - started)
        self.deliveries.append(delivery)
        return delivery


def check_webhook_url(url: str) -> str:
    """Only http(s) URLs on this machine: the plugin never sends anything off the machine."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, got {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"url must be an http:// or https:// URL such as 'http://127.0.0.1:8080/events', "
            f"got {url!r}"
        )
    if not is_loopback(parts.hostname):
        raise ValueError(
            f"refusing to deliver notifications to {parts.hostname!r}: webhooks must be on "
            "this machine (127.0.0.1, ::1 or localhost), the handler under test, so that a "
            "test never sends anything over the network"
        )
    return url
