"""Drain a node before the platform's maintenance hits its ECS instance; bring it back after.

Written against the *new* Alibaba Cloud Python SDK (``alibabacloud_ecs20140526``). Each
``reconcile()`` is one pass of a control loop:

* an instance with a ``SystemMaintenance.*`` event that is ``Scheduled`` or ``Executing``:
  cordon its node and drain it (once);
* a node we cordoned whose event has ended (``Executed``, ``Avoided``, ``Canceled``,
  ``Failed``): uncordon it.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config
from registry import NodeRegistry

log = logging.getLogger("node_drainer")

MAINTENANCE_TYPES = [
    "SystemMaintenance.Reboot",
    "SystemMaintenance.Redeploy",
    "SystemMaintenance.Stop",
]
ACTIVE = ["Scheduled", "Executing"]
RETRYABLE_CODES = {"Throttling", "ServiceUnavailable"}
REASON = "ecs-maintenance:"

T = TypeVar("T")


def make_client(access_key_id: str, access_key_secret: str, region_id: str) -> Client:
    return Client(
        Config(
            access_key_id=access_key_id, access_key_secret=access_key_secret, region_id=region_id
        )
    )


@dataclass
class ReconcileResult:
    drained: list[str] = field(default_factory=list)
    uncordoned: list[str] = field(default_factory=list)
    #: node name -> final state of the event that ended
    outcomes: dict[str, str] = field(default_factory=dict)


class NodeDrainer:
    def __init__(
        self,
        client: Client,
        registry: NodeRegistry,
        *,
        region_id: str,
        page_size: int = 100,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 5,
    ) -> None:
        self.client = client
        self.registry = registry
        self.region_id = region_id
        self.page_size = page_size
        self.sleep = sleep
        self.max_attempts = max_attempts

    def _with_retry(self, call: Callable[[], T]) -> T:
        for attempt in range(1, self.max_attempts + 1):
            try:
                return call()
            except AlibabaCloudException as exc:
                if exc.code not in RETRYABLE_CODES or attempt == self.max_attempts:
                    raise
                delay = min(0.2 * 2 ** (attempt - 1), 5.0)
                log.warning("ECS answered %s; retrying in %.1fs", exc.code, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")

    def _events(self, **filters: Any) -> Iterator[Any]:
        """DescribeInstanceHistoryEvents through every page (MaxResults/NextToken)."""
        token = None
        while True:
            request = ecs_models.DescribeInstanceHistoryEventsRequest(
                region_id=self.region_id, max_results=self.page_size, next_token=token, **filters
            )
            call = functools.partial(self.client.describe_instance_history_events, request)
            body = self._with_retry(call).body
            yield from body.instance_system_event_set.instance_system_event_type
            token = body.next_token
            if not token:
                return

    def reconcile(self) -> ReconcileResult:
        result = ReconcileResult()
        active: dict[str, Any] = {}
        for event in self._events(
            instance_event_type=MAINTENANCE_TYPES, instance_event_cycle_status=ACTIVE
        ):
            active.setdefault(event.instance_id, event)

        for instance_id, event in active.items():
            node = self.registry.by_instance(instance_id)
            if node is None or node.cordon_reason is not None:
                continue  # not one of ours, or already drained
            log.info(
                "%s: %s %s at %s, draining %s",
                instance_id,
                event.event_type.name,
                event.event_cycle_status.name,
                event.not_before,
                node.name,
            )
            self.registry.cordon(node.name, REASON + event.event_id)
            self.registry.drain(node.name)
            result.drained.append(node.name)

        # Nodes we cordoned whose event is no longer active: confirm how it ended.
        ours = {
            n.cordon_reason[len(REASON) :]: n
            for n in self.registry.nodes.values()
            if n.cordon_reason
            and n.cordon_reason.startswith(REASON)
            and n.instance_id not in active
        }
        ids = list(ours)
        for start in range(0, len(ids), 100):  # EventId.N takes at most 100 ids
            # Without a status filter only finished events are listed.
            for event in self._events(event_id=ids[start : start + 100]):
                node = ours[event.event_id]
                self.registry.uncordon(node.name)
                result.uncordoned.append(node.name)
                result.outcomes[node.name] = event.event_cycle_status.name
        return result


def main() -> None:  # pragma: no cover - the real thing
    logging.basicConfig(level=logging.INFO)
    region = os.environ.get("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")
    client = make_client(
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        region,
    )
    registry = NodeRegistry()  # in real life: your cluster's API
    drainer = NodeDrainer(client, registry, region_id=region)
    while True:
        print(drainer.reconcile())
        time.sleep(60)


if __name__ == "__main__":  # pragma: no cover
    main()
