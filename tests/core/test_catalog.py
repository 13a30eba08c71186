"""The event-type catalog, the states and the numeric code table (core/catalog.py)."""

from __future__ import annotations

import dataclasses

import pytest

from pytest_ecs_events.core.catalog import (
    ACTIVE_STATES,
    DEFAULT_CATALOG,
    FINAL_STATES,
    Catalog,
    Category,
    EventState,
    EventTypeSpec,
    InstanceStatus,
    UnknownEventType,
)

SIMULATABLE = (
    "SystemMaintenance.Reboot",
    "SystemMaintenance.Stop",
    "SystemMaintenance.Redeploy",
    "SystemFailure.Reboot",
    "SystemFailure.Redeploy",
    "SystemFailure.Stop",
    "InstanceFailure.Reboot",
)

# The instance event types the ECS API documents (docs/events.md, "Event types", lists them).
DOCUMENTED_TYPES = (
    "SystemMaintenance.Reboot",
    "SystemMaintenance.Redeploy",
    "SystemMaintenance.Stop",
    "SystemMaintenance.RebootAndIsolateErrorDisk",
    "SystemMaintenance.RebootAndReInitErrorDisk",
    "SystemMaintenance.IsolateErrorDisk",
    "SystemMaintenance.ReInitErrorDisk",
    "SystemMaintenance.CleanInactiveDisks",
    "SystemMaintenance.PerformanceImpact",
    "SystemMaintenance.CleanReleasedDisks",
    "SystemFailure.Reboot",
    "SystemFailure.Redeploy",
    "SystemFailure.Stop",
    "SystemFailure.Delete",
    "InstanceFailure.Reboot",
    "InstanceExpiration.Stop",
    "InstanceExpiration.Delete",
    "AccountUnbalanced.Stop",
    "AccountUnbalanced.Delete",
    # the ExtendedAttribute list of the response models, and the EventBridge ECS event list
    "SystemMaintenance.StopAndRepair",
    "SystemUpgrade.Migrate",
    "SecurityPunish.Locked",
    "SecurityPunish.WebsiteBanned",
    "Security.TpmAlert",
    "InstanceFailure.Alert",
)
#: Maintenance types that ask first (documented ``:Inquiring`` start, local-disk events).
ASKING_TYPES = (
    "SystemMaintenance.RebootAndIsolateErrorDisk",
    "SystemMaintenance.RebootAndReInitErrorDisk",
    "SystemMaintenance.IsolateErrorDisk",
    "SystemMaintenance.ReInitErrorDisk",
    "SystemMaintenance.StopAndRepair",
)

CONFIRMED_EVENT_TYPE_CODES = {
    "SystemMaintenance.Reboot": 1,
    "SystemMaintenance.RebootAndIsolateErrorDisk": 3,
    "SystemMaintenance.Redeploy": 9,
    "InstanceExpiration.Stop": 34,
    "SystemFailure.Reboot": 65,
    "SystemFailure.Delete": 66,
}
CONFIRMED_STATE_CODES = {
    EventState.Executed: 0,
    EventState.Avoided: 8,
    EventState.Scheduled: 24,
    EventState.Inquiring: 28,
}
CONFIRMED_INSTANCE_STATUS_CODES = {InstanceStatus.Running: 1}
CONFIRMED_HEALTH_CODES = {"Ok": 0, "Warning": 64, "Impaired": 128}


# ------------------------------------------------------------------------------- the types
def test_exactly_the_seven_simulatable_types() -> None:
    assert sorted(DEFAULT_CATALOG.simulatable) == sorted(SIMULATABLE)
    assert len(DEFAULT_CATALOG.simulatable) == 7
    for name, spec in DEFAULT_CATALOG.event_types.items():
        assert spec.simulatable is (name in SIMULATABLE), name


@pytest.mark.parametrize("name", DOCUMENTED_TYPES)
def test_every_documented_type_is_in_the_catalog(name: str) -> None:
    spec = DEFAULT_CATALOG.spec(name)
    assert spec.name == name
    assert DEFAULT_CATALOG.event_types[name] is spec


def test_catalog_keys_match_spec_names() -> None:
    for name, spec in DEFAULT_CATALOG.event_types.items():
        assert spec.name == name


@pytest.mark.parametrize(
    ("name", "category", "start"),
    [
        ("SystemMaintenance.Reboot", Category.MAINTENANCE, EventState.Scheduled),
        ("SystemMaintenance.Stop", Category.MAINTENANCE, EventState.Scheduled),
        ("SystemMaintenance.Redeploy", Category.MAINTENANCE, EventState.Scheduled),
        ("SystemFailure.Reboot", Category.FAILURE, EventState.Executing),
        ("SystemFailure.Redeploy", Category.FAILURE, EventState.Executing),
        ("SystemFailure.Stop", Category.FAILURE, EventState.Executing),
        ("InstanceFailure.Reboot", Category.FAILURE, EventState.Executing),
    ],
)
def test_simulatable_categories_and_start_states(
    name: str, category: Category, start: EventState
) -> None:
    spec = DEFAULT_CATALOG.spec(name)
    assert spec.category is category
    assert spec.start_state is start


def test_maintenance_types_start_scheduled_or_inquiring_as_documented() -> None:
    for name, spec in DEFAULT_CATALOG.event_types.items():
        if name in ASKING_TYPES:
            assert spec.start_state is EventState.Inquiring, name
            assert spec.acceptable, name
        elif name.startswith("SystemMaintenance.") and not name.endswith(".PerformanceImpact"):
            assert spec.start_state is EventState.Scheduled, name
        if name.startswith(("SystemFailure.", "InstanceFailure.")):
            assert spec.start_state is EventState.Executing, name


def test_performance_impact_and_the_alerts_are_warn_level_and_the_rest_critical() -> None:
    warn = {"SystemMaintenance.PerformanceImpact", "InstanceFailure.Alert", "Security.TpmAlert"}
    for name, spec in DEFAULT_CATALOG.event_types.items():
        expected = "WARN" if name in warn else "CRITICAL"
        assert spec.level == expected, name


def test_only_simulated_maintenance_reboot_is_avoided_by_reboot() -> None:
    avoidable = {n for n, s in DEFAULT_CATALOG.event_types.items() if s.simulated_avoided_by}
    assert avoidable == {"SystemMaintenance.Reboot"}
    spec = DEFAULT_CATALOG.spec("SystemMaintenance.Reboot")
    assert spec.simulated_avoided_by == {"RebootInstance", "RebootInstances"}
    # RedeployInstance never acts on simulated events.
    for spec in DEFAULT_CATALOG.event_types.values():
        assert "RedeployInstance" not in spec.simulated_avoided_by


@pytest.mark.parametrize(
    "name", ["SystemMaintenance.Reboot", "SystemMaintenance.Redeploy", "SystemFailure.Redeploy"]
)
def test_redeploy_avoids_the_documented_platform_events(name: str) -> None:
    assert "RedeployInstance" in DEFAULT_CATALOG.spec(name).platform_avoided_by


@pytest.mark.parametrize(
    ("name", "after", "release"),
    [
        ("SystemMaintenance.Reboot", InstanceStatus.Running, False),
        ("SystemMaintenance.Stop", InstanceStatus.Stopped, False),
        ("SystemMaintenance.Redeploy", InstanceStatus.Running, False),
        ("SystemFailure.Reboot", InstanceStatus.Running, False),
        ("SystemFailure.Stop", InstanceStatus.Stopped, False),
        ("SystemFailure.Redeploy", InstanceStatus.Running, False),
        ("SystemFailure.Delete", None, True),
        ("InstanceFailure.Reboot", InstanceStatus.Running, False),
        ("InstanceExpiration.Stop", InstanceStatus.Stopped, False),
        ("InstanceExpiration.Delete", None, True),
        ("AccountUnbalanced.Stop", InstanceStatus.Stopped, False),
        ("AccountUnbalanced.Delete", None, True),
    ],
)
def test_platform_effects(name: str, after: InstanceStatus | None, release: bool) -> None:
    effect = DEFAULT_CATALOG.spec(name).effect
    assert effect.after is after
    assert effect.release is release
    assert effect.during is not None


# ------------------------------------------------------------------------------- the codes
@pytest.mark.parametrize(("name", "code"), sorted(CONFIRMED_EVENT_TYPE_CODES.items()))
def test_confirmed_event_type_codes(name: str, code: int) -> None:
    spec = DEFAULT_CATALOG.spec(name)
    assert spec.code == code
    assert spec.code_confirmed is True


def test_unconfirmed_event_type_codes_are_flagged() -> None:
    for name, spec in DEFAULT_CATALOG.event_types.items():
        assert spec.code_confirmed is (name in CONFIRMED_EVENT_TYPE_CODES), name


@pytest.mark.parametrize(("state", "code"), sorted(CONFIRMED_STATE_CODES.items()))
def test_confirmed_state_codes(state: EventState, code: int) -> None:
    assert DEFAULT_CATALOG.state_code(state) == code
    assert DEFAULT_CATALOG.state_codes[state] == (code, True)


def test_every_state_has_a_code_and_unknown_ones_are_flagged() -> None:
    assert set(DEFAULT_CATALOG.state_codes) == set(EventState)
    for state, (_, confirmed) in DEFAULT_CATALOG.state_codes.items():
        assert confirmed is (state in CONFIRMED_STATE_CODES), state
    for state in (EventState.Executing, EventState.Canceled, EventState.Failed):
        assert DEFAULT_CATALOG.state_codes[state][1] is False


def test_instance_status_codes() -> None:
    assert set(DEFAULT_CATALOG.instance_status_codes) == set(InstanceStatus)
    assert DEFAULT_CATALOG.instance_status_code(InstanceStatus.Running) == 1
    for status, (_, confirmed) in DEFAULT_CATALOG.instance_status_codes.items():
        assert confirmed is (status in CONFIRMED_INSTANCE_STATUS_CODES), status


def test_health_codes() -> None:
    for name, code in CONFIRMED_HEALTH_CODES.items():
        assert DEFAULT_CATALOG.health_code(name) == code
        assert DEFAULT_CATALOG.health_codes[name] == (code, True)
    assert set(DEFAULT_CATALOG.health_codes) == {
        "Ok", "Impaired", "Warning", "Maintaining", "Initializing", "InsufficientData",
        "NotApplicable",
    }  # fmt: skip
    for name, (_, confirmed) in DEFAULT_CATALOG.health_codes.items():
        assert confirmed is (name in CONFIRMED_HEALTH_CODES), name


@pytest.mark.parametrize(
    "table",
    ["event_types", "state_codes", "instance_status_codes", "health_codes"],
)
def test_no_two_entries_share_a_code(table: str) -> None:
    if table == "event_types":
        codes = [s.code for s in DEFAULT_CATALOG.event_types.values()]
    else:
        codes = [code for code, _ in getattr(DEFAULT_CATALOG, table).values()]
    assert len(codes) == len(set(codes)), sorted(codes)


# ------------------------------------------------------------------------------ the states
def test_event_state_is_a_str_enum() -> None:
    assert EventState.Avoided == "Avoided"
    assert str(EventState.Scheduled) == "Scheduled"
    assert EventState("Inquiring") is EventState.Inquiring
    assert {s.value for s in EventState} == {
        "Scheduled", "Inquiring", "Executing", "Executed", "Avoided", "Canceled", "Failed",
    }  # fmt: skip


def test_final_and_active_states_partition_the_states() -> None:
    final = {EventState.Executed, EventState.Avoided, EventState.Canceled, EventState.Failed}
    active = {EventState.Scheduled, EventState.Inquiring, EventState.Executing}
    assert final == FINAL_STATES
    assert active == ACTIVE_STATES
    assert set(EventState) == FINAL_STATES | ACTIVE_STATES
    assert not FINAL_STATES & ACTIVE_STATES
    for state in EventState:
        assert state.is_final is (state in FINAL_STATES)


def test_instance_status_is_a_str_enum() -> None:
    assert InstanceStatus.Running == "Running"
    assert str(InstanceStatus.Stopped) == "Stopped"
    assert {s.value for s in InstanceStatus} == {
        "Pending", "Starting", "Running", "Stopping", "Stopped",
    }  # fmt: skip


# -------------------------------------------------------------------------- unknown types
@pytest.mark.parametrize("name", ["SystemMaintenance.Explode", "", "systemmaintenance.reboot"])
def test_unknown_type_raises_naming_it(name: str) -> None:
    with pytest.raises(UnknownEventType) as info:
        DEFAULT_CATALOG.spec(name)
    assert repr(name) in str(info.value)
    # It lists what would have been accepted.
    assert "SystemMaintenance.Reboot" in str(info.value)


def test_unknown_type_is_a_key_error_and_handles_unhashable_names() -> None:
    assert issubclass(UnknownEventType, KeyError)
    with pytest.raises(UnknownEventType, match=r"\['x'\]"):
        DEFAULT_CATALOG.spec(["x"])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- with_changes
def _default_snapshot() -> tuple[object, ...]:
    return (
        dict(DEFAULT_CATALOG.event_types),
        dict(DEFAULT_CATALOG.state_codes),
        dict(DEFAULT_CATALOG.instance_status_codes),
        dict(DEFAULT_CATALOG.health_codes),
    )


def test_with_changes_overrides_codes_without_touching_the_default() -> None:
    before = _default_snapshot()
    changed = DEFAULT_CATALOG.with_changes(
        event_type_codes={"SystemFailure.Stop": 99},
        state_codes={"Executing": 17, EventState.Canceled: 5},
        instance_status_codes={"Stopped": 40},
        health_codes={"Maintaining": 33},
    )
    assert changed is not DEFAULT_CATALOG
    assert changed.spec("SystemFailure.Stop").code == 99
    assert changed.spec("SystemFailure.Stop").code_confirmed is True
    # The rest of the spec is kept.
    restored = dataclasses.replace(
        changed.spec("SystemFailure.Stop"), code=68, code_confirmed=False
    )
    assert restored == DEFAULT_CATALOG.spec("SystemFailure.Stop")
    assert changed.state_codes[EventState.Executing] == (17, True)
    assert changed.state_codes[EventState.Canceled] == (5, True)
    assert changed.instance_status_codes[InstanceStatus.Stopped] == (40, True)
    assert changed.health_codes["Maintaining"] == (33, True)
    # Untouched entries carry over.
    reboot = "SystemMaintenance.Reboot"
    assert changed.spec(reboot) == DEFAULT_CATALOG.spec(reboot)
    assert changed.state_code(EventState.Scheduled) == 24
    # The default is unchanged.
    assert _default_snapshot() == before
    assert DEFAULT_CATALOG.spec("SystemFailure.Stop").code == 68
    assert DEFAULT_CATALOG.state_code(EventState.Executing) == 16


def test_with_changes_adds_and_replaces_types() -> None:
    before = _default_snapshot()
    new = EventTypeSpec("SystemMaintenance.Custom", 200, False, Category.MAINTENANCE,
                        simulatable=True)  # fmt: skip
    replaced = dataclasses.replace(DEFAULT_CATALOG.spec("SystemFailure.Delete"), simulatable=True)
    changed = DEFAULT_CATALOG.with_changes(event_types=[new, replaced])
    assert changed.spec("SystemMaintenance.Custom") is new
    assert "SystemMaintenance.Custom" in changed.simulatable
    assert "SystemFailure.Delete" in changed.simulatable
    assert len(changed.event_types) == len(DEFAULT_CATALOG.event_types) + 1
    assert _default_snapshot() == before
    assert "SystemMaintenance.Custom" not in DEFAULT_CATALOG.event_types
    assert "SystemFailure.Delete" not in DEFAULT_CATALOG.simulatable
    with pytest.raises(UnknownEventType):
        DEFAULT_CATALOG.spec("SystemMaintenance.Custom")


def test_with_changes_on_a_changed_catalog_chains() -> None:
    first = DEFAULT_CATALOG.with_changes(event_type_codes={"SystemFailure.Stop": 99})
    second = first.with_changes(state_codes={"Failed": 3})
    assert second.spec("SystemFailure.Stop").code == 99
    assert second.state_code(EventState.Failed) == 3
    assert first.state_code(EventState.Failed) == 2


def test_with_changes_of_an_unknown_type_code_raises_naming_it() -> None:
    before = _default_snapshot()
    with pytest.raises(UnknownEventType, match=r"Nope\.Reboot"):
        DEFAULT_CATALOG.with_changes(event_type_codes={"Nope.Reboot": 5})
    assert _default_snapshot() == before


def test_with_changes_rejects_an_unknown_state_name() -> None:
    with pytest.raises(ValueError, match="Exploded"):
        DEFAULT_CATALOG.with_changes(state_codes={"Exploded": 5})


def test_a_fresh_catalog_gets_the_default_code_tables() -> None:
    catalog = Catalog({})
    assert catalog.state_code(EventState.Scheduled) == 24
    assert catalog.instance_status_code(InstanceStatus.Running) == 1
    assert catalog.health_code("Impaired") == 128
    assert catalog.simulatable == ()


def test_every_code_is_unique_and_keeps_clear_of_the_disk_event_codes() -> None:
    codes = [spec.code for spec in DEFAULT_CATALOG.event_types.values()]
    assert len(codes) == len(set(codes))
    assert 7 not in codes  # the disk event Stalled (confirmed code)


def test_only_the_documented_inquiring_types_accept() -> None:
    acceptable = {n for n, s in DEFAULT_CATALOG.event_types.items() if s.acceptable}
    assert acceptable == {*ASKING_TYPES, "SystemMaintenance.Reboot", "SystemMaintenance.Redeploy"}


def test_a_creation_failure_release_is_avoided_by_releasing_and_stop_fails_when_busy() -> None:
    assert DEFAULT_CATALOG.spec("SystemFailure.Delete").platform_avoided_by == {"DeleteInstance"}
    busy = {n for n, s in DEFAULT_CATALOG.event_types.items() if s.fails_if_instance_busy}
    assert busy == {"SystemMaintenance.Stop"}
