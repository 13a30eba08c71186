"""A new instance's attributes (core/provisioning.py, core/addressing.py, core/images.py,
core/instance_types.py): given ones checked, the rest generated, unique and consistent."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.catalog import InstanceStatus
from pytest_ecs_events.core.images import IMAGES, image
from pytest_ecs_events.core.instance_types import INSTANCE_TYPES, instance_type
from pytest_ecs_events.core.provisioning import (
    INSTANCE_ATTRIBUTES,
    check_attributes,
    host_name_for,
)
from pytest_ecs_events.core.simulation import Simulation, SimulationConfig
from tests.helpers.simulation import T0, make_sim


def _sim(seed: int = 7) -> Simulation:
    return Simulation(now=T0, config=SimulationConfig(seed=seed))


def test_generated_attributes_look_real_and_agree() -> None:
    sim = _sim()
    a = sim.add_instance(zone="cn-hangzhou-i")
    b = sim.add_instance(zone="cn-hangzhou-i")
    c = sim.add_instance(zone="cn-hangzhou-j")
    assert a.vpc_id == b.vpc_id == c.vpc_id
    assert a.vpc_id.startswith("vpc-bp1")
    assert a.vswitch_id == b.vswitch_id != c.vswitch_id
    vswitch = sim.network.vswitches[a.vswitch_id]
    assert ipaddress.IPv4Address(a.private_ip) in vswitch.cidr
    assert ipaddress.IPv4Address(c.private_ip) in sim.network.vswitches[c.vswitch_id].cidr
    assert len({a.private_ip, b.private_ip, c.private_ip}) == 3
    assert a.mac_address.startswith("00:16:3e:")
    assert a.mac_address != b.mac_address
    assert a.network_interface_id.startswith("eni-bp1")
    assert a.security_group_ids == (sim.network.vpcs[a.vpc_id].security_group_id,)
    assert a.host_name == host_name_for(a.instance_id) == f"iZ{a.instance_id[2:]}Z"
    assert (a.instance_type, a.charge_type, a.public_ip, a.eip_address) == (
        "ecs.g7.large", "PostPaid", "", "")  # fmt: skip
    assert a.created_at == a.started_at == T0
    disks = sim.store.disks_of_instance(a.instance_id)
    assert [(d.kind, d.device, d.status, d.image_id) for d in disks] == [
        ("system", "/dev/xvda", "In_use", a.image_id)
    ]


def test_the_same_seed_gives_the_same_network() -> None:
    first, second = _sim(3).add_instance(), _sim(3).add_instance()
    assert (first.instance_id, first.private_ip, first.mac_address, first.vpc_id) == (
        second.instance_id, second.private_ip, second.mac_address, second.vpc_id)  # fmt: skip


def test_given_attributes_are_kept() -> None:
    sim = _sim()
    inst = sim.add_instance(
        "i-web", instance_type="ecs.c7.large", image_id="ubuntu_22_04_x64_20G_alibase_20240530.vhd",
        private_ip="172.16.5.9", public_ip=True, eip="47.100.1.2", security_group_ids="sg-1",
        charge_type="PrePaid", expired_time="+30d", resource_group_id="rg-1",
        deletion_protection=True, description="web", host_name="web-1",
        internet_max_bandwidth_out=10, creation_time="2020-01-01T00:00:00Z",
    )  # fmt: skip
    assert (inst.instance_type, inst.private_ip, inst.eip_address) == (
        "ecs.c7.large", "172.16.5.9", "47.100.1.2")  # fmt: skip
    assert ipaddress.IPv4Address(inst.public_ip) in ipaddress.IPv4Network("47.96.0.0/11")
    assert inst.eip_allocation_id.startswith("eip-")
    assert inst.security_group_ids == ("sg-1",)
    assert inst.expired_at == T0 + timedelta(days=30)
    assert (inst.resource_group_id, inst.deletion_protection, inst.host_name) == (
        "rg-1", True, "web-1")  # fmt: skip
    assert inst.created_at is not None
    assert inst.created_at.year == 2020


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"colour": "red"}, "unknown attribute(s) colour"),
        ({"instance_type": ""}, "instance_type=''"),
        ({"private_ip": "10.0.0.300"}, "is not an IPv4 address"),
        ({"security_group_ids": []}, "security_group_ids=[]"),
        ({"charge_type": "Free"}, "PostPaid or PrePaid"),
        ({"expired_time": "+30d"}, "no expiry for PostPaid"),
        ({"expired_time": "soon", "charge_type": "PrePaid"}, "expired_time='soon'"),
        ({"deletion_protection": "yes"}, "True or False"),
        ({"internet_max_bandwidth_out": 101}, "an int from 0 to 100"),
        ({"vswitch_id": "vsw-x", "zone": "cn-hangzhou-j", "private_ip": "172.16.0.9"}, None),
    ],
)
def test_bad_attributes_are_refused_before_anything_is_registered(
    attributes: dict[str, object], message: str | None
) -> None:
    sim = _sim()
    if message is None:  # a valid combination, as a control for the cases above
        assert sim.add_instance("i-ok", **attributes).private_ip == "172.16.0.9"
        return
    with pytest.raises(ValueError, match=re.escape(message)):
        sim.add_instance("i-bad", **attributes)
    assert "i-bad" not in sim.store.instances
    assert not sim.store.disks


def test_an_address_in_use_is_refused_and_nothing_is_claimed() -> None:
    sim = _sim()
    sim.add_instance("i-1", private_ip="172.16.0.10")
    with pytest.raises(ValueError, match=r"172\.16\.0\.10 is already used"):
        sim.add_instance("i-2", public_ip="47.96.0.5", private_ip="172.16.0.10")
    assert sim.add_instance("i-3", public_ip="47.96.0.5").public_ip == "47.96.0.5"


def test_a_vswitch_of_another_zone_is_refused() -> None:
    sim = _sim()
    first = sim.add_instance(zone="cn-hangzhou-i")
    with pytest.raises(ValueError, match="a vSwitch of zone cn-hangzhou-j"):
        sim.add_instance(zone="cn-hangzhou-j", vswitch_id=first.vswitch_id)


def test_types_and_images_have_what_describe_instances_shows() -> None:
    assert instance_type("ecs.c7.large").memory_mib == 4096
    assert instance_type("ecs.ebmg6e-2i.26xlarge").cpu == 104
    unknown = instance_type("ecs.hfg7.8xlarge")
    assert (unknown.family, unknown.cpu) == ("ecs.hfg7", 2)
    assert all(t.type_id.startswith(t.family) for t in INSTANCE_TYPES.values())
    assert instance_type("ecs.gn7i-c8g1.2xlarge").family == "ecs.gn7i"
    assert instance_type("ecs.ebmg6e-2i.26xlarge").family == "ecs.ebmg6e-2i"  # as captured
    assert image("win2019_custom").os_type == "windows"
    assert all(i.os_type in ("linux", "windows") for i in IMAGES.values())
    assert set(INSTANCE_ATTRIBUTES) >= {"instance_type", "private_ip", "vpc_id", "eip"}


def test_releasing_an_instance_gives_its_address_back() -> None:
    sim = make_sim()
    gone = sim.add_instance("i-gone", private_ip="172.16.9.9")
    sim.inject_event("SystemFailure.Delete", gone.instance_id)
    sim.advance_to(sim.now + timedelta(hours=1))
    assert sim.instances()
    assert gone.released
    assert not sim.store.disks_of_instance("i-gone")
    assert sim.add_instance("i-new", private_ip="172.16.9.9").status is InstanceStatus.Running


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=40))
def test_generated_addresses_are_unique_and_inside_their_vswitch(seed: int, count: int) -> None:
    sim = _sim(seed)
    zones = ("cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k")
    made = [sim.add_instance(zone=zones[k % 3], public_ip=k % 2 == 0) for k in range(count)]
    addresses = [i.private_ip for i in made] + [i.public_ip for i in made if i.public_ip]
    assert len(set(addresses)) == len(addresses)
    assert len({i.mac_address for i in made}) == count
    for inst in made:
        vswitch = sim.network.vswitches[inst.vswitch_id]
        assert vswitch.zone == inst.zone
        assert ipaddress.IPv4Address(inst.private_ip) in vswitch.cidr


def test_attributes_all_left_out_are_nothing_to_check_but_an_unknown_one_is_refused() -> None:
    """A handle passes every keyword, None when not given: that is no attribute at all."""
    left_out = dict.fromkeys(INSTANCE_ATTRIBUTES)
    assert check_attributes(left_out, now=T0) == {}
    with pytest.raises(ValueError, match="unknown attribute"):
        check_attributes({**left_out, "colour": None}, now=T0)
    with pytest.raises(ValueError, match="charge_type"):
        check_attributes({**left_out, "charge_type": "Free"}, now=T0)
    assert check_attributes({**left_out, "deletion_protection": False}, now=T0) == {
        "deletion_protection": False
    }


def test_untagged_instances_share_one_read_only_mapping_and_tagging_one_leaves_the_rest() -> None:
    sim = _sim()
    given = {"team": "a"}
    first, second, tagged = sim.add_instance(), sim.add_instance(), sim.add_instance(tags=given)
    assert first.tags is second.tags
    assert dict(first.tags) == {}
    with pytest.raises(TypeError):
        first.tags["x"] = "y"  # type: ignore[index]
    given["team"] = "b"  # the instance keeps a copy of what it was given
    assert dict(tagged.tags) == {"team": "a"}
    sim.tag_resources("instance", [first.instance_id], {"env": "ci"}, region="cn-hangzhou")
    assert dict(first.tags) == {"env": "ci"}
    assert dict(second.tags) == {}
    assert dict(sim.add_instance().tags) == {}
    sim.untag_resources("instance", [first.instance_id], None, region="cn-hangzhou")
    assert dict(first.tags) == {}
    assert dict(second.tags) == {}


def test_instances_of_the_default_security_group_share_one_tuple_of_it() -> None:
    sim = _sim()
    first, second = sim.add_instance(), sim.add_instance(instance_type="ecs.g7.large")
    chosen = sim.add_instance(security_group_ids=["sg-bp1own"])
    assert first.security_group_ids == (sim.network.vpcs[first.vpc_id].security_group_id,)
    assert second.security_group_ids is first.security_group_ids
    assert chosen.security_group_ids == ("sg-bp1own",)
