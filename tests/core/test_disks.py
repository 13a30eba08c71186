"""Data disks and system disk options (core/disks.py, Simulation.add_disk), and the disk an
``*ErrorDisk`` maintenance event names."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_ecs_events.core.disks import DATA_DEVICES, check_size, error_disk_attributes
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.simulation import Simulation
from tests.helpers.simulation import HOUR, T0


def test_a_data_disk_attaches_as_the_next_free_device(sim: Simulation) -> None:
    first = sim.add_disk("i-a", size=200, name="data-1", tags={"env": "prod"})
    second = sim.add_disk("i-a", category="cloud_ssd", size=20, delete_with_instance=False)

    assert (first.device, second.device) == ("/dev/xvdb", "/dev/xvdc")
    assert (first.status, first.kind, first.instance_id) == ("In_use", "data", "i-a")
    assert first.zone == sim.get_instance("i-a").zone
    assert dict(first.tags) == {"env": "prod"}
    assert first.created_at == first.attached_at == T0
    assert first.performance_level == "PL0"
    assert second.performance_level == ""
    assert [d.disk_id for d in sim.store.disks_of_instance("i-a")][1:] == [
        first.disk_id,
        second.disk_id,
    ]
    assert sim.get_disk(first.disk_id) is first


def test_an_unattached_disk_is_available_in_the_zone_given(sim: Simulation) -> None:
    disk = sim.add_disk(None, region="cn-beijing", zone="cn-beijing-h", size=40)

    assert (disk.status, disk.instance_id, disk.device) == ("Available", "", "")
    assert (disk.region, disk.zone, disk.attached_at) == ("cn-beijing", "cn-beijing-h", None)
    assert disk.disk_id.startswith("d-")
    assert len(disk.disk_id) == 22
    assert disk in sim.disks("cn-beijing")
    assert disk not in sim.disks("cn-hangzhou")


def test_adding_a_disk_counts_as_a_change(sim: Simulation) -> None:
    before = sim.mutations
    sim.add_disk("i-b")
    assert sim.mutations > before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"size": 0}, "size=0 is not valid: a cloud_essd PL0 disk has 1 to 65536 GiB"),
        ({"size": 100, "performance_level": "PL2"}, "a cloud_essd PL2 disk has 461"),
        ({"category": "cloud", "size": 4}, "a cloud disk has 5 to 2000 GiB"),
        ({"category": "floppy"}, "category='floppy' is not valid"),
        ({"size": True}, "size=True"),
        ({"performance_level": "PL1", "category": "cloud_ssd"}, "for a cloud_essd disk only"),
        ({"name": "x"}, "2 to 128 characters"),
        ({"description": "d" * 257}, "at most 256"),
        ({"delete_with_instance": "yes"}, "True or False"),
        ({"charge_type": "Monthly"}, "PostPaid or PrePaid"),
        ({"tags": {"k": 1}}, "str keys to str values"),
        ({"tags": {f"k{i}": "v" for i in range(21)}}, "at most 20 tags"),
        ({"device": "/dev/xvda"}, "a free data disk device"),
        ({"zone": "cn-hangzhou-z"}, "the zone of i-a"),
        ({"creation_time": "yesterday"}, "creation_time='yesterday'"),
    ],
)
def test_a_bad_option_is_refused_naming_it_and_adds_nothing(
    sim: Simulation, options: dict[str, Any], message: str
) -> None:
    count = len(sim.store.disks)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sim.add_disk("i-a", **options)
    assert len(sim.store.disks) == count


def test_unknown_keywords_and_instances_are_refused(sim: Simulation) -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument.*colour"):
        sim.add_disk("i-a", colour="red")
    with pytest.raises(EcsApiError) as info:
        sim.add_disk("i-nope")
    assert info.value.code == "InvalidInstanceId.NotFound"
    with pytest.raises(ValueError, match="PostPaid for a disk no instance holds"):
        sim.add_disk(None, charge_type="PrePaid")
    with pytest.raises(ValueError, match="no device for a disk that is not attached"):
        sim.add_disk(None, device="/dev/xvdb")


def test_an_instance_has_at_most_25_data_disks(sim: Simulation) -> None:
    for _ in DATA_DEVICES:
        sim.add_disk("i-c", size=20)
    with pytest.raises(ValueError, match="no free device left"):
        sim.add_disk("i-c")


def test_the_system_disk_takes_the_size_and_category_given(sim: Simulation) -> None:
    instance = sim.add_instance("i-big", system_disk_size=120, system_disk_category="cloud_auto")
    (system,) = sim.store.disks_of_instance(instance.instance_id)
    assert (system.kind, system.category, system.size_gib) == ("system", "cloud_auto", 120)
    assert (system.device, system.image_id) == ("/dev/xvda", instance.image_id)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"system_disk_size": 10, "system_disk_category": "cloud"}, "20 to 500 GiB"),
        ({"system_disk_size": 4096}, "1 to 2048 GiB"),
        ({"system_disk_category": "elastic_ephemeral_disk_standard"}, "system_disk_category="),
    ],
)
def test_a_bad_system_disk_refuses_the_instance(
    sim: Simulation, attributes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        sim.add_instance("i-bad", **attributes)
    assert "i-bad" not in sim.store.instances


def test_check_size_uses_the_system_disk_table() -> None:
    assert check_size(20, "cloud", system=True) == 20
    assert check_size(2000, "cloud") == 2000
    with pytest.raises(ValueError, match="system_disk_size=501"):
        check_size(501, "cloud", system=True)


def test_a_released_instance_detaches_its_kept_disks(sim: Simulation) -> None:
    kept = sim.add_disk("i-a", delete_with_instance=False)
    gone = sim.add_disk("i-a")
    sim.inject_event("SystemFailure.Delete", "i-a")
    sim.advance_to(T0 + HOUR)

    (executed,) = sim.store.events_of_instance("i-a")
    assert (kept.status, kept.instance_id) == ("Available", "")
    assert kept.detached_at == executed.finish_time
    assert gone.released
    with pytest.raises(EcsApiError, match="disk does not exist"):
        sim.get_disk(gone.disk_id)


def test_an_error_disk_event_names_the_first_data_disk(sim: Simulation) -> None:
    data = sim.add_disk("i-a")
    event = sim.inject_event("SystemMaintenance.RebootAndIsolateErrorDisk", "i-a")
    assert dict(event.extended) == {"Device": "/dev/xvdb", "DiskId": data.disk_id}


def test_without_data_disks_it_names_the_system_disk(sim: Simulation) -> None:
    (system,) = sim.store.disks_of_instance("i-b")
    event = sim.inject_event("SystemMaintenance.ReInitErrorDisk", "i-b")
    assert dict(event.extended) == {"Device": "/dev/xvda", "DiskId": system.disk_id}


def test_other_event_types_get_no_disk(sim: Simulation) -> None:
    event = sim.inject_event("SystemMaintenance.Reboot", "i-b")
    assert dict(event.extended) == {}


def test_a_disk_given_to_the_event_is_kept_and_its_device_filled_in(sim: Simulation) -> None:
    sim.add_disk("i-a")
    second = sim.add_disk("i-a")
    disks = sim.store.disks_of_instance("i-a")
    named = error_disk_attributes(
        "SystemMaintenance.IsolateErrorDisk", {"DiskId": second.disk_id}, disks
    )
    assert named == {"DiskId": second.disk_id, "Device": "/dev/xvdc"}
    assert error_disk_attributes("SystemMaintenance.IsolateErrorDisk", None, []) is None
