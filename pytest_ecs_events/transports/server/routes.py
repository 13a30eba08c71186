"""Which service answers which method and path: the server's whole routing table.

Five services share the port: the ECS OpenAPI on ``/`` (RPC style, so one path), MNS
queues on ``/queues...`` (REST, XML), the ``/_sim/`` control API for tests written in other
languages, the instance metadata paths, and the web console's files under ``/_console/``
(its page is also what a browser's plain ``GET /`` gets: :func:`.console.wants_console`).
Every other path is a 404 and every other method a 405, in the API's error format.
"""

from __future__ import annotations

from typing import NamedTuple

from .metadata import METADATA_METHODS, METADATA_PATH
from .replies import Reply

__all__ = [
    "API_METHODS",
    "CONSOLE_METHODS",
    "CONSOLE_PREFIX",
    "CONTROL_PREFIX",
    "CONTROL_ROUTES",
    "Route",
    "control_endpoint",
    "resolve",
]

#: The methods the OpenAPI (and the control API) take.
API_METHODS = ("GET", "POST")
CONTROL_PREFIX = "/_sim"
#: The web console's files (``/`` serves its page to a browser's plain GET: see console.py).
CONSOLE_PREFIX = "/_console"
CONSOLE_METHODS = ("GET", "HEAD")

#: ``(method, path)`` -> the :class:`~.control.ControlApi` method that answers it.
CONTROL_ROUTES: dict[tuple[str, str], str] = {
    ("POST", "/_sim/advance"): "advance",
    ("POST", "/_sim/instances"): "add_instance",
    ("GET", "/_sim/instances"): "list_instances",
    ("POST", "/_sim/events"): "add_events",
    ("GET", "/_sim/events"): "list_events",
    ("GET", "/_sim/calls"): "list_calls",
    ("GET", "/_sim/clock"): "clock",
    ("POST", "/_sim/reset"): "reset",
    ("POST", "/_sim/events/cancel"): "cancel_events",
    ("POST", "/_sim/instances/reboot"): "reboot_instance",
    ("POST", "/_sim/instances/stop"): "stop_instance",
    ("POST", "/_sim/instances/start"): "start_instance",
    ("GET", "/_sim/version"): "version",
    ("GET", "/_sim/timeline"): "timeline",
    ("GET", "/_sim/event-types"): "event_types",
}


class Route(NamedTuple):
    """Where a request goes: ``service`` is ``"api"``, ``"mns"``, ``"control"``, ``"console"``
    or ``"metadata"``."""

    service: str
    #: The methods the service takes (any other is a 405).
    methods: tuple[str, ...]
    #: What the access log shows until the request names its action.
    label: str = ""
    #: Metadata only: the instance named by the path prefix, and the item asked for.
    instance_id: str | None = None
    item: str = ""


_API = Route("api", API_METHODS)
#: MNS's REST paths (``/queues``, ``/queues/<name>``, ``/queues/<name>/messages``).
MNS_PREFIX = "/queues"
_MNS = Route("mns", ("GET", "PUT", "POST", "DELETE"), "MNS")


def resolve(path: str) -> Route:
    """The service for ``path``; a 404 :class:`~.replies.Reply` if there is none."""
    if path == "/":  # the OpenAPI: by far the most frequent, so tested first
        return _API
    if path == MNS_PREFIX or path.startswith(MNS_PREFIX + "/"):
        return _MNS
    if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
        return Route("control", API_METHODS, path)
    if path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/"):
        return Route("console", CONSOLE_METHODS, path)
    metadata = METADATA_PATH.fullmatch(path)
    if metadata is not None:
        return Route(
            "metadata", METADATA_METHODS, path, metadata.group("instance"), metadata.group("item")
        )
    if path:
        raise Reply(
            404,
            "InvalidPath.NotFound",
            f"The path {path[:100]!r} is not served. ECS OpenAPI calls go to '/' (RPC "
            "style: Action in the query or the x-acs-action header); the simulator's "
            "control API is under '/_sim/', the web console under '/_console/'.",
        )
    return _API


def control_endpoint(method: str, path: str) -> str:
    """The control API method for ``method path`` (a trailing slash is ignored); 404 or 405."""
    path = path.rstrip("/") or "/"
    name = CONTROL_ROUTES.get((method, path))
    if name is not None:
        return name
    methods = sorted(m for m, p in CONTROL_ROUTES if p == path)
    if methods:
        raise Reply(
            405,
            "UnsupportedHTTPMethod",
            f"{path} takes {' or '.join(methods)}, not {method}.",
            headers={"Allow": ", ".join(methods)},
        )
    known = ", ".join(sorted({f"{m} {p}" for m, p in CONTROL_ROUTES}))
    raise Reply(404, "InvalidPath.NotFound", f"No control endpoint {path!r}; there are: {known}.")
