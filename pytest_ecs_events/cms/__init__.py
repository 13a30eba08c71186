"""CloudMonitor (Cms, 2019-01-01): the system-event queries and the event rules.

The second RPC product of the simulator. Its actions are registered under the ``"cms"`` key
of ``api/registry.py`` when this package is imported (the simulator does), and the shared
dispatcher (``api/dispatch.py``) serves them: same parameters, signatures, faults and
request ids as ECS. The rules themselves are account state, in ``core/event_rules.py``.

It sits beside ``transports`` (above ``notifications``): CloudMonitor shows each ECS event
state change with the CloudMonitor payload ``notifications/payloads.py`` builds.
"""

from __future__ import annotations

from . import actions  # noqa: F401  (registers the handlers under "cms")
from .rule_delivery import RuleBridge
from .system_events import (
    CmsSystemEvent,
    cms_event_type,
    payload_event_type,
    system_events,
)

__all__ = [
    "CmsSystemEvent",
    "RuleBridge",
    "cms_event_type",
    "payload_event_type",
    "system_events",
]
