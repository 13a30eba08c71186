"""DescribeInstanceTypes and DescribeInstanceTypeFamilies, from the one table of instance
types (``core/instance_types.py``) and the types the account's instances use."""

from __future__ import annotations

import math
from typing import Any

from ...core.instance_types import (
    CATEGORIES,
    INTEGER_FILTERS,
    InstanceTypeSpec,
    TypeFilter,
    known_types,
)
from ...core.lazy import pattern_on_first_use
from ...core.simulation import Simulation
from ..params import Params
from ..registry import ActionContext, Query, query_action
from ..speedups.answer_cache import SameInputs

#: DescribeInstanceTypes' MaxResults: at most and by default 1600.
MAX_RESULTS = 1600
_LEVELS = ("EntryLevel", "EnterpriseLevel", "CreditEntryLevel")
_LOCAL = ("local_hdd_pro", "local_ssd_pro")
_TOKEN = pattern_on_first_use(r"[0-9a-f]{32}")
_NUMBER = pattern_on_first_use(r"\s*[+]?(\d{1,12}(\.\d{0,6})?|\.\d{1,6})\s*")


def _bound(p: Params, name: str, text: str | None) -> float | None:
    """A range filter's value: a non-negative count, or a decimal (GiB, GHz)."""
    if text is None:
        return None
    if not _NUMBER().fullmatch(text) or (name in INTEGER_FILTERS and "." in text):
        kind = "a non-negative integer" if name in INTEGER_FILTERS else "a non-negative number"
        raise p.invalid(name, f"expected {kind}, got {text!r}")
    return float(text)


def _list(p: Params, name: str, values: list[str], allowed: tuple[str, ...] = ()) -> list[str]:
    for value in values:
        if allowed and value not in allowed:
            raise p.invalid(f"{name}.N", f"expected one of {', '.join(allowed)}, got {value!r}")
    return values


@query_action("DescribeInstanceTypes")
def describe_instance_types(ctx: ActionContext) -> Query:
    p = ctx.params
    p.items("AdditionalAttributes", limit=10)  # every attribute is always returned
    arches = ("X86", "ARM")
    given = {
        "MinimumCpuCoreCount": p.text("MinimumCpuCoreCount"),
        "MaximumCpuCoreCount": p.text("MaximumCpuCoreCount"),
        "MinimumMemorySize": p.text("MinimumMemorySize"),
        "MaximumMemorySize": p.text("MaximumMemorySize"),
        "MinimumCpuSpeedFrequency": p.text("MinimumCpuSpeedFrequency"),
        "MaximumCpuSpeedFrequency": p.text("MaximumCpuSpeedFrequency"),
        "MinimumCpuTurboFrequency": p.text("MinimumCpuTurboFrequency"),
        "MaximumCpuTurboFrequency": p.text("MaximumCpuTurboFrequency"),
        "MinimumGPUAmount": p.text("MinimumGPUAmount"),
        "MaximumGPUAmount": p.text("MaximumGPUAmount"),
        "MinimumBaselineCredit": p.text("MinimumBaselineCredit"),
        "MinimumInitialCredit": p.text("MinimumInitialCredit"),
        "MinimumDiskQuantity": p.text("MinimumDiskQuantity"),
        "MinimumEniIpv6AddressQuantity": p.text("MinimumEniIpv6AddressQuantity"),
        "MinimumEniPrivateIpAddressQuantity": p.text("MinimumEniPrivateIpAddressQuantity"),
        "MinimumEniQuantity": p.text("MinimumEniQuantity"),
        "MinimumEriQuantity": p.text("MinimumEriQuantity"),
        "MinimumInstanceBandwidthRx": p.text("MinimumInstanceBandwidthRx"),
        "MinimumInstanceBandwidthTx": p.text("MinimumInstanceBandwidthTx"),
        "MinimumInstancePpsRx": p.text("MinimumInstancePpsRx"),
        "MinimumInstancePpsTx": p.text("MinimumInstancePpsTx"),
        "MinimumLocalStorageAmount": p.text("MinimumLocalStorageAmount"),
        "MinimumLocalStorageCapacity": p.text("MinimumLocalStorageCapacity"),
        "MinimumPrimaryEniQueueNumber": p.text("MinimumPrimaryEniQueueNumber"),
        "MinimumSecondaryEniQueueNumber": p.text("MinimumSecondaryEniQueueNumber"),
        "MinimumQueuePairNumber": p.text("MinimumQueuePairNumber"),
    }
    bounds = {name: b for name, text in given.items() if (b := _bound(p, name, text)) is not None}
    wanted = TypeFilter(
        type_ids=p.items("InstanceTypes", limit=10),
        family=p.text("InstanceTypeFamily"),
        families=p.items("InstanceTypeFamilies", limit=10),
        architecture=p.choice("CpuArchitecture", arches),
        architectures=_list(p, "CpuArchitectures", p.items("CpuArchitectures", limit=2), arches),
        category=p.choice("InstanceCategory", CATEGORIES),
        categories=_list(
            p, "InstanceCategories", p.items("InstanceCategories", limit=10), CATEGORIES
        ),
        level=p.choice("InstanceFamilyLevel", _LEVELS),
        gpu_spec=p.text("GPUSpec"),
        gpu_specs=p.items("GpuSpecs", limit=10),
        local_storage_category=p.choice("LocalStorageCategory", _LOCAL),
        local_storage_categories=_list(
            p, "LocalStorageCategories", p.items("LocalStorageCategories", limit=2), _LOCAL
        ),
        nvme_support=p.choice("NvmeSupport", ("required", "unsupported")),
        processor=p.text("PhysicalProcessorModel"),
        processors=p.items("PhysicalProcessorModels", limit=10),
        bounds=bounds,
    )
    size = p.integer("MaxResults", default=MAX_RESULTS, minimum=1, maximum=MAX_RESULTS)
    token = p.text("NextToken")
    if token is not None and not _TOKEN().fullmatch(token):
        raise p.invalid("NextToken", "use the NextToken of the previous response")
    offset = int(token, 16) if token is not None else 0

    last = SameInputs()

    def query(sim: Simulation) -> dict[str, Any]:
        # The answer is a function of the types in use (the table is fixed): kept while
        # they are the same, so a poll after an unrelated change reuses the 7 KB answer's JSON
        used = frozenset(i.instance_type for i in sim.instances())
        kept = last.get(used)
        if kept is not None:
            return kept
        found = [t for t in known_types(used) if wanted.matches(t)]
        end = offset + size
        return last.keep(used, {
            "InstanceTypes": {"InstanceType": [render_type(t) for t in found[offset:end]]},
            "NextToken": format(end, "032x") if end < len(found) else "",
        })  # fmt: skip

    return query


def render_type(t: InstanceTypeSpec) -> dict[str, Any]:
    """One type as DescribeInstanceTypes shows it (every field of the response model)."""
    memory = t.memory_gib
    queues = t.queues_per_eni
    return {
        "InstanceTypeId": t.type_id,
        "InstanceTypeFamily": t.family,
        "InstanceCategory": t.category,
        "InstanceFamilyLevel": t.level,
        "CpuCoreCount": t.cpu,
        "CpuArchitecture": t.architecture,
        "PhysicalProcessorModel": t.processor,
        "CpuSpeedFrequency": t.clock_ghz,
        "CpuTurboFrequency": t.turbo_ghz,
        "MemorySize": int(memory) if memory == math.floor(memory) else memory,
        "GPUAmount": t.gpu_amount,
        "GPUSpec": t.gpu_spec,
        "GPUMemorySize": t.gpu_memory_gib,
        "BaselineCredit": t.baseline_credit,
        "InitialCredit": t.initial_credit,
        "DiskQuantity": t.disk_quantity,
        "NvmeSupport": t.nvme_support,
        "LocalStorageAmount": t.local_storage_amount,
        "LocalStorageCapacity": t.local_storage_gib,
        "LocalStorageCategory": t.local_storage_category,
        "EniQuantity": t.eni_quantity,
        "EniTotalQuantity": t.eni_quantity,
        "EniPrivateIpAddressQuantity": t.eni_private_ips,
        "EniIpv6AddressQuantity": t.eni_ipv6_quantity,
        "EniTrunkSupported": t.category != "Shared",
        "EriQuantity": t.eri_quantity,
        "QueuePairNumber": 0,
        "InstanceBandwidthRx": t.bandwidth,
        "InstanceBandwidthTx": t.bandwidth,
        "InstancePpsRx": t.pps,
        "InstancePpsTx": t.pps,
        "PrimaryEniQueueNumber": queues,
        "SecondaryEniQueueNumber": queues,
        "MaximumQueueNumberPerEni": queues,
        "TotalEniQueueQuantity": queues * t.eni_quantity,
        "NetworkCardQuantity": 1,
        "NetworkCards": {"NetworkCardInfo": [{"NetworkCardIndex": 0}]},
        "JumboFrameSupport": t.category != "Shared",
        "NetworkEncryptionSupport": t.generation >= "ecs-8",
        "EnhancedNetwork": {
            "SriovSupport": t.category != "Shared",
            "RssSupport": True,
            "VfQueueNumberPerEni": queues,
            "ExpressSupport": False,
        },
        "NetworkInfo": {
            "BandwidthWeighting": {
                "WeightingInfos": {
                    "WeightingInfo": [
                        {
                            "Name": "Vpc-L1",
                            "VpcBandwidth": t.bandwidth // 1000,
                            "VpcBurstBandwidth": t.bandwidth // 1000,
                            "EbsBandwidth": t.bandwidth // 2000,
                            "EbsBurstBandwidth": t.bandwidth // 2000,
                        }
                    ]
                }
            }
        },
        "CpuOptions": {
            "Core": max(t.cpu // t.threads_per_core, 1),
            "ThreadsPerCore": t.threads_per_core,
            "CoreFactor": t.threads_per_core,
            "HyperThreadingAdjustable": t.threads_per_core > 1,
            "NestedVirtualizationSupport": False,
            "SupportedTopologyTypes": {
                "SupportedTopologyType": ["DiscreteCoreToHyperThread"]
                if t.threads_per_core > 1
                else ["ContinuousCoreToHyperThread"]
            },
        },
        "Clock": {"PtpSupport": False},
        "SecurityOptions": {"SecureBootSupport": t.generation >= "ecs-7"},
        "SupportedBootModes": {"SupportedBootMode": ["BIOS", "UEFI"]},
        "Attributes": {"Attribute": []},
    }


@query_action("DescribeInstanceTypeFamilies")
def describe_instance_type_families(ctx: ActionContext) -> Query:
    p = ctx.params
    ctx.region()
    generation = p.text("Generation")

    def query(sim: Simulation) -> dict[str, Any]:
        used = {i.instance_type for i in sim.instances()}
        families = {
            (t.family, t.generation)
            for t in known_types(used)
            if generation is None or t.generation == generation
        }
        return {
            "InstanceTypeFamilies": {
                "InstanceTypeFamily": [
                    {"InstanceTypeFamilyId": family, "Generation": gen}
                    for family, gen in sorted(families)
                ]
            }
        }

    return query
