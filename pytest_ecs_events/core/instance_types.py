"""The instance types the simulator knows: what each one has (vCPUs, memory, GPUs, ENIs).

One table, so an instance's ``Cpu`` and ``Memory`` in DescribeInstances always agree with
DescribeInstanceTypes. Figures are those of the real types (Alibaba Cloud's instance family
pages); a test may name any other type, which then gets the figures of :data:`FALLBACK_TYPE`'s
size class.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class InstanceTypeSpec:
    """One instance type (the fields DescribeInstances and DescribeInstanceTypes share)."""

    type_id: str
    family: str
    cpu: int
    #: Memory in MiB (DescribeInstances ``Memory``; DescribeInstanceTypes shows GiB).
    memory_mib: int
    #: DescribeInstanceTypes ``InstanceCategory``: one of :data:`CATEGORIES`.
    category: str = "General-purpose"
    threads_per_core: int = 2
    eni_quantity: int = 3
    eni_private_ips: int = 6
    #: Internal bandwidth in and out, kbit/s (``InstanceBandwidthRx``/``Tx``).
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
    # What DescribeInstanceTypes shows besides (figures of the real types where they differ
    # from these defaults).
    #: Cloud disks it can attach (``DiskQuantity``).
    disk_quantity: int = 17
    eni_ipv6_quantity: int = 1
    #: ``required`` (cloud disks attach over NVMe) or ``unsupported``.
    nvme_support: str = "unsupported"
    #: Burstable (t5, t6) types only: baseline and initial vCPU credits.
    baseline_credit: int = 0
    initial_credit: int = 0
    gpu_memory_gib: float = 0.0
    local_storage_amount: int = 0
    #: ``local_ssd_pro`` or ``local_hdd_pro`` when it has local disks.
    local_storage_category: str = ""
    #: Elastic RDMA interfaces (``EriQuantity``).
    eri_quantity: int = 0
    #: The instance family generation (``ecs-7`` ...), as DescribeInstanceTypeFamilies shows it.
    generation: str = "ecs-7"

    @property
    def memory_gib(self) -> float:
        """Memory in GiB, as DescribeInstanceTypes ``MemorySize`` and its filters use it."""
        return self.memory_mib / 1024

    @property
    def queues_per_eni(self) -> int:
        """Default queues of an ENI: one per vCPU, at most 32 (our choice)."""
        return min(self.cpu, 32)


def _t(type_id: str, cpu: int, memory_gib: float, **more: Any) -> InstanceTypeSpec:
    """A type whose family is its id without the size, unless ``family=`` names it
    (``ecs.gn7i-c8g1`` types belong to ``ecs.gn7i``, while ``ecs.ebmg6e-2i`` is a family of
    its own, as captured)."""
    family = more.pop("family", "") or type_id.rsplit(".", 1)[0]
    return InstanceTypeSpec(type_id, family, cpu, int(memory_gib * 1024), **more)


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
_GPU = {
    "category": "Compute-optimized with GPU",
    "processor": "Intel Xeon(Ice Lake) Platinum 8369B",
}

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
           clock_ghz=2.7, turbo_ghz=3.2, nvme_support="required", generation="ecs-8"),
        _t("ecs.g8i.xlarge", 4, 16, eni_quantity=4, eni_private_ips=15,
           processor="Intel Xeon(Sapphire Rapids) Platinum 8475B", clock_ghz=2.7, turbo_ghz=3.2,
           nvme_support="required", generation="ecs-8"),
        _t("ecs.g7a.large", 2, 8, **_AMD),
        _t("ecs.g8y.large", 2, 8, nvme_support="required", generation="ecs-8", **_ARM),
        _t("ecs.t6-c1m1.large", 2, 2, family="ecs.t6",
           category="Shared", level="EntryLevel", eni_quantity=2,
           eni_private_ips=2, threads_per_core=2, processor="Intel Xeon(Skylake) Platinum 8163",
           clock_ghz=2.5, turbo_ghz=2.5, baseline_credit=20, initial_credit=60,
           generation="ecs-6"),
        _t("ecs.gn7i-c8g1.2xlarge", 8, 30, family="ecs.gn7i",
           gpu_amount=1, gpu_spec="NVIDIA A10", eni_quantity=4,
           eni_private_ips=10, gpu_memory_gib=24, **_GPU),
        _t("ecs.ebmg6e-2i.26xlarge", 104, 384, category="ECS Bare Metal",
           eni_quantity=32, eni_private_ips=10,
           processor="Intel Xeon(Cascade Lake) Platinum 8269CY",
           clock_ghz=2.5, turbo_ghz=3.2, generation="ecs-6"),
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


#: The InstanceCategory values DescribeInstanceTypes documents.
CATEGORIES = (
    "General-purpose", "Compute-optimized", "Memory-optimized", "Big data", "Local SSDs",
    "High Clock Speed", "Enhanced", "Shared", "Compute-optimized with GPU",
    "Visual Compute-optimized", "Heterogeneous Service", "Compute-optimized with FPGA",
    "Compute-optimized with NPU", "ECS Bare Metal", "Super Computing Cluster",
    "High Performance Compute",
)  # fmt: skip

Figure = Callable[[InstanceTypeSpec], float]

#: DescribeInstanceTypes' range filters: parameter -> (the figure it bounds, is it a lower
#: bound). A type whose figure is outside a given bound is left out.
RANGE_FILTERS: Mapping[str, tuple[Figure, bool]] = MappingProxyType(
    {
        "MinimumCpuCoreCount": (lambda t: t.cpu, True),
        "MaximumCpuCoreCount": (lambda t: t.cpu, False),
        "MinimumMemorySize": (lambda t: t.memory_gib, True),
        "MaximumMemorySize": (lambda t: t.memory_gib, False),
        "MinimumCpuSpeedFrequency": (lambda t: t.clock_ghz, True),
        "MaximumCpuSpeedFrequency": (lambda t: t.clock_ghz, False),
        "MinimumCpuTurboFrequency": (lambda t: t.turbo_ghz, True),
        "MaximumCpuTurboFrequency": (lambda t: t.turbo_ghz, False),
        "MinimumGPUAmount": (lambda t: t.gpu_amount, True),
        "MaximumGPUAmount": (lambda t: t.gpu_amount, False),
        "MinimumBaselineCredit": (lambda t: t.baseline_credit, True),
        "MinimumInitialCredit": (lambda t: t.initial_credit, True),
        "MinimumDiskQuantity": (lambda t: t.disk_quantity, True),
        "MinimumEniIpv6AddressQuantity": (lambda t: t.eni_ipv6_quantity, True),
        "MinimumEniPrivateIpAddressQuantity": (lambda t: t.eni_private_ips, True),
        "MinimumEniQuantity": (lambda t: t.eni_quantity, True),
        "MinimumEriQuantity": (lambda t: t.eri_quantity, True),
        "MinimumInstanceBandwidthRx": (lambda t: t.bandwidth, True),
        "MinimumInstanceBandwidthTx": (lambda t: t.bandwidth, True),
        "MinimumInstancePpsRx": (lambda t: t.pps, True),
        "MinimumInstancePpsTx": (lambda t: t.pps, True),
        "MinimumLocalStorageAmount": (lambda t: t.local_storage_amount, True),
        "MinimumLocalStorageCapacity": (lambda t: t.local_storage_gib, True),
        "MinimumPrimaryEniQueueNumber": (lambda t: t.queues_per_eni, True),
        "MinimumSecondaryEniQueueNumber": (lambda t: t.queues_per_eni, True),
        "MinimumQueuePairNumber": (lambda t: 0, True),
    }
)

#: Range filters whose value is a count (an integer); the others take decimals.
INTEGER_FILTERS = frozenset(
    name for name in RANGE_FILTERS
    if not name.endswith(("MemorySize", "Frequency"))
)  # fmt: skip


@dataclass(frozen=True)
class TypeFilter:
    """What a DescribeInstanceTypes call asks for. Every constraint given must hold; a list
    parameter (``InstanceTypes.N``...) is met by any of its values, a fuzzy one
    (``GPUSpec``, ``PhysicalProcessorModel``) by a substring."""

    type_ids: Collection[str] = ()
    family: str | None = None
    families: Collection[str] = ()
    architecture: str | None = None
    architectures: Collection[str] = ()
    category: str | None = None
    categories: Collection[str] = ()
    level: str | None = None
    gpu_spec: str | None = None
    gpu_specs: Collection[str] = ()
    local_storage_category: str | None = None
    local_storage_categories: Collection[str] = ()
    nvme_support: str | None = None
    processor: str | None = None
    processors: Collection[str] = ()
    #: Range filter name -> bound (see :data:`RANGE_FILTERS`).
    bounds: Mapping[str, float] = field(default_factory=dict)

    def matches(self, spec: InstanceTypeSpec) -> bool:
        checks = (
            _among(spec.type_id, self.type_ids),
            _equal(spec.family, self.family) and _among(spec.family, self.families),
            _equal(spec.architecture, self.architecture)
            and _among(spec.architecture, self.architectures),
            _equal(spec.category, self.category) and _among(spec.category, self.categories),
            _equal(spec.level, self.level),
            (self.gpu_spec is None or self.gpu_spec in spec.gpu_spec)
            and _among(spec.gpu_spec, self.gpu_specs),
            _equal(spec.local_storage_category, self.local_storage_category)
            and _among(spec.local_storage_category, self.local_storage_categories),
            _equal(spec.nvme_support, self.nvme_support),
            (self.processor is None or self.processor in spec.processor)
            and _among(spec.processor, self.processors),
        )
        return all(checks) and all(
            (figure(spec) >= bound) if lower else (figure(spec) <= bound)
            for name, bound in self.bounds.items()
            for figure, lower in (RANGE_FILTERS[name],)
        )


def _equal(value: str, wanted: str | None) -> bool:
    return wanted is None or value == wanted


def _among(value: str, wanted: Collection[str]) -> bool:
    return not wanted or value in wanted


def known_types(extra: Collection[str] = ()) -> list[InstanceTypeSpec]:
    """The table's types and ``extra`` ones (those the account's instances use), by id."""
    ids = sorted({*INSTANCE_TYPES, *extra})
    return [instance_type(type_id) for type_id in ids]
