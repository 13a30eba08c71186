"""A new instance's generated attributes drawn the quick way (core/regions.py
``new_resource_id`` drawing ``getrandbits`` inline where ``Random.randbytes`` is that draw in
Python and keeping each kind's id start, core/addressing.py ``mac_address`` formatting with
``bytes.hex``, ``zone_network`` making the default VPC and vSwitch in one step and ``_draw``
keeping each block's range, core/provisioning.py ``new_instance`` making a marker's instance
without its general path, core/simulation.py ``add_instance`` taking a status member as it
is) against the way they replace: the same seed gives the same instances, disks, network and
generator state after random steps."""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import random
from datetime import datetime, timezone
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core import addressing, provisioning, regions, simulation
from pytest_ecs_events.core.addressing import AddressBook, Vpc, VSwitch
from pytest_ecs_events.core.catalog import InstanceStatus
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.models import Instance
from pytest_ecs_events.core.provisioning import INSTANCE_ATTRIBUTES
from pytest_ecs_events.core.regions import new_resource_id
from pytest_ecs_events.core.simulation import Simulation, SimulationConfig

START = datetime(2024, 5, 1, tzinfo=timezone.utc)
REGIONS = ["cn-hangzhou", "cn-beijing", "ap-southeast-1", "xx-unlisted-1"]
STATUSES = [InstanceStatus.Running, InstanceStatus.Stopped, "Running", "Stopped", "Nope"]

steps = st.lists(
    st.tuples(
        st.sampled_from(["add", "add_named", "add_again", "delete", "reboot"]),
        st.integers(0, 3),
        st.integers(0, 4),
        st.fixed_dictionaries(
            {},
            optional={
                "public_ip": st.booleans(),
                "eip": st.booleans(),
                "charge_type": st.sampled_from(["PostPaid", "PrePaid"]),
                "instance_type": st.sampled_from(["ecs.g7.large", "ecs.c7.xlarge"]),
            },
        ),
    ),
    max_size=12,
)


def _plain_mac_address(self: AddressBook) -> str:
    while True:
        tail = ":".join(f"{b:02x}" for b in self._rng.randbytes(3))
        mac = f"00:16:3e:{tail}"
        if mac not in self._used_macs:
            self._used_macs.add(mac)
            return mac


def _plain_zone_network(self: AddressBook, region: str, zone: str) -> tuple[Vpc, VSwitch]:
    vpc = self.vpc(region)
    return vpc, self.vswitch(vpc, zone)


def _general_new_instance(*args: Any, attributes: Any, **keywords: Any) -> Instance:
    """``new_instance`` through its general path, which a marker's instance (no attributes)
    skips: the default charge type given is what it would be anyway."""
    return provisioning.new_instance(
        *args, attributes=attributes or {"charge_type": "PostPaid"}, **keywords
    )


def _plain(patch: pytest.MonkeyPatch) -> None:
    patch.setattr(regions, "PLAIN_RANDBYTES", None)  # every id through rng.randbytes
    patch.setattr(regions, "PLAIN_RANDINT", None)  # every address through rng.randint
    patch.setattr(regions, "_ID_HEADS", {})  # and its start worked out anew
    patch.setattr(regions, "_ID_HEADS_KEPT", 0)
    patch.setattr(addressing, "_RANGES", {})  # every block's range worked out anew
    patch.setattr(addressing, "_RANGES_KEPT", 0)
    patch.setattr(AddressBook, "mac_address", _plain_mac_address)
    patch.setattr(AddressBook, "zone_network", _plain_zone_network)
    patch.setattr(simulation, "new_instance", _general_new_instance)


def _step(sim: Simulation, what: str, region: int, status: int, attributes: Any) -> None:
    with contextlib.suppress(EcsApiError, ValueError):
        if what == "add":
            sim.add_instance(region=REGIONS[region], status=STATUSES[status], **attributes)
        elif what == "add_named":
            sim.add_instance(f"i-{status}", region=REGIONS[region], **attributes)
        elif what == "add_again" and sim.store.instances:
            sim.add_instance(list(sim.store.instances)[-1])
        elif what == "delete" and sim.store.instances:
            sim.delete_instance(list(sim.store.instances)[status % len(sim.store.instances)],
                                force=True)  # fmt: skip
        elif what == "reboot":
            sim.reboot_instance(f"i-{status}")


def _fields(record: Any) -> tuple[Any, ...]:
    return tuple(getattr(record, f.name) for f in dataclasses.fields(record))


def _whole(sim: Simulation) -> tuple[Any, ...]:
    network = sim.network
    return (
        [_fields(i) for i in sim.store.instances.values()],
        [_fields(d) for d in sim.store.disks.values()],
        [_fields(v) for v in network.vpcs.values()],
        sorted(network._used_ips), sorted(network._used_macs),
        sim._rng.getstate(), sim.mutations,
    )  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32), steps)
def test_instances_are_drawn_as_the_plain_way_draws_them(seed: int, script: Any) -> None:
    sims = []
    for plain in (False, True):
        with pytest.MonkeyPatch.context() as patch:
            if plain:
                _plain(patch)
            sim = Simulation(now=START, config=SimulationConfig(seed=seed))
            sim.add_instance()
            sims.append(sim)
    for step in script:
        for sim, plain in zip(sims, (False, True), strict=True):
            with pytest.MonkeyPatch.context() as patch:
                if plain:
                    _plain(patch)
                _step(sim, *step)
        assert _whole(sims[0]) == _whole(sims[1])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**64), st.sampled_from(["i", "vpc", "eni", "d"]), st.sampled_from(REGIONS))
def test_an_id_is_the_id_of_the_randbytes_draw(seed: int, kind: str, region: str) -> None:
    quick, plain = random.Random(seed), random.Random(seed)
    prefix = regions.region(region).id_prefix
    body = plain.randbytes(regions.ID_BODY_LENGTH - len(prefix))
    expected = f"{kind}-{prefix}{body.translate(regions._BYTE_TO_ID_CHAR).decode()}"
    assert new_resource_id(kind, region, quick) == expected
    assert quick.getstate() == plain.getstate()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(REGIONS), st.sampled_from(STATUSES[:2]))
def test_a_marker_instance_is_the_general_path_instance(
    seed: int, region: str, status: InstanceStatus
) -> None:
    """No attributes (the quick path) and only the default charge type (the general path)
    make the same instance from the same draws, in a new network and in one already used."""
    made = []
    for attributes in ({}, {"charge_type": "PostPaid"}):
        rng = random.Random(seed)
        network = AddressBook(rng)
        for instance_id in ("i-a", "i-b"):
            zone = regions.region(region).zones[0]
            made.append(provisioning.new_instance(
                instance_id, region=region, zone=zone, name=instance_id, status=status,
                tags={"k": "v"}, attributes=attributes, now=START, rng=rng, network=network,
            ))  # fmt: skip
        made.append((rng.getstate(), [_fields(v) for v in network.vpcs.values()],
                     sorted(network._used_ips), sorted(network._used_macs)))  # fmt: skip
    quick, general = made[:3], made[3:]
    assert [_fields(i) for i in quick[:2]] == [_fields(i) for i in general[:2]]
    assert quick[2] == general[2]
    assert quick[0].security_group_ids == (next(iter(network.vpcs.values())).security_group_id,)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**64), st.integers(0, 40), st.sampled_from([1, 2, 3, 5, 64, 253]))
def test_addresses_are_those_of_the_randint_draw(seed: int, taken: int, room: int) -> None:
    """``_draw`` (inline) against ``rng.randint`` (plain), in a block nearly or wholly full."""
    cidr = ipaddress.IPv4Network("10.0.0.0/24")
    books = [AddressBook(random.Random(seed)) for _ in range(2)]
    drawn: list[list[str]] = [[], []]
    assert regions.PLAIN_RANDINT is not None  # this interpreter's randint is drawn inline
    for book, out, plain in zip(books, drawn, (False, True), strict=True):
        with pytest.MonkeyPatch.context() as patch:
            if plain:
                patch.setattr(regions, "PLAIN_RANDINT", None)
            for _ in range(min(taken, room) + 1):
                try:
                    out.append(book._draw(cidr, 0, 256 - room))
                except ValueError as exc:
                    out.append(str(exc))
    assert drawn[0] == drawn[1]
    assert books[0]._rng.getstate() == books[1]._rng.getstate()


def test_a_generator_of_its_own_draws_ids_through_its_randbytes() -> None:
    class Counting(random.Random):
        asked = 0

        def randbytes(self, n: int) -> bytes:
            self.asked += n
            return super().randbytes(n)

    rng = Counting(3)
    made = new_resource_id("i", "cn-hangzhou", rng)
    assert rng.asked == regions.ID_BODY_LENGTH - len(regions.region("cn-hangzhou").id_prefix)
    assert made == new_resource_id("i", "cn-hangzhou", random.Random(3))


def test_a_status_member_and_its_text_make_the_same_instance() -> None:
    member = Simulation(now=START, config=SimulationConfig(seed=1))
    text = Simulation(now=START, config=SimulationConfig(seed=1))
    a = member.add_instance("i-a", status=InstanceStatus.Stopped)
    b = text.add_instance("i-a", status="Stopped")
    assert _fields(a) == _fields(b)
    assert a.status is InstanceStatus.Stopped
    with pytest.raises(ValueError, match="Nope"):
        text.add_instance("i-b", status="Nope")


def test_the_collector_is_paused_during_a_batch_and_resumed_after() -> None:
    """``_gc_paused`` (core/sim_base.py): off inside, back on after (an error too), left off
    where it was off, and nested uses resume only at the outermost."""
    import gc

    from pytest_ecs_events.core.sim_base import _gc_paused

    assert gc.isenabled()
    seen = []
    with _gc_paused():
        seen.append(gc.isenabled())
        with _gc_paused():
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
    assert seen == [False, False, False]
    assert gc.isenabled()
    with pytest.raises(KeyError), _gc_paused():
        raise KeyError("x")
    assert gc.isenabled()
    gc.disable()
    try:
        with _gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32),
    st.fixed_dictionaries(
        {},
        optional={
            "name": st.sampled_from(["", "web"]),
            "zone": st.sampled_from(["cn-hangzhou-i", "cn-beijing-a"]),
            "region": st.sampled_from(["cn-hangzhou", "cn-beijing"]),
            "status": st.sampled_from(["Stopped", None, "Nope"]),
            "tags": st.sampled_from([{}, {"k": "v"}]),
            "public_ip": st.booleans(),
            "deletion_protection": st.booleans(),
            "internet_max_bandwidth_out": st.sampled_from([0, 7]),
            "description": st.sampled_from(["", "d"]),
        },
    ),
)
def test_the_handle_passes_on_only_the_keywords_given(seed: int, keywords: Any) -> None:
    """EcsSimulator.add_instance drops the keywords left out (None) before the simulation's
    add_instance: the same instance, or the same error, as passing every one of them."""
    from pytest_ecs_events.simulator import EcsSimulator

    outcomes = []
    for route in ("handle", "every keyword"):
        handle = EcsSimulator(now=START, seed=seed)
        full = {**dict.fromkeys(INSTANCE_ATTRIBUTES), "name": None, "region": None,
                "zone": None, "status": "Running", "tags": {}, **keywords}  # fmt: skip
        try:
            if route == "handle":
                made = handle.add_instance("i-1", **keywords)
            else:
                made = handle._sim.add_instance("i-1", **full)
            outcomes.append((_fields(made), _whole(handle._sim)))
        except ValueError as exc:
            outcomes.append(str(exc))
    assert outcomes[0] == outcomes[1]


class _NoEq:
    """A value whose ``==`` may not be asked (as a numpy array's truth is refused)."""

    def __eq__(self, other: object) -> bool:
        raise AssertionError("compared with ==")

    __hash__ = object.__hash__


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["name", "status", "tags", "zone", "image_id", "public_ip"]),
        st.sampled_from([None, "", "Running", {}, {"k": "v"}, False, 0, mock.ANY, _NoEq()]),
    )
)
def test_the_keywords_given_are_those_of_the_general_filter(attributes: dict[str, Any]) -> None:
    """The handle's filter of add_instance's keywords (a count for a marker's instance)
    equals the general one: every keyword not None, and ``status`` even if None."""
    from pytest_ecs_events.simulator import _given_keywords

    general = {k: v for k, v in attributes.items() if v is not None or k == "status"}
    assert _given_keywords(attributes) == general
    assert _given_keywords(attributes) is not attributes
    full = {**dict.fromkeys(INSTANCE_ATTRIBUTES), "name": None, "status": "Running", "tags": {}}
    assert _given_keywords(full) == {"status": "Running", "tags": {}}
