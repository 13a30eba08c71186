"""DescribeRegions: the regions the simulator knows, with their default endpoints."""

from __future__ import annotations

from typing import Any

from ...core.regions import REGIONS, region
from ..dispatch import ActionContext, action


@action("DescribeRegions")
def describe_regions(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    p.choice("AcceptLanguage", ("zh-CN", "en-US", "ja"))
    p.choice("InstanceChargeType", ("PrePaid", "PostPaid", "SpotWithPriceLimit", "SpotAsPriceGo"))
    p.choice("ResourceType", ("instance", "disk", "reservedinstance", "scu"))
    ids = dict.fromkeys([*REGIONS, ctx.sim.config.region, *(i.region for i in ctx.sim.instances())])
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
