"""The disk members of the handle (add_disk, disks, disk, inject_disk_event, end_disk_event,
disk_events, add_instance's system disk), through the plugin as a user's test uses them, and
live mode's refusal."""

from __future__ import annotations

import pytest

from pytest_ecs_events.live.handle import OFFLINE_ONLY, LiveEcs

USER_TESTS = """
import pytest
from pytest_ecs_events.core.errors import EcsApiError


@pytest.mark.ecs_sim(now="2024-05-01T00:00:00Z", instances=["i-web"])
def test_disks_of_an_instance(ecs_sim):
    data = ecs_sim.add_disk("i-web", size=200, name="web-data", tags={"env": "prod"})
    spare = ecs_sim.add_disk(category="cloud_ssd", size=20)
    system, = [d for d in ecs_sim.disks if d.kind == "system"]
    assert [d.disk_id for d in ecs_sim.disks] == [system.disk_id, data.disk_id, spare.disk_id]
    assert ecs_sim.disk(data.disk_id) is data
    assert (data.device, data.status, spare.status) == ("/dev/xvdb", "In_use", "Available")
    with pytest.raises(EcsApiError, match="disk does not exist"):
        ecs_sim.disk("d-nope")


def test_system_disk_options(ecs_sim):
    instance = ecs_sim.add_instance(system_disk_size=100, system_disk_category="cloud_ssd")
    disk, = [d for d in ecs_sim.disks if d.instance_id == instance.instance_id]
    assert (disk.kind, disk.size_gib, disk.category) == ("system", 100, "cloud_ssd")


@pytest.mark.ecs_sim(now="2024-05-01T00:00:00Z", instances=["i-web"])
def test_a_disk_event_on_the_virtual_clock(ecs_sim):
    disk = ecs_sim.add_disk("i-web")
    event = ecs_sim.inject_disk_event("Stalled", disk.disk_id, at="+1h", duration="10m")
    later = ecs_sim.inject_disk_event("Degraded", disk.disk_id, at="+5h", duration=None)
    assert ecs_sim.disk_events(disk_id=disk.disk_id) == [event, later]
    assert ecs_sim.disk_events(event_type="Degraded") == [later]

    def health():
        body = ecs_sim.call("DescribeDisksFullStatus", RegionId=ecs_sim.region,
                            **{"DiskId.1": disk.disk_id})
        return body["DiskFullStatusSet"]["DiskFullStatusType"][0]["HealthStatus"]["Name"]

    assert health() == "Ok"
    ecs_sim.advance_to_next()
    assert (ecs_sim.now.isoformat(), health()) == ("2024-05-01T01:00:00+00:00", "Impaired")
    ecs_sim.advance_to_next()
    assert (ecs_sim.now.isoformat(), health()) == ("2024-05-01T01:10:00+00:00", "Ok")
    ecs_sim.advance("4h")
    assert health() == "Warning"
    ecs_sim.end_disk_event(later.event_id, at="+30m")
    ecs_sim.advance("30m")
    assert health() == "Ok"
    assert later.end_time == ecs_sim.now


def test_bad_arguments(ecs_sim):
    instance = ecs_sim.add_instance()
    disk = ecs_sim.add_disk(instance.instance_id)
    with pytest.raises(ValueError, match="duration must be positive"):
        ecs_sim.inject_disk_event("Stalled", disk.disk_id, duration="0s")
    with pytest.raises(ValueError, match="unknown disk event type"):
        ecs_sim.inject_disk_event("Melted", disk.disk_id)
    with pytest.raises(ValueError, match="add_disk.*size=0"):
        ecs_sim.add_disk(instance.instance_id, size=0)
"""


def test_the_disk_members_work_in_a_users_test(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(test_user=USER_TESTS)
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


@pytest.mark.parametrize(
    "member", ["add_disk", "disks", "disk", "inject_disk_event", "end_disk_event", "disk_events"]
)
def test_live_mode_has_a_reason_for_each_disk_member(member: str) -> None:
    assert member in OFFLINE_ONLY
    assert hasattr(LiveEcs, member)
