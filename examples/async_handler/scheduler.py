"""Reboot instances ahead of scheduled maintenance, concurrently, with asyncio.

Written against the new Alibaba Cloud Python SDK's ``*_async`` methods
(``alibabacloud_ecs20140526``), for services that already run an event loop. Each
``run_once()``:

1. lists the ``Scheduled`` ``SystemMaintenance.Reboot`` events through every page
   (``MaxResults``/``NextToken``);
2. reboots the instances whose ``NotBefore`` falls within ``window``, at most
   ``concurrency`` at a time, so that the platform's reboot is ``Avoided``;
3. retries ``Throttling``/``ServiceUnavailable`` with backoff (through an injected ``sleep``);
   any other failure of one reboot is reported in the result and does not stop the others.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config

log = logging.getLogger("async_scheduler")

RETRYABLE_CODES = {"Throttling", "ServiceUnavailable"}
T = TypeVar("T")


def make_client(
    access_key_id: str,
    access_key_secret: str,
    region_id: str,
    *,
    endpoint: str | None = None,
    protocol: str = "https",
) -> Client:
    """The production client; tests pass the loopback server's endpoint and ``http``."""
    return Client(
        Config(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            region_id=region_id,
            endpoint=endpoint,
            protocol=protocol,
        )
    )


def _parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@dataclass
class RunResult:
    rebooted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: instance id -> error code of a reboot that failed
    failed: dict[str, str] = field(default_factory=dict)


class AsyncMaintenanceScheduler:
    def __init__(
        self,
        client: Client,
        *,
        region_id: str,
        window: timedelta = timedelta(hours=1),
        concurrency: int = 5,
        page_size: int = 100,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_attempts: int = 4,
    ) -> None:
        self.client = client
        self.region_id = region_id
        self.window = window
        self.concurrency = concurrency
        self.page_size = page_size
        self.now = now
        self.sleep = sleep
        self.max_attempts = max_attempts

    async def _with_retry(self, call: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await call()
            except AlibabaCloudException as exc:
                if exc.code not in RETRYABLE_CODES or attempt == self.max_attempts:
                    raise
                delay = 0.5 * 2 ** (attempt - 1)
                log.warning("ECS answered %s; retrying in %.1fs", exc.code, delay)
                await self.sleep(delay)
        raise AssertionError("unreachable")

    async def scheduled_reboots(self) -> list[Any]:
        """Every Scheduled SystemMaintenance.Reboot event, through all pages."""
        events: list[Any] = []
        token = None
        while True:
            request = ecs_models.DescribeInstanceHistoryEventsRequest(
                region_id=self.region_id,
                instance_event_type=["SystemMaintenance.Reboot"],
                instance_event_cycle_status=["Scheduled"],
                max_results=self.page_size,
                next_token=token,
            )

            async def page(request: Any = request) -> Any:
                return await self.client.describe_instance_history_events_async(request)

            body = (await self._with_retry(page)).body
            events += body.instance_system_event_set.instance_system_event_type
            token = body.next_token
            if not token:
                return events

    async def _reboot(self, instance_id: str, limit: asyncio.Semaphore) -> None:
        request = ecs_models.RebootInstanceRequest(instance_id=instance_id)
        async with limit:
            await self._with_retry(lambda: self.client.reboot_instance_async(request))

    async def run_once(self) -> RunResult:
        result = RunResult()
        due: list[str] = []
        for event in await self.scheduled_reboots():
            if _parse(event.not_before) - self.now() <= self.window:
                due.append(event.instance_id)
            else:
                result.skipped.append(event.instance_id)
        due = list(dict.fromkeys(due))  # one reboot per instance
        limit = asyncio.Semaphore(self.concurrency)
        outcomes = await asyncio.gather(
            *(self._reboot(i, limit) for i in due), return_exceptions=True
        )
        for instance_id, outcome in zip(due, outcomes, strict=True):
            if isinstance(outcome, AlibabaCloudException):
                log.error("RebootInstance %s failed: %s", instance_id, outcome.code)
                result.failed[instance_id] = str(outcome.code)
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                result.rebooted.append(instance_id)
        return result


async def main() -> None:  # pragma: no cover - the real thing
    logging.basicConfig(level=logging.INFO)
    region = os.environ.get("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")
    client = make_client(
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        region,
    )
    scheduler = AsyncMaintenanceScheduler(client, region_id=region)
    while True:
        print(await scheduler.run_once())
        await asyncio.sleep(300)


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(main())
