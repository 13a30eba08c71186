"""The instance-type table's filters (DescribeInstanceTypes), held to a brute-force reading
of the documented rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pytest_ecs_events.core.instance_types import (
    INSTANCE_TYPES,
    RANGE_FILTERS,
    InstanceTypeSpec,
    TypeFilter,
    instance_type,
    known_types,
)

TYPES = list(INSTANCE_TYPES.values())

# The figure each documented range parameter bounds, written out again on purpose.
FIGURES = {
    "CpuCoreCount": lambda t: t.cpu,
    "MemorySize": lambda t: t.memory_mib / 1024,
    "CpuSpeedFrequency": lambda t: t.clock_ghz,
    "CpuTurboFrequency": lambda t: t.turbo_ghz,
    "GPUAmount": lambda t: t.gpu_amount,
    "EniQuantity": lambda t: t.eni_quantity,
    "EniPrivateIpAddressQuantity": lambda t: t.eni_private_ips,
    "InstanceBandwidthRx": lambda t: t.bandwidth,
    "InstancePpsTx": lambda t: t.pps,
    "LocalStorageCapacity": lambda t: t.local_storage_gib,
}


def brute(spec: InstanceTypeSpec, bounds: dict[str, float]) -> bool:
    for name, bound in bounds.items():
        figure = FIGURES[name.removeprefix("Minimum").removeprefix("Maximum")](spec)
        if name.startswith("Minimum") and figure < bound:
            return False
        if name.startswith("Maximum") and figure > bound:
            return False
    return True


range_names = st.sampled_from(
    [n for n in RANGE_FILTERS if n.removeprefix("Minimum").removeprefix("Maximum") in FIGURES]
)
bounds_st = st.dictionaries(
    range_names, st.one_of(st.integers(0, 130), st.floats(0, 400, allow_nan=False)), max_size=4
)


@given(bounds=bounds_st)
def test_range_filters_match_a_brute_force_filter(bounds: dict[str, float]) -> None:
    wanted = TypeFilter(bounds=bounds)
    assert [t.type_id for t in TYPES if wanted.matches(t)] == [
        t.type_id for t in TYPES if brute(t, bounds)
    ]


@given(
    ids=st.lists(st.sampled_from(sorted(INSTANCE_TYPES)), max_size=3),
    family=st.none() | st.sampled_from(sorted({t.family for t in TYPES})),
    arch=st.none() | st.sampled_from(["X86", "ARM"]),
    gpu=st.none() | st.sampled_from(["NVIDIA", "A10", "V100"]),
)
def test_text_filters_all_hold(
    ids: list[str], family: str | None, arch: str | None, gpu: str | None
) -> None:
    wanted = TypeFilter(type_ids=ids, family=family, architecture=arch, gpu_spec=gpu)
    for t in TYPES:
        expected = (
            (not ids or t.type_id in ids)
            and (family is None or t.family == family)
            and (arch is None or t.architecture == arch)
            and (gpu is None or gpu in t.gpu_spec)
        )
        assert wanted.matches(t) == expected


def test_known_types_add_the_types_instances_use() -> None:
    listed = known_types({"ecs.hfg7.large"})
    assert [t.type_id for t in listed] == sorted([*INSTANCE_TYPES, "ecs.hfg7.large"])
    assert instance_type("ecs.hfg7.large").family == "ecs.hfg7"
    assert instance_type("ecs.g7.large").memory_gib == 8
