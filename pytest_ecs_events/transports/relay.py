"""What an interception that forwards instead of answering asks, for each request.

Live mode (``--ecs-live``) starts the interception with a :class:`Relay`: every request to an
ECS endpoint, from every stack the interception answers offline, is shown to
:meth:`Relay.admit` and then refused (answered in-process, nothing sent) or sent unchanged to
the real endpoint (:mod:`.intercept`, :mod:`.aiohttp_intercept`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..api.messages import ApiRequest, ApiResponse

__all__ = ["Relay", "Relayed"]

#: Called with the real answer (HTTP status, body) of a request a relay let through.
Relayed = Callable[[int, bytes], None]


class Relay(Protocol):
    """Decides, for an interceptor that forwards instead of answering, each request."""

    def admit(self, request: ApiRequest) -> ApiResponse | Relayed | None:
        """An answer to refuse the request (nothing is sent); None to send it unchanged; or
        a callable to send it and be told the real answer."""
