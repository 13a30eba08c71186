"""Regions, endpoints and resource ids (core/regions.py)."""

from __future__ import annotations

import hashlib
import random
import re
import string
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.regions import (
    ID_BODY_LENGTH,
    REGIONS,
    check_region,
    default_endpoint,
    known_region,
    new_resource_id,
    region,
    unknown_region_text,
)
from pytest_ecs_events.core.simulation import Simulation, SimulationConfig

FAST = settings(max_examples=100, deadline=None, database=None, derandomize=True)
ALPHABET = set(string.ascii_lowercase + string.digits)


@pytest.mark.parametrize(
    ("kind", "region_id", "prefix"),
    [
        ("i", "cn-hangzhou", "bp1"),
        ("e", "cn-hangzhou", "bp1"),
        ("i", "cn-beijing", "2ze"),
        ("e", "cn-beijing", "2ze"),
        ("i", "cn-shanghai", "uf6"),
        ("t", "cn-hangzhou", "bp1"),
    ],
)
def test_ids_look_real(kind: str, region_id: str, prefix: str) -> None:
    rng = random.Random(1)
    for _ in range(50):
        value = new_resource_id(kind, region_id, rng)
        assert re.fullmatch(rf"{kind}-{prefix}[a-z0-9]{{17}}", value), value
        assert len(value.split("-", 1)[1]) == 20


def test_id_body_length_is_twenty() -> None:
    assert ID_BODY_LENGTH == 20


@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(sorted(REGIONS)))
@FAST
def test_ids_in_every_known_region(seed: int, region_id: str) -> None:
    value = new_resource_id("i", region_id, random.Random(seed))
    kind, body = value.split("-", 1)
    assert kind == "i"
    assert len(body) == 20
    assert body.startswith(REGIONS[region_id].id_prefix)
    assert set(body) <= ALPHABET


def test_ids_are_deterministic_for_a_seed_and_differ_between_draws() -> None:
    a = [new_resource_id("i", "cn-hangzhou", rng) for rng in [random.Random(42)] * 20]
    b = [new_resource_id("i", "cn-hangzhou", rng) for rng in [random.Random(42)] * 20]
    assert a == b
    assert len(set(a)) == 20


def test_known_prefixes_are_three_lowercase_characters_and_unique() -> None:
    prefixes = [r.id_prefix for r in REGIONS.values()]
    for prefix in prefixes:
        assert len(prefix) == 3
        assert set(prefix) <= ALPHABET
    assert len(set(prefixes)) == len(prefixes)


@pytest.mark.parametrize(
    ("region_id", "endpoint"),
    [
        ("cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com"),
        ("cn-beijing", "ecs.cn-beijing.aliyuncs.com"),
        ("ap-southeast-1", "ecs.ap-southeast-1.aliyuncs.com"),
        ("xx-nowhere-9", "ecs.xx-nowhere-9.aliyuncs.com"),
    ],
)
def test_default_endpoint(region_id: str, endpoint: str) -> None:
    assert default_endpoint(region_id) == endpoint
    assert region(region_id).endpoint == endpoint


def test_known_region_data() -> None:
    hangzhou = region("cn-hangzhou")
    assert hangzhou is REGIONS["cn-hangzhou"]
    assert hangzhou.region_id == "cn-hangzhou"
    assert hangzhou.id_prefix == "bp1"
    assert region("cn-beijing").id_prefix == "2ze"
    for data in REGIONS.values():
        assert data.zones
        for zone in data.zones:
            assert re.fullmatch(rf"{re.escape(data.region_id)}-[a-z]", zone), zone


@given(st.from_regex(r"[a-z]{2}-[a-z]{3,10}-[0-9]", fullmatch=True))
@FAST
def test_unknown_regions_get_a_stable_three_character_prefix(region_id: str) -> None:
    if region_id in REGIONS:
        return
    first = region(region_id)
    second = region(region_id)
    assert first.id_prefix == second.id_prefix
    assert len(first.id_prefix) == 3
    assert set(first.id_prefix) <= ALPHABET
    assert first.region_id == region_id
    assert first.zones == (f"{region_id}-a", f"{region_id}-b")
    value = new_resource_id("i", region_id, random.Random(0))
    assert re.fullmatch(rf"i-{first.id_prefix}[a-z0-9]{{17}}", value)


def test_unknown_region_prefix_is_derived_from_a_stable_hash() -> None:
    # Derived from sha1 of the name, never from Python's salted hash(), so it is the same in
    # every process.
    digest = hashlib.sha1(b"xx-test-1").digest()
    alphabet = string.ascii_lowercase + string.digits
    assert region("xx-test-1").id_prefix == "".join(alphabet[b % 36] for b in digest[:3])


def test_simulation_ids_use_the_region_prefix() -> None:
    sim = Simulation(
        now=datetime(2018, 8, 22, tzinfo=timezone.utc), config=SimulationConfig(seed=3)
    )
    hz = sim.add_instance()
    bj = sim.add_instance(region="cn-beijing")
    assert re.fullmatch(r"i-bp1[a-z0-9]{17}", hz.instance_id)
    assert re.fullmatch(r"i-2ze[a-z0-9]{17}", bj.instance_id)
    assert hz.zone.startswith("cn-hangzhou-")
    assert bj.zone.startswith("cn-beijing-")
    [ev] = sim.create_simulated_events(
        "SystemFailure.Reboot", [bj.instance_id], sim.now, region="cn-beijing"
    )
    assert re.fullmatch(r"e-2ze[a-z0-9]{17}", ev.event_id)
    assert re.fullmatch(r"t-bp1[a-z0-9]{17}", sim.redeploy_instance(hz.instance_id))


# ------------------------------------------------------------------------- known regions
def test_known_regions_are_describe_regions_list_and_the_extra_ones() -> None:
    assert all(known_region(r) for r in REGIONS)
    assert not known_region("cn-nowhere")
    assert known_region("cn-nowhere", ("cn-nowhere",))
    assert check_region("cn-beijing") == "cn-beijing"
    assert check_region("cn-lab-1", ["cn-lab-1"]) == "cn-lab-1"


def test_an_unknown_region_is_the_apis_not_found_error() -> None:
    with pytest.raises(EcsApiError) as raised:
        check_region("cn-nowhere")
    error = raised.value
    assert (error.code, error.status) == ("InvalidRegionId.NotFound", 404)
    assert error.message == "The specified RegionId does not exist."


def test_the_unknown_region_text_names_the_value_the_list_and_the_way_out() -> None:
    text = unknown_region_text("cn-hangzou", ("cn-lab-1",))
    assert text.startswith("unknown region 'cn-hangzou' (did you mean 'cn-hangzhou'?).")
    assert "cn-beijing" in text
    assert "cn-lab-1" in text
    assert "ecs_sim_extra_regions" in text
    assert "did you mean" not in unknown_region_text("cn-nowhere")
