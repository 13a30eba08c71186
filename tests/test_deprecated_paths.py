"""The old import paths ``pytest_ecs_events.channels`` and ``pytest_ecs_events.markers`` keep
working for one release: each name warns, naming its new module, and is the moved object."""

from __future__ import annotations

import importlib
import re

import pytest

MOVED = {
    "pytest_ecs_events.channels": {
        "pytest_ecs_events.notifications.payloads": [
            "FORMATS", "CHINA_TIME", "Payload", "event_content", "event_state_content",
            "cloudmonitor_event", "cloudmonitor_state_change", "eventbridge_event",
            "eventbridge_state_change", "BUILDERS", "build_payload", "check_format",
        ],
        "pytest_ecs_events.notifications.subscribers": ["Subscription"],
        "pytest_ecs_events.notifications.webhooks": [
            "WEBHOOK_TIMEOUT", "Delivery", "WebhookSubscription", "check_webhook_url",
        ],
    },
    "pytest_ecs_events.markers": {
        "pytest_ecs_events.plugin.markers": [
            "SIM_MARKER", "EVENT_MARKER", "SIM_MARKER_HELP", "EVENT_MARKER_HELP", "MarkerError",
            "SimSettings", "EventMark", "sim_settings", "event_marks",
        ],
    },
}  # fmt: skip
CASES = [
    pytest.param(old, new, name, id=f"{old.rsplit('.', 1)[1]}.{name}")
    for old, places in MOVED.items()
    for new, names in places.items()
    for name in names
]


@pytest.mark.parametrize(("old", "new", "name"), CASES)
def test_an_old_name_warns_and_is_the_moved_object(old: str, new: str, name: str) -> None:
    module = importlib.import_module(old)
    expected = getattr(importlib.import_module(new), name)
    with pytest.warns(DeprecationWarning, match=re.escape(f"{old}.{name} moved to {new}.{name}")):
        value = getattr(module, name)
    assert value is expected


def test_from_import_of_an_old_name_warns() -> None:
    from pytest_ecs_events.notifications.payloads import build_payload
    from pytest_ecs_events.plugin.markers import MarkerError

    with pytest.warns(DeprecationWarning, match=r"pytest_ecs_events\.notifications\.payloads"):
        from pytest_ecs_events.channels import build_payload as old_build_payload
    with pytest.warns(DeprecationWarning, match=r"pytest_ecs_events\.plugin\.markers"):
        from pytest_ecs_events.markers import MarkerError as OldMarkerError
    assert old_build_payload is build_payload
    assert OldMarkerError is MarkerError


@pytest.mark.parametrize("old", sorted(MOVED))
def test_the_old_modules_list_the_moved_names_and_refuse_others(old: str) -> None:
    module = importlib.import_module(old)
    names = {name for names in MOVED[old].values() for name in names}
    assert names <= set(dir(module))
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = module.Nope
