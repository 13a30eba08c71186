"""The instance types the simulator knows: what each one has (vCPUs, memory, GPUs, ENIs).

One table, so an instance's ``Cpu`` and ``Memory`` in DescribeInstances always agree with
DescribeInstanceTypes. Figures are those of the real types (Alibaba Cloud's instance family
pages); a test may name any other type, which then gets the figures of :data:`FALLBACK_TYPE`'s
size class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class InstanceTypeSpec:
    """One instance type (the fields DescribeInstances and DescribeInstanceTypes share)."""

    type_id: str
    family: str
    cpu: int
    #: Memory in MiB (DescribeInstances ``Memory``; DescribeInstanceTypes shows GiB).
    memory_mib: int
    #: g / c / r / t / gn ...: DescribeInstanceTypes ``InstanceCategory``.
    category: str = "General-purpose"
    threads_per_core: int = 2
    eni_quantity: int = 3
    eni_private_ips: int = 6
    #: Mbit/s in and out.
    bandwidth: int = 2_000_000
    pps: int = 900_000
    gpu_amount: int = 0
    gpu_spec: str = ""
    processor: str = "Intel Xeon(Ice Lake) Platinum 8369B"
    architecture: str = "X86"
    clock_ghz: float = 2.7
    turbo_ghz: float = 3.5
    #: Enterprise-level or entry-level (``InstanceFamilyLevel``).
    level: str = "EnterpriseLevel"
    local_storage_gib: int = 0


def _t(type_id: str, cpu: int, memory_gib: float, **more: object) -> InstanceTypeSpec:
    family = type_id.rsplit(".", 1)[0]
    return InstanceTypeSpec(type_id, family, cpu, int(memory_gib * 1024), **more)  # type: ignore[arg-type]


_C = {"category": "Compute-optimized"}
_R = {"category": "Memory-optimized"}
_AMD = {"processor": "AMD EPYC(TM) Milan 7T83", "clock_ghz": 2.55, "turbo_ghz": 3.5}
_ARM = {
    "processor": "Yitian 710",
    "architecture": "ARM",
    "threads_per_core": 1,
    "clock_ghz": 2.75,
    "turbo_ghz": 2.75,
}
_GPU = {"category": "GPU", "processor": "Intel Xeon(Ice Lake) Platinum 8369B"}

INSTANCE_TYPES: Mapping[str, InstanceTypeSpec] = MappingProxyType({
    t.type_id: t
    for t in (
        _t("ecs.g7.large", 2, 8, bandwidth=2_000_000),
        _t("ecs.g7.xlarge", 4, 16, eni_quantity=4, eni_private_ips=15),
        _t("ecs.g7.2xlarge", 8, 32, eni_quantity=4, eni_private_ips=15),
        _t("ecs.g7.4xlarge", 16, 64, eni_quantity=8, eni_private_ips=30),
        _t("ecs.c7.large", 2, 4, **_C),
        _t("ecs.c7.xlarge", 4, 8, eni_quantity=4, eni_private_ips=15, **_C),
        _t("ecs.c7.2xlarge", 8, 16, eni_quantity=4, eni_private_ips=15, **_C),
        _t("ecs.r7.large", 2, 16, **_R),
        _t("ecs.r7.xlarge", 4, 32, eni_quantity=4, eni_private_ips=15, **_R),
        _t("ecs.g8i.large", 2, 8, processor="Intel Xeon(Sapphire Rapids) Platinum 8475B",
           clock_ghz=2.7, turbo_ghz=3.2),
        _t("ecs.g8i.xlarge", 4, 16, eni_quantity=4, eni_private_ips=15,
           processor="Intel Xeon(Sapphire Rapids) Platinum 8475B", clock_ghz=2.7, turbo_ghz=3.2),
        _t("ecs.g7a.large", 2, 8, **_AMD),
        _t("ecs.g8y.large", 2, 8, **_ARM),
        _t("ecs.t6-c1m1.large", 2, 2, category="Shared", level="EntryLevel", eni_quantity=2,
           eni_private_ips=2, threads_per_core=2, processor="Intel Xeon(Skylake) Platinum 8163",
           clock_ghz=2.5, turbo_ghz=2.5),
        _t("ecs.gn7i-c8g1.2xlarge", 8, 30, gpu_amount=1, gpu_spec="NVIDIA A10", eni_quantity=4,
           eni_private_ips=10, **_GPU),
        _t("ecs.ebmg6e-2i.26xlarge", 104, 384, category="ECS Bare Metal Instance",
           eni_quantity=32, eni_private_ips=10,
           processor="Intel Xeon(Cascade Lake) Platinum 8269CY",
           clock_ghz=2.5, turbo_ghz=3.2),
    )
})  # fmt: skip

#: The type an instance gets when the test names none.
DEFAULT_INSTANCE_TYPE = "ecs.g7.large"
FALLBACK_TYPE = INSTANCE_TYPES[DEFAULT_INSTANCE_TYPE]


def instance_type(type_id: str) -> InstanceTypeSpec:
    """The type's figures; an unlisted ``ecs.<family>.<size>`` gets the default type's
    figures under its own name and family."""
    known = INSTANCE_TYPES.get(type_id)
    if known is not None:
        return known
    family = type_id.rsplit(".", 1)[0] if type_id.count(".") >= 2 else FALLBACK_TYPE.family
    return InstanceTypeSpec(
        type_id, family, FALLBACK_TYPE.cpu, FALLBACK_TYPE.memory_mib,
        FALLBACK_TYPE.category,
    )  # fmt: skip
