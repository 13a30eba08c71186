"""DescribeInstances' filters against a brute-force filter over the same instances."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.instance_types import instance_type
from pytest_ecs_events.simulator import EcsSimulator

TYPES = ["ecs.g7.large", "ecs.c7.large", "ecs.r7.large", "ecs.c7.xlarge"]
NAMES = ["web-1", "web-2", "db-1", "cache", "web-db"]
ZONES = ["cn-hangzhou-h", "cn-hangzhou-i"]


def _world() -> EcsSimulator:
    sim = EcsSimulator(now="2024-05-01T00:00:00Z", seed=7)
    for n in range(12):
        sim.add_instance(
            f"i-{n:02d}", name=NAMES[n % len(NAMES)], instance_type=TYPES[n % len(TYPES)],
            zone=ZONES[n % 2], charge_type="PrePaid" if n % 3 == 0 else "PostPaid",
            expired_time="+30d" if n % 3 == 0 else None, status="Stopped" if n % 4 == 0 else
            "Running", tags={"team": "a" if n % 2 else "b"}, public_ip=n % 5 == 0,
            creation_time=f"2024-04-{n + 1:02d}T00:00:00Z",
        )  # fmt: skip
    return sim


SIM = _world()
INSTANCES = SIM.instances

filters = st.fixed_dictionaries(
    {},
    optional={
        "InstanceType": st.sampled_from(TYPES),
        "InstanceTypeFamily": st.sampled_from(["ecs.g7", "ecs.c7", "ecs.r7"]),
        "ZoneId": st.sampled_from(ZONES),
        "InstanceChargeType": st.sampled_from(["PostPaid", "PrePaid"]),
        "Status": st.sampled_from(["Running", "Stopped"]),
        "InstanceName": st.sampled_from(["web*", "*-1", "cache", "*db*", "*", "w*-*"]),
        "PrivateIpAddresses": st.lists(st.sampled_from([i.private_ip for i in INSTANCES]),
                                       max_size=3),
        "Tag.1.Value": st.sampled_from(["a", "b"]),
        "Filter.1.Value": st.sampled_from(["2024-04-03T00:00Z", "2024-04-10T00:00Z"]),
    },
)  # fmt: skip


def _expected(params: dict[str, Any]) -> list[str]:
    def keep(i: Any) -> bool:
        checks = {
            "InstanceType": lambda v: i.instance_type == v,
            "InstanceTypeFamily": lambda v: instance_type(i.instance_type).family == v,
            "ZoneId": lambda v: i.zone == v,
            "InstanceChargeType": lambda v: i.charge_type == v,
            "Status": lambda v: i.status.value == v,
            "InstanceName": lambda v: re.fullmatch(v.replace("*", ".*"), i.name) is not None,
            "PrivateIpAddresses": lambda v: i.private_ip in v,
            "Tag.1.Value": lambda v: i.tags.get("team") == v,
            "Filter.1.Value": lambda v: i.created_at.strftime("%Y-%m-%dT%H:%MZ") >= v,
        }
        return all(check(params[k]) for k, check in checks.items() if k in params)

    return [i.instance_id for i in INSTANCES if keep(i)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filters, st.sampled_from([1, 3, 100]))
def test_a_filtered_page_walk_equals_the_brute_force_filter(
    params: dict[str, Any], size: int
) -> None:
    if "Tag.1.Value" in params:
        params = {**params, "Tag.1.Key": "team"}
    if "Filter.1.Value" in params:
        params = {**params, "Filter.1.Key": "CreationStartTime"}
    sent = {k: json.dumps(v) if isinstance(v, list) else v for k, v in params.items()}
    seen: list[str] = []
    page = 1
    while True:
        body = SIM.call("DescribeInstances", RegionId=SIM.region, PageSize=size, PageNumber=page,
                        **sent)  # fmt: skip
        seen += [i["InstanceId"] for i in body["Instances"]["Instance"]]
        if page * size >= body["TotalCount"]:
            break
        page += 1
    assert seen == _expected(params)
