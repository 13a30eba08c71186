"""The plugin's hooks (hookspecs.py), implemented by a conftest: the catalog, a simulator
created, each transition and each API call."""

from __future__ import annotations

import pytest

from pytest_ecs_events import hookspecs

# --------------------------------------------------------------------------------- hooks
HOOKS_CONFTEST = """
from pytest_ecs_events.core.catalog import Category, EventTypeSpec

def pytest_ecs_events_configure_catalog(catalog, config):
    return catalog.with_changes(
        event_type_codes={"SystemMaintenance.Reboot": 1001},
        event_types=[EventTypeSpec("SystemMaintenance.Custom", 4242, True,
                                   Category.MAINTENANCE, simulatable=True)],
    )

def pytest_ecs_events_simulator_created(simulator, item):
    simulator.created_for = (item.nodeid, [e.event_type for e in simulator.events()])

def pytest_ecs_events_transition(transition, simulator):
    simulator.__dict__.setdefault("seen", []).append(transition)

def pytest_ecs_events_api_call(call, simulator):
    simulator.__dict__.setdefault("api_calls", []).append(call)
"""


def test_hooks(sdk_pytester: pytest.Pytester) -> None:
    sdk_pytester.makeconftest(HOOKS_CONFTEST)
    sdk_pytester.makepyfile(
        test_hooks="""
        import pytest
        from alibabacloud_ecs20140526 import models

        from ecs_sdk_helpers import legacy_call, new_client

        def test_simulator_created_after_markers(ecs_sim):
            assert ecs_sim.created_for == ("test_hooks.py::test_simulator_created_after_markers",
                                           [])

        @pytest.mark.ecs_event("SystemMaintenance.Custom", instance="i-m")
        def test_simulator_created_sees_marker_events(ecs_sim):
            nodeid, types = ecs_sim.created_for
            assert types == ["SystemMaintenance.Custom"]

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z", instances=["i-a"])
        def test_transition_hook(ecs_sim):
            (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
            ecs_sim.advance("2h")
            assert [(t.event_id, t.old_state, t.new_state) for t in ecs_sim.seen] == [
                (event.event_id, None, "Scheduled"),
                (event.event_id, "Scheduled", "Executing"),
                (event.event_id, "Executing", "Executed"),
            ]
            assert [t.time.isoformat() for t in ecs_sim.seen] == [
                "2024-01-01T00:00:00+00:00", "2024-01-01T01:00:00+00:00",
                "2024-01-01T01:00:30+00:00"]

        def test_api_call_hook(ecs_sim):
            ecs_sim.add_instance("i-a")
            assert not hasattr(ecs_sim, "api_calls")
            legacy_call(ecs_sim, "DescribeInstancesFullStatus")
            ecs_sim.fail_next("RebootInstance", code="Throttling")
            with pytest.raises(Exception):
                legacy_call(ecs_sim, "RebootInstance", InstanceId="i-a")
            assert [(c.action, c.status, c.error_code) for c in ecs_sim.api_calls] == [
                ("DescribeInstancesFullStatus", 200, None),
                ("RebootInstance", 400, "Throttling"),
            ]
            assert ecs_sim.api_calls == ecs_sim.calls

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        @pytest.mark.ecs_event("SystemMaintenance.Custom", instance="i-a", not_before="+2h")
        def test_catalog_hook_legacy_sdk(ecs_sim):
            body = legacy_call(ecs_sim, "DescribeInstancesFullStatus")
            (row,) = body["InstanceFullStatusSet"]["InstanceFullStatusType"]
            events = row["ScheduledSystemEventSet"]["ScheduledSystemEventType"]
            assert sorted((e["EventType"]["Name"], e["EventType"]["Code"]) for e in events) == [
                ("SystemMaintenance.Custom", 4242), ("SystemMaintenance.Reboot", 1001)]

        @pytest.mark.ecs_sim(instances=["i-a"])
        def test_catalog_hook_new_sdk(ecs_sim):
            client = new_client(ecs_sim)
            created = client.create_simulated_system_events(
                models.CreateSimulatedSystemEventsRequest(
                    region_id=ecs_sim.region, event_type="SystemMaintenance.Custom",
                    instance_id=["i-a"], not_before="2099-01-01T00:00:00Z"))
            (event_id,) = created.body.event_id_set.event_id
            ecs_sim.cancel_events(event_id)
            response = client.describe_instance_history_events(
                models.DescribeInstanceHistoryEventsRequest(region_id=ecs_sim.region))
            (item,) = response.body.instance_system_event_set.instance_system_event_type
            assert (item.event_id, item.event_type.name, item.event_type.code) == (
                event_id, "SystemMaintenance.Custom", 4242)
            assert item.event_cycle_status.name == "Canceled"
        """
    )
    result = sdk_pytester.runpytest("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=6)


def test_transition_hook_sees_the_creation_of_marker_events(ecs_pytester: pytest.Pytester) -> None:
    """The hookspec says creation is a transition (old_state None); marker events too."""
    ecs_pytester.makeconftest(HOOKS_CONFTEST)
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(now="2024-01-01T00:00:00Z")
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        def test_marker_event(ecs_sim):
            (event,) = ecs_sim.events()
            seen = getattr(ecs_sim, "seen", [])
            assert [(t.event_id, t.old_state, t.new_state) for t in seen] == [
                (event.event_id, None, "Scheduled")]
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_catalog_hook_does_not_leak_into_runs_without_it(sdk_pytester: pytest.Pytester) -> None:
    sub = sdk_pytester.mkpydir("with_hook")
    (sub / "conftest.py").write_text(HOOKS_CONFTEST)
    sdk_pytester.makepyfile(
        test_without_hook="""
        import pytest
        from ecs_sdk_helpers import legacy_call

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a")
        def test_default_code(ecs_sim):
            body = legacy_call(ecs_sim, "DescribeInstancesFullStatus")
            (row,) = body["InstanceFullStatusSet"]["InstanceFullStatusType"]
            (event,) = row["ScheduledSystemEventSet"]["ScheduledSystemEventType"]
            assert event["EventType"]["Code"] == 1
            assert "SystemMaintenance.Custom" not in ecs_sim.catalog.event_types
        """
    )
    sdk_pytester.runpytest("-p", "no:cacheprovider", "test_without_hook.py").assert_outcomes(
        passed=1
    )


# ------------------------------------------------------------------------- the contract
def test_the_hook_names_are_the_public_contract() -> None:
    declared = {name for name in vars(hookspecs) if name.startswith("pytest_")}
    assert declared == {
        "pytest_ecs_events_configure_catalog",
        "pytest_ecs_events_simulator_created",
        "pytest_ecs_events_transition",
        "pytest_ecs_events_instance_change",
        "pytest_ecs_events_api_call",
    }


def test_only_the_catalog_hook_stops_at_the_first_result(ecs_pytester: pytest.Pytester) -> None:
    config = ecs_pytester.parseconfig()
    firstresult = {
        name: getattr(config.hook, name).spec.opts["firstresult"]
        for name in vars(hookspecs)
        if name.startswith("pytest_")
    }
    assert firstresult.pop("pytest_ecs_events_configure_catalog") is True
    assert set(firstresult.values()) == {False}
