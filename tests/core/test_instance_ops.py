"""The instance actions' rules: ModifyInstanceAttribute's checks, batch checks, StoppedMode
and StartTime."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pytest_ecs_events.core.catalog import InstanceStatus
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.instance_ops import (
    check_batch,
    check_changes,
    check_host_name,
    check_name,
    check_password,
    malformed_ids,
    stopped_mode_for,
)
from pytest_ecs_events.core.simulation import Simulation, SimulationConfig

UTC = timezone.utc
NOW = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture
def sim() -> Simulation:
    return Simulation(now=NOW, config=SimulationConfig())


@pytest.mark.parametrize("name", ["web-1", "Web_1:blue", "数据库-主", "ab"])
def test_good_instance_names(name: str) -> None:
    check_name(name)


@pytest.mark.parametrize("name", ["a", "1web", "-web", "http://x", "web 1", "web.1", "a" * 129])
def test_bad_instance_names(name: str) -> None:
    with pytest.raises(EcsApiError) as raised:
        check_name(name)
    assert (raised.value.code, raised.value.status) == ("InvalidInstanceName.Malformed", 400)


@pytest.mark.parametrize(
    ("host", "windows", "ok"),
    [
        ("web-1.prod", False, True),
        ("a" * 64, False, True),
        ("a" * 65, False, False),
        ("web..prod", False, False),
        ("web--1", False, False),
        ("-web", False, False),
        ("web.", False, False),
        ("web-01", True, True),
        ("web.prod", True, False),
        ("12345", True, False),
        ("a" * 16, True, False),
    ],
)
def test_host_name_rules(host: str, windows: bool, ok: bool) -> None:
    if ok:
        check_host_name(host, windows=windows)
    else:
        with pytest.raises(EcsApiError, match="HostName") as raised:
            check_host_name(host, windows=windows)
        assert raised.value.code == "InvalidHostName.Malformed"


@pytest.mark.parametrize(
    ("password", "ok"),
    [("Abcdef12", True), ("abcdef1!", True), ("abcdefgh", False), ("Ab1!", False),
     ("Abcdef12" * 4, False), ("Abcdéf12", False)],
)  # fmt: skip
def test_password_rules_never_echo_it(password: str, ok: bool) -> None:
    if ok:
        check_password(password, windows=False)
        return
    with pytest.raises(EcsApiError) as raised:
        check_password(password, windows=False)
    assert raised.value.code == "InvalidPassword.Malformed"
    assert password not in raised.value.message


def test_windows_password_may_not_start_with_a_slash() -> None:
    check_password("/Abcdef12", windows=False)
    with pytest.raises(EcsApiError):
        check_password("/Abcdef12", windows=True)


def test_malformed_ids() -> None:
    assert malformed_ids(["i-a", "i-bp1xyz", "i a", "", "i-a,i-b", "x" * 65]) == [
        "i a", "", "i-a,i-b", "x" * 65]  # fmt: skip


def test_check_changes_validates_all_before_applying(sim: Simulation) -> None:
    instance = sim.add_instance("i-a", name="web")
    with pytest.raises(EcsApiError) as raised:
        sim.modify_instance_attribute("i-a", {"instance_name": "web-2", "host_name": "-bad"})
    assert raised.value.code == "InvalidHostName.Malformed"
    assert instance.name == "web"  # nothing applied
    sim.modify_instance_attribute("i-a", {"instance_name": "web-2", "deletion_protection": True,
                                          "security_group_ids": ["sg-1", "sg-2"]})  # fmt: skip
    assert (instance.name, instance.deletion_protection) == ("web-2", True)
    assert instance.security_group_ids == ("sg-1", "sg-2")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"user_data": "eA=="}, "IncorrectInstanceStatus"),
        ({"cpu_options": {"Core": "1"}}, "IncorrectInstanceStatus"),
        ({"network_interface_queue_number": "2"}, "IncorrectInstanceStatus"),
        ({"security_group_ids": ["sg-1", "sg-1"]}, "InvalidSecurityGroupId.Duplicated"),
        ({"security_group_ids": [f"sg-{n}" for n in range(6)]},
         "InvalidSecurityGroupId.MultiGroupLimit"),
        ({"security_group_ids": ["group-1"]}, "InvalidSecurityGroupId.NotFound"),
        ({"credit_specification": "Unlimited"}, "InvalidInstanceType.NotSupportCredit"),
        ({"credit_specification": "Fast"}, "InvalidParameter"),
        ({"description": "http://x"}, "InvalidDescription.Malformed"),
        ({"user_data": "x" * 50_000}, "InvalidUserData.SizeExceeded"),
    ],
)  # fmt: skip
def test_check_changes_errors(sim: Simulation, changes: dict[str, object], code: str) -> None:
    instance = sim.add_instance("i-a")
    with pytest.raises(EcsApiError) as raised:
        check_changes(instance, changes)
    assert raised.value.code == code


def test_user_data_and_credit_when_allowed(sim: Simulation) -> None:
    burst = sim.add_instance("i-t", instance_type="ecs.t6-c1m1.large", status="Stopped")
    assert check_changes(burst, {"user_data": "eA==", "credit_specification": "Unlimited"}) == {
        "user_data": "eA==", "credit_specification": "Unlimited"}  # fmt: skip


def test_stopped_mode_follows_the_stop_and_start_time_the_start(sim: Simulation) -> None:
    paygo = sim.add_instance("i-a")
    prepaid = sim.add_instance("i-b", charge_type="PrePaid", expired_time="+30d")
    assert stopped_mode_for(paygo, "StopCharging") == "StopCharging"
    assert stopped_mode_for(prepaid, "StopCharging") == "KeepCharging"  # not an error
    sim.batch_instance_action("StopInstances", ["i-a", "i-b"], region="cn-hangzhou",
                             stopped_mode="StopCharging")  # fmt: skip
    sim.advance_to(NOW + timedelta(minutes=5))
    assert (paygo.status, paygo.stopped_mode) == (InstanceStatus.Stopped, "StopCharging")
    assert prepaid.stopped_mode == "KeepCharging"
    sim.batch_instance_action("StartInstances", ["i-a"], region="cn-hangzhou")
    sim.advance_to(NOW + timedelta(minutes=10))
    assert paygo.status is InstanceStatus.Running
    assert paygo.stopped_mode == "Not-applicable"
    assert paygo.started_at is not None
    assert paygo.started_at > NOW
    sim.stop_instance("i-a")
    sim.advance_to(NOW + timedelta(minutes=15))
    assert paygo.stopped_mode == "KeepCharging"


def test_check_batch_order(sim: Simulation) -> None:
    running = sim.add_instance("i-a")
    with pytest.raises(EcsApiError) as raised:  # SuccessFirst dry run: success whatever
        check_batch(["i-none"], [None], InstanceStatus.Stopped, dry_run=True, all_together=False)
    assert raised.value.code == "DRYRUN.SUCCESS"
    with pytest.raises(EcsApiError) as raised:
        check_batch(["i a"], [None], InstanceStatus.Stopped, dry_run=False, all_together=True)
    assert (raised.value.code, raised.value.status) == ("Abs.InvalidInstanceIds.MalFormed", 403)
    with pytest.raises(EcsApiError) as raised:
        check_batch(["i-x"], [None], InstanceStatus.Stopped, dry_run=False, all_together=True)
    assert (raised.value.code, raised.value.status) == ("InvalidInstanceIds.NotFound", 404)
    with pytest.raises(EcsApiError) as raised:
        check_batch(["i-a"], [running], InstanceStatus.Stopped, dry_run=False, all_together=True)
    assert (raised.value.code, raised.value.status) == ("IncorrectInstanceStatus", 403)
    assert check_batch(["i-a"], [running], InstanceStatus.Stopped, dry_run=False,
                       all_together=False) == [running]  # fmt: skip


def test_a_stop_avoids_events_as_stop_instance_does(sim: Simulation) -> None:
    sim.add_instance("i-a")
    # A platform Stop event is avoided by StopInstance: StopInstances does the same.
    event = sim.inject_event("SystemMaintenance.Stop", "i-a", not_before=NOW + timedelta(hours=2))
    sim.batch_instance_action("StopInstances", ["i-a"], region="cn-hangzhou")
    assert event.state.value == "Avoided"
