"""DescribeRegions and DescribeZones: the regions the simulator knows, with their default
endpoints, and their zones with what each offers."""

from __future__ import annotations

from typing import Any

from ...core.errors import EcsApiError
from ...core.instance_types import instance_type, known_types
from ...core.regions import LANGUAGES, REGIONS, region, zone_local_name
from ...core.simulation import Simulation
from ..registry import ActionContext, Query, query_action
from ..speedups.answer_cache import SameInputs


@query_action("DescribeRegions")
def describe_regions(ctx: ActionContext) -> Query:
    p = ctx.params
    p.choice("AcceptLanguage", ("zh-CN", "en-US", "ja"))
    p.choice("InstanceChargeType", ("PrePaid", "PostPaid", "SpotWithPriceLimit", "SpotAsPriceGo"))
    p.choice("ResourceType", ("instance", "disk", "reservedinstance", "scu"))
    return _regions


def _regions(sim: Simulation) -> dict[str, Any]:
    """Every known region, the simulation's own and those its instances live in."""
    config = sim.config
    ids = dict.fromkeys(
        [*REGIONS, *config.extra_regions, config.region, *(i.region for i in sim.instances())]
    )
    return {
        "Regions": {
            "Region": [
                {
                    "RegionId": region(r).region_id,
                    "LocalName": region(r).local_name,
                    "RegionEndpoint": region(r).endpoint,
                    "Status": "available",
                }
                for r in ids
            ]
        }
    }


# --------------------------------------------------------------------------- DescribeZones
#: What every simulated zone offers (our choice: what a current mainland zone offers).
_RESOURCE_CREATION = ("VSwitch", "IoOptimized", "Instance", "Disk", "DedicatedHost")
_DISK_CATEGORIES = ("cloud_efficiency", "cloud_ssd", "cloud_essd", "cloud_auto", "cloud_essd_entry")
_VOLUME_CATEGORIES = ("san_ssd", "san_efficiency")
_DEDICATED_HOST_TYPES = ("ddh.g7", "ddh.c7", "ddh.r7")
_DEDICATED_HOST_GENERATIONS = ("ddh-7",)


@query_action("DescribeZones")
def describe_zones(ctx: ActionContext) -> Query:
    p = ctx.params
    region_id = ctx.region()
    language = p.text("AcceptLanguage") or "zh-CN"
    if language not in LANGUAGES:
        raise EcsApiError(
            "InvalidAcceptLanguage.NotFound",
            "Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed.",
            404,
        )
    charge_type = p.text("InstanceChargeType") or "PostPaid"
    if charge_type not in ("PrePaid", "PostPaid"):
        raise EcsApiError(
            "InvalidInstanceChargeType.NotFound",
            "The InstanceChargeType does not exist in our records.",
            404,
        )
    spot = p.text("SpotStrategy") or "NoSpot"
    if spot not in ("NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo") or (
        spot != "NoSpot" and charge_type == "PrePaid"
    ):
        raise EcsApiError("InvalidSpotStrategy", "The specified SpotStrategy is not valid.", 400)
    verbose = p.flag("Verbose", default=True)

    last = SameInputs()

    def query(sim: Simulation) -> dict[str, Any]:
        instances = sim.instances(region_id)
        # The answer is a function of the zones and types the region's instances use (the
        # tables are fixed): kept while they are the same (a 9 KB answer's JSON reused)
        zones_used = frozenset(i.zone for i in instances)
        types_used = frozenset(i.instance_type for i in instances)
        kept = last.get((zones_used, types_used))
        if kept is not None:
            return kept
        zones = dict.fromkeys([*region(region_id).zones, *sorted(zones_used)])
        type_ids = [t.type_id for t in known_types(types_used)]
        # Every zone offers the same types: their families and generations are found once.
        offered = _offered(type_ids) if verbose else None
        return last.keep((zones_used, types_used), {
            "Zones": {
                "Zone": [_zone(zone, language, offered) for zone in zones],
            }
        })  # fmt: skip

    return query


def _offered(type_ids: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The instance types a zone offers, their families and their generations."""
    families = sorted({instance_type(t).family for t in type_ids})
    generations = sorted({instance_type(t).generation for t in type_ids})
    return type_ids, families, generations


def _zone(
    zone_id: str, language: str, offered: tuple[list[str], list[str], list[str]] | None
) -> dict[str, Any]:
    """One zone; ``offered`` (:func:`_offered`) for the verbose answer, else ``None``."""
    zone: dict[str, Any] = {
        "ZoneId": zone_id,
        "ZoneType": "AvailabilityZone",
        "LocalName": zone_local_name(zone_id, language),
    }
    if offered is None:
        return zone
    type_ids, families, generations = offered
    # Each zone gets its own lists of families and generations, as before: one zone's
    # answer shares nothing with another's but the type ids (as it always did).
    families, generations = list(families), list(generations)
    zone.update({
        "AvailableResourceCreation": {"ResourceTypes": list(_RESOURCE_CREATION)},
        "AvailableInstanceTypes": {"InstanceTypes": type_ids},
        "AvailableDiskCategories": {"DiskCategories": list(_DISK_CATEGORIES)},
        "AvailableVolumeCategories": {"VolumeCategories": list(_VOLUME_CATEGORIES)},
        "AvailableDedicatedHostTypes": {"DedicatedHostType": list(_DEDICATED_HOST_TYPES)},
        "DedicatedHostGenerations": {
            "DedicatedHostGeneration": list(_DEDICATED_HOST_GENERATIONS)
        },
        "AvailableResources": {
            "ResourcesInfo": [
                {
                    "IoOptimized": True,
                    "SystemDiskCategories": {
                        "supportedSystemDiskCategory": list(_DISK_CATEGORIES)
                    },
                    "DataDiskCategories": {"supportedDataDiskCategory": list(_DISK_CATEGORIES)},
                    "InstanceGenerations": {"supportedInstanceGeneration": generations},
                    "InstanceTypes": {"supportedInstanceType": type_ids},
                    "InstanceTypeFamilies": {"supportedInstanceTypeFamily": families},
                    "NetworkTypes": {"supportedNetworkCategory": ["vpc"]},
                }
            ]
        },
    })  # fmt: skip
    return zone
