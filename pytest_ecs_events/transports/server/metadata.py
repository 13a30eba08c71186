"""The instance metadata service, for handlers that run inside an instance.

A real instance reads ``http://100.100.100.200/latest/maintenance/active-system-events``;
here the same paths are served on the loopback server, and since every "instance" shares one
address, the instance asking is named by the ``X-Ecs-Instance-Id`` header or a
``/<instance-id>`` path prefix (or is the only instance there is). ``meta-data/instance-id``
and ``meta-data/region-id`` are served too, as text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...api.protocol import JSON_CONTENT_TYPE
from ...core.errors import EcsApiError
from ...core.models import Instance, SystemEvent
from ...notifications.payloads import event_state_content
from .protocols import MetadataFormatter, SimulatedAccount
from .replies import Reply

__all__ = [
    "ACTIVE_STATES",
    "METADATA_INSTANCE_HEADER",
    "METADATA_METHODS",
    "METADATA_PATH",
    "TEXT_CONTENT_TYPE",
    "active_system_events",
    "metadata_answer",
]

#: The header that names the instance a metadata request comes from (our choice).
METADATA_INSTANCE_HEADER = "X-Ecs-Instance-Id"
#: ``[/<instance-id>]/latest/<item>``: the metadata items served.
METADATA_PATH = re.compile(
    r"(?:/(?P<instance>[A-Za-z0-9][A-Za-z0-9_.-]*))?/latest/"
    r"(?P<item>maintenance/active-system-events|meta-data/instance-id|meta-data/region-id)/?"
)
#: The metadata service is read-only.
METADATA_METHODS = ("GET", "HEAD")
#: The event states ``active-system-events`` lists.
ACTIVE_STATES = ("Scheduled", "Inquiring", "Executing")
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"


def active_system_events(
    simulator: SimulatedAccount, instance: Instance, events: list[SystemEvent]
) -> list[dict[str, Any]]:
    """The default body of ``/latest/maintenance/active-system-events``. OUR CHOICE.

    No documented example of this body exists (docs/server.md, "The body is our choice"). We
    answer a JSON array of the instance's active events (Scheduled, Inquiring, Executing), oldest
    first, each in the vocabulary of the CloudMonitor notification's ``content`` (eventId,
    eventType, eventStatus, instanceId, publishTime, notBefore for maintenance events,
    executeStartTime once executing), so one parser serves both channels. Replace it with
    ``EcsServer(metadata_formatter=...)``.
    """
    return [event_state_content(e, simulator.simulation) for e in events]


def _asking(account: SimulatedAccount, from_path: str | None, from_header: str) -> Instance:
    """The instance a request comes from: the path's, the header's, or the only one."""
    if from_path and from_header and from_header != from_path:
        raise Reply(
            400,
            "InvalidParameter",
            f"The path names instance {from_path!r} but the {METADATA_INSTANCE_HEADER} "
            f"header names {from_header!r}; give one of them.",
        )
    instance_id = from_path or from_header or None
    if instance_id is None:
        instances = account.instances
        if len(instances) != 1:
            raise Reply(
                400,
                "MissingParameter",
                "Which instance is asking? The simulator has "
                f"{len(instances)} instances: send the {METADATA_INSTANCE_HEADER} header "
                "or prefix the path with the instance id "
                "(/i-xxx/latest/maintenance/active-system-events).",
            )
        return instances[0]
    try:
        return account.instance(instance_id)
    except EcsApiError as exc:
        raise Reply(exc.status, exc.code, exc.message) from None


def metadata_answer(
    account: SimulatedAccount,
    item: str,
    *,
    from_path: str | None,
    from_header: str,
    formatter: MetadataFormatter = active_system_events,
) -> tuple[bytes, str]:
    """The body and content type of one metadata ``item`` (a :data:`METADATA_PATH` item)."""
    instance = _asking(account, from_path, from_header.strip())
    if item == "meta-data/instance-id":
        return instance.instance_id.encode("utf-8"), TEXT_CONTENT_TYPE
    if item == "meta-data/region-id":
        return instance.region.encode("utf-8"), TEXT_CONTENT_TYPE
    active = list(account.events(instance_id=instance.instance_id, state=ACTIVE_STATES))
    body = formatter(account, instance, active)
    if isinstance(body, str):
        return body.encode("utf-8"), TEXT_CONTENT_TYPE
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return content, JSON_CONTENT_TYPE
