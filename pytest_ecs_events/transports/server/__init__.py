"""A loopback HTTP server answering the ECS OpenAPI for a simulated account (``EcsServer``).

Any client reaches it: the new SDK's async methods (aiohttp), programs in other languages,
shell scripts, handlers in a subprocess. It speaks HTTP/1.1 with keep-alive on a
``ThreadingHTTPServer`` (standard library only), takes the parameters from the query and from
an ``application/x-www-form-urlencoded`` body (a body value wins) and the action from
``Action`` or the ``x-acs-action`` header, exactly like the in-process interception.

Every malformed request gets a 4xx answer in the API's own error format, never a traceback;
an exception inside a handler thread is answered with ``InternalError`` and kept in
:attr:`EcsServer.errors` so that the test that caused it fails. Injected transport faults are
acted out (a TCP reset, or a connection held unanswered).

One module a job:

- :mod:`.ecs_server`: :class:`EcsServer`, its settings and lifecycle;
- :mod:`.listener`: the threading server (connections, workers, TLS, a clean stop);
- :mod:`.handler`: one connection's request loop and everything written on the wire;
- :mod:`.framing`: reading a request's target, body and form fields, within limits;
- :mod:`.routes`: which service answers which method and path;
- :mod:`.control`: the ``/_sim/`` control API and its JSON views;
- :mod:`.metadata`: the instance metadata service for in-guest handlers;
- :mod:`.wallclock`: the wall-clock follower of ``ecs-sim serve``;
- :mod:`.access`: the access log's record; :mod:`.replies`: the HTTP layer's own errors;
- :mod:`.protocols`: what the server needs of the account it serves (never the handle).

The names the old single module had are still readable here, with a DeprecationWarning that
names their new place, until 0.3.
"""

from __future__ import annotations

from ...core.lazy import moved_exports
from .ecs_server import EcsServer

__all__ = ["EcsServer"]

_PACKAGE = "pytest_ecs_events.transports.server"

__getattr__, __dir__ = moved_exports(__name__, globals(), {
    "AccessRecord": f"{_PACKAGE}.access",
    "WallClockFollower": f"{_PACKAGE}.wallclock",
    **dict.fromkeys(["DEFAULT_MAX_BODY", "MAX_FIELDS", "CONNECTION_TIMEOUT"],
                    f"{_PACKAGE}.framing"),
    **dict.fromkeys(["METADATA_INSTANCE_HEADER", "active_system_events"], f"{_PACKAGE}.metadata"),
    "MetadataFormatter": f"{_PACKAGE}.protocols",
    **dict.fromkeys(["event_json", "instance_json"], f"{_PACKAGE}.control"),
    "is_loopback": "pytest_ecs_events.core.network",
})  # fmt: skip
