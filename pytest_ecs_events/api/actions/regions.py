"""DescribeRegions: the regions the simulator knows, with their default endpoints."""

from __future__ import annotations

from typing import Any

from ...core.regions import REGIONS, region
from ...core.simulation import Simulation
from ..registry import ActionContext, Query, query_action


@query_action("DescribeRegions")
def describe_regions(ctx: ActionContext) -> Query:
    p = ctx.params
    p.choice("AcceptLanguage", ("zh-CN", "en-US", "ja"))
    p.choice("InstanceChargeType", ("PrePaid", "PostPaid", "SpotWithPriceLimit", "SpotAsPriceGo"))
    p.choice("ResourceType", ("instance", "disk", "reservedinstance", "scu"))
    return _regions


def _regions(sim: Simulation) -> dict[str, Any]:
    """Every known region, the simulation's own and those its instances live in."""
    ids = dict.fromkeys([*REGIONS, sim.config.region, *(i.region for i in sim.instances())])
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
