"""``LiveEcs``: the offline members against a real account (here a fake client: no pytest
fixture is needed to use the handle, only a session)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pytest_ecs_events.core.catalog import EventState
from pytest_ecs_events.handle import EcsHandle
from pytest_ecs_events.live.errors import LiveGuardError, LiveTimeout, LiveUnsupported
from pytest_ecs_events.live.handle import OFFLINE_ONLY, LiveEcs
from pytest_ecs_events.live.session import LiveSession
from pytest_ecs_events.simulator import EcsSimulator
from tests.helpers.live import FakeClient, make_session, with_fake_client

SECRET = "unit-Secret/with+chars=="


@pytest.fixture
def session(tmp_path: Path) -> LiveSession:
    live, lines = make_session(tmp_path, secret=SECRET)
    live.lines = lines  # type: ignore[attr-defined]
    return live


def test_advance_fails_fast_when_the_wait_exceeds_the_timeout(session: LiveSession) -> None:
    handle = LiveEcs(session)
    with pytest.raises(LiveTimeout, match=r"longer than --ecs-live-timeout=0\.8s"):
        handle.advance("2h")
    with pytest.raises(ValueError, match="backwards"):
        handle.advance(to="2001-01-01T00:00:00Z")
    with pytest.raises(TypeError, match="either"):
        handle.advance("1s", to="2001-01-01T00:00:00Z")


def test_advance_fails_clearly_when_the_cloud_lags(session: LiveSession) -> None:
    with_fake_client(session, FakeClient({"e-late": "Scheduled"}))
    handle = LiveEcs(session)
    handle._created.append("e-late")
    with pytest.raises(LiveTimeout) as info:
        handle.advance("0s")
    message = str(info.value)
    assert "the cloud had not caught up with" in message
    assert "e-late (SystemMaintenance.Reboot on web) is still Scheduled" in message
    assert any("waiting for the cloud to move 1 due event(s)" in x for x in session.lines)  # type: ignore[attr-defined]


def test_the_handle_skips_offline_only_members(session: LiveSession) -> None:
    handle = LiveEcs(session)
    for use in (
        lambda: handle.inject_event("SystemMaintenance.Reboot", "web"),
        lambda: handle.fail_next("RebootInstance"),
        lambda: handle.subscribe(print),
        lambda: handle.calls,
        lambda: handle.simulation,
        lambda: handle.on_change(print),
        lambda: handle.resolve("cache"),
        lambda: handle.add_instance(),
        lambda: handle.add_instance("web", tags={"a": "b"}),
    ):
        with pytest.raises(LiveUnsupported, match="live mode"):
            use()
    with pytest.raises(AttributeError):
        handle.no_such_member  # noqa: B018
    assert handle.resolve("web") == handle.resolve("i-web") == "i-web"
    assert SECRET not in repr(handle) + repr(session) + repr(session.client)
    with pytest.raises(TypeError):
        pickle.dumps(handle)


def test_offline_only_reasons_name_the_member() -> None:
    """The reasons a skipped test shows; an outcome, not an error a handler's ``except
    Exception`` would swallow."""
    handle = LiveEcs.__new__(LiveEcs)  # no session needed to refuse
    with pytest.raises(LiveUnsupported) as info:
        handle.fail_event("e-1")
    assert (
        info.value.reason
        == "ecs_sim.fail_event() is offline only: the cloud decides when an event fails"
    )
    assert str(info.value) == f"live mode: {info.value.reason}"
    assert not isinstance(info.value, Exception)
    with pytest.raises(LiveUnsupported, match=r"ecs_sim\.latency is offline only: the real"):
        handle.latency  # noqa: B018  (a simulator-only attribute, not a method)
    assert LiveEcs.inject_event.__name__ == "inject_event"


def test_every_offline_member_live_mode_lacks_has_a_reason() -> None:
    """live/ does not import the simulator to recognise its members: the table names them
    all, so a member added offline must be given a reason here (or implemented live)."""
    offline = {n for n in dir(EcsSimulator) if not n.startswith("_")}
    live = {n for n in dir(LiveEcs) if not n.startswith("_")}
    assert offline - live <= set(OFFLINE_ONLY), sorted(offline - live - set(OFFLINE_ONLY))


def test_the_live_handle_is_an_ecs_handle() -> None:
    assert EcsHandle in LiveEcs.__mro__
    for name in ("advance", "events", "create_events", "cancel_events", "reboot_instances"):
        assert getattr(LiveEcs, name) is getattr(EcsHandle, name), name  # written once


def test_create_read_and_cancel_through_the_handle(session: LiveSession) -> None:
    fake = with_fake_client(session, FakeClient({}))
    handle = LiveEcs(session)
    [event] = handle.create_events("SystemMaintenance.Reboot", "web", "+1h")
    assert (event.instance_id, event.state, event.simulated) == ("web", "Scheduled", True)
    assert handle.created_event_ids == [event.event_id]
    assert handle.events(instance_id="web", state="Scheduled") == [event]
    assert handle.events(state=["Executed", "Canceled"]) == []
    assert handle.events(event_type="SystemFailure.Reboot") == []
    assert handle.event(event.event_id) is event
    actions = [action for action, _ in fake.sent]
    assert actions[:2] == ["DescribeInstanceHistoryEvents", "CreateSimulatedSystemEvents"]
    assert session.journal.state.outstanding.keys() == {event.event_id}
    with pytest.raises(LiveGuardError, match="created during this test"):
        handle.cancel_events("e-foreign")
    [cancelled] = handle.cancel_events([event.event_id])
    assert cancelled is event
    assert event.state is EventState.Canceled
    assert [s for _, s in event.history] == [EventState.Scheduled, EventState.Canceled]
    assert handle.close().finished == [event.event_id]  # nothing left to cancel
    assert session.journal.state.settled


def test_members_that_the_cloud_cannot_do_here(session: LiveSession) -> None:
    with_fake_client(session, FakeClient({}))
    handle = LiveEcs(session)
    with pytest.raises(LiveUnsupported, match="creating events in cn-beijing"):
        handle.create_events("SystemMaintenance.Reboot", "web", region="cn-beijing")
    with pytest.raises(LiveUnsupported, match="'db' is not mapped"):
        handle.create_events("SystemMaintenance.Reboot", ["web", "db"])
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        handle.add_instance("web", colour="red")
    same = handle.add_instance("web", region="cn-hangzhou", status="Running", tags={})
    assert (same.instance_id, same.status) == ("web", "Running")
    assert [i.instance_id for i in handle.instances] == ["web"]


def test_call_sends_aliases_as_real_ids(session: LiveSession) -> None:
    fake = with_fake_client(session, FakeClient({}))
    handle = LiveEcs(session)
    handle.call("DescribeInstances", RegionId=handle.region, InstanceIds=["web", "i-web"])
    handle.call("RebootInstance", InstanceId="web", DryRun=True)
    assert fake.sent[-2][1]["InstanceIds"] == '["i-web", "i-web"]'
    assert fake.sent[-1][1] == {"InstanceId": "i-web", "DryRun": "true"}
    with pytest.raises(LiveGuardError, match="i-db: not in the allowlist"):
        handle.call("StopInstance", InstanceId="i-db")
