from __future__ import annotations

import pytest
from drainer import NodeDrainer, make_client
from registry import NodeRegistry

from pytest_ecs_events import EcsSimulator


@pytest.fixture
def registry() -> NodeRegistry:
    nodes = NodeRegistry()
    nodes.add("node-a", "i-node-a", pods=["web-1", "web-2"])
    nodes.add("node-b", "i-node-b", pods=["web-3"])
    nodes.add("node-c", "i-node-c", pods=[])
    return nodes


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def drainer(ecs_sim: EcsSimulator, registry: NodeRegistry, sleeps: list[float]) -> NodeDrainer:
    for node in registry.nodes.values():
        ecs_sim.add_instance(node.instance_id, name=node.name)
    client = make_client("my-access-key", "my-secret", ecs_sim.region)
    return NodeDrainer(
        client, registry, region_id=ecs_sim.region, page_size=10, sleep=sleeps.append
    )
