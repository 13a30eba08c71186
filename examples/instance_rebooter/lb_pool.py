"""A stand-in for a load balancer's backend pool (SLB/ALB, nginx upstreams...): the handler
takes a server out by its private IP before the reboot, and puts it back after."""

from __future__ import annotations


class BackendPool:
    def __init__(self, *ips: str) -> None:
        self.active: set[str] = set(ips)
        self.log: list[str] = []

    def drain(self, ip: str) -> None:
        if ip not in self.active:
            raise KeyError(f"{ip} is not a backend of this pool")
        self.active.discard(ip)
        self.log.append(f"drain {ip}")

    def restore(self, ip: str) -> None:
        self.active.add(ip)
        self.log.append(f"restore {ip}")
