"""A tiny in-memory stand-in for a cluster's node registry (think: Kubernetes nodes)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    name: str
    instance_id: str
    schedulable: bool = True
    pods: list[str] = field(default_factory=list)
    #: Why the node is cordoned (None while schedulable).
    cordon_reason: str | None = None


class NodeRegistry:
    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.pending: list[str] = []  # evicted pods with nowhere to go
        self.log: list[str] = []

    def add(self, name: str, instance_id: str, pods: list[str] | None = None) -> Node:
        node = Node(name, instance_id, pods=list(pods or []))
        self.nodes[name] = node
        return node

    def by_instance(self, instance_id: str) -> Node | None:
        return next((n for n in self.nodes.values() if n.instance_id == instance_id), None)

    def cordon(self, name: str, reason: str) -> None:
        node = self.nodes[name]
        node.schedulable = False
        node.cordon_reason = reason
        self.log.append(f"cordon {name}")

    def drain(self, name: str) -> None:
        """Evict every pod to the schedulable node with the fewest pods."""
        node = self.nodes[name]
        for pod in node.pods:
            targets = [n for n in self.nodes.values() if n.schedulable]
            if targets:
                min(targets, key=lambda n: len(n.pods)).pods.append(pod)
            else:
                self.pending.append(pod)
        node.pods = []
        self.log.append(f"drain {name}")

    def uncordon(self, name: str) -> None:
        node = self.nodes[name]
        node.schedulable = True
        node.cordon_reason = None
        self.log.append(f"uncordon {name}")
        while self.pending:
            node.pods.append(self.pending.pop(0))
