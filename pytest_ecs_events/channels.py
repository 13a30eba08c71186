"""Deprecated: notifications moved to :mod:`pytest_ecs_events.notifications` (payloads,
subscribers, webhooks). Reading a name here warns and returns the moved one; removed in 0.3.
"""

from __future__ import annotations

from .core.lazy import moved_exports

_PAYLOADS = "pytest_ecs_events.notifications.payloads"
_WEBHOOKS = "pytest_ecs_events.notifications.webhooks"

__getattr__, __dir__ = moved_exports(__name__, globals(), {
    **dict.fromkeys(["FORMATS", "CHINA_TIME", "Payload", "event_content", "event_state_content",
                     "cloudmonitor_event", "cloudmonitor_state_change", "eventbridge_event",
                     "eventbridge_state_change", "BUILDERS", "build_payload", "check_format"],
                    _PAYLOADS),
    "Subscription": "pytest_ecs_events.notifications.subscribers",
    **dict.fromkeys(["WEBHOOK_TIMEOUT", "Delivery", "WebhookSubscription", "check_webhook_url"],
                    _WEBHOOKS),
})  # fmt: skip
