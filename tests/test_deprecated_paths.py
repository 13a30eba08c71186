"""Every old import path (a shim built with ``core.lazy.moved_exports``) keeps working for one
release: each moved name warns, naming its new module, and is the moved object; the shim lists
the moved names and refuses others. The checks particular to one shim follow the common ones.
"""

from __future__ import annotations

import importlib
import re

import pytest

from pytest_ecs_events.live import _MOVED as LIVE_MOVED

#: Old module -> {new module: [names that moved there]}.
SHIMS: dict[str, dict[str, list[str]]] = {
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
    "pytest_ecs_events.api.wire": {
        "pytest_ecs_events.api.messages": ["ApiRequest", "ApiResponse", "NO_HEADERS"],
        "pytest_ecs_events.api.protocol": ["JSON_CONTENT_TYPE"],
        "pytest_ecs_events.api.speedups.fast_parse": [
            "parse_query", "split_url", "unquote_query_part",
        ],
        "pytest_ecs_events.api.speedups.json_output": ["Rendered", "encode_json", "json_tail"],
    },
    "pytest_ecs_events.api.dispatch": {
        "pytest_ecs_events.api.speedups.answer_cache": ["LastPage", "Query"],
        "pytest_ecs_events.api.registry": ["Handler", "Preparer", "action", "query_action"],
    },
    "pytest_ecs_events.transports.server": {
        "pytest_ecs_events.transports.server.access": ["AccessRecord"],
        "pytest_ecs_events.transports.server.wallclock": ["WallClockFollower"],
        "pytest_ecs_events.transports.server.framing": [
            "DEFAULT_MAX_BODY", "MAX_FIELDS", "CONNECTION_TIMEOUT",
        ],
        "pytest_ecs_events.transports.server.metadata": [
            "METADATA_INSTANCE_HEADER", "active_system_events",
        ],
        "pytest_ecs_events.transports.server.protocols": ["MetadataFormatter"],
        "pytest_ecs_events.transports.server.control": ["event_json", "instance_json"],
        "pytest_ecs_events.core.network": ["is_loopback"],
    },
    "pytest_ecs_events.live": {
        **{f"pytest_ecs_events.live.{module}": names for module, names in LIVE_MOVED.items()},
        # the pytest glue: it needs a pytest item, so it lives with the plugin now
        "pytest_ecs_events.plugin.live": ["prepare_handle"],
    },
    "pytest_ecs_events.live_journal": {
        "pytest_ecs_events.live.journal": [
            "FORMAT_VERSION", "JOURNAL_GLOB", "EventRecord", "Intent", "Journal",
            "JournalState", "journal_files", "read_journal",
        ],
    },
}  # fmt: skip
MOVED = [
    pytest.param(old, new, name, id=f"{old.rsplit('.', 1)[1]}.{name}")
    for old, places in SHIMS.items()
    for new, names in places.items()
    for name in names
]
#: One ``from OLD import NAME`` statement per shim.
FROM_IMPORTS = {
    "pytest_ecs_events.channels": "build_payload",
    "pytest_ecs_events.markers": "MarkerError",
    "pytest_ecs_events.api.wire": "ApiRequest",
    "pytest_ecs_events.api.dispatch": "Handler",
    "pytest_ecs_events.transports.server": "WallClockFollower",
    "pytest_ecs_events.live": "prepare_handle",
    "pytest_ecs_events.live_journal": "Journal",
}


def new_module(old: str, name: str) -> str:
    (module,) = [new for new, names in SHIMS[old].items() if name in names]
    return module


# ============================================================================ every shim
@pytest.mark.parametrize(("old", "new", "name"), MOVED)
def test_an_old_name_warns_and_is_the_moved_object(old: str, new: str, name: str) -> None:
    module = importlib.import_module(old)
    expected = getattr(importlib.import_module(new), name)
    with pytest.warns(DeprecationWarning, match=re.escape(f"{old}.{name} moved to {new}.{name}")):
        value = getattr(module, name)
    assert value is expected
    assert name in dir(module)


@pytest.mark.parametrize(("old", "name"), sorted(FROM_IMPORTS.items()))
def test_from_import_of_an_old_name_warns(old: str, name: str) -> None:
    new = new_module(old, name)
    namespace: dict[str, object] = {}
    with pytest.warns(DeprecationWarning, match=re.escape(f"moved to {new}.{name}")):
        exec(f"from {old} import {name} as value", namespace)
    assert namespace["value"] is getattr(importlib.import_module(new), name)


def test_every_shim_has_a_from_import_case() -> None:
    assert set(FROM_IMPORTS) == set(SHIMS)


@pytest.mark.parametrize("old", sorted(SHIMS))
def test_the_old_modules_list_the_moved_names_and_refuse_others(old: str) -> None:
    module = importlib.import_module(old)
    names = {name for names in SHIMS[old].values() for name in names}
    assert names <= set(dir(module))
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = module.Nope
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = module.nope


# ======================================================================= particular shims
def test_ecs_server_stays_in_transports_server_without_a_warning(
    recwarn: pytest.WarningsRecorder,
) -> None:
    import pytest_ecs_events.transports.server as old
    from pytest_ecs_events.transports.server import EcsServer
    from pytest_ecs_events.transports.server.ecs_server import EcsServer as Defined

    assert EcsServer is Defined
    assert old.__all__ == ["EcsServer"]
    assert not recwarn.list


def test_the_old_live_module_serves_every_public_name() -> None:
    """What ``live.py`` had (its ``__all__`` and the other public names tests and users
    imported), including ``prepare_handle``, which moved to the plugin."""
    import pytest_ecs_events.live

    served = set(dir(pytest_ecs_events.live))
    old_all = {"ACCESS_KEY_ID_ENV", "ACCESS_KEY_SECRET_ENV", "SIMULATED_EVENT_QUOTA",
               "CancelReport", "Credentials", "CredentialsMissing", "LiveApiError", "LiveClient",
               "LiveConnectionError", "LiveEcs", "LiveGuard", "LiveGuardError", "LiveSession",
               "LiveSettings", "Scrubber", "SettleReport", "parse_endpoint", "parse_instance_map",
               "settle", "DEFAULT_TIMEOUT", "parse_timeout", "cancel_events", "prepare_handle",
               "cleanup_journals", "DEFAULT_JOURNAL_DIR"}  # fmt: skip
    assert old_all <= served


def test_no_live_submodule_is_named_like_an_old_flat_name() -> None:
    """A submodule named like an old flat name would shadow it once imported: ``settle``
    stays the function after ``live.cleanup`` is imported."""
    import pytest_ecs_events.live
    import pytest_ecs_events.live.cleanup

    old_names = {name for names in LIVE_MOVED.values() for name in names}
    submodules = set(LIVE_MOVED) | {"journal", "records", "waiting"}
    assert not submodules & old_names
    with pytest.warns(DeprecationWarning, match="moved to pytest_ecs_events.live.cleanup"):
        settle = pytest_ecs_events.live.settle
    assert settle is pytest_ecs_events.live.cleanup.settle
