"""Reboot instances early when the platform schedules a maintenance reboot; page on failures.

A small, self-contained poller written against the *legacy* Alibaba Cloud Python SDK
(``aliyun-python-sdk-core`` + ``aliyun-python-sdk-ecs``), the way it is commonly run from cron
or a systemd timer:

* ``SystemMaintenance.Reboot`` events that are ``Scheduled`` and whose ``NotBefore`` falls
  within ``window`` are handled by rebooting the instance ourselves (``RebootInstance``), at a
  time that suits us: the platform then marks the event ``Avoided``.
* ``SystemFailure.*`` events (the platform is already acting on a broken host) raise an alert
  through the injected ``alert`` callable, once per event.

Run it with ``python poller.py`` and the usual ``ALIBABA_CLOUD_*`` variables.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import RpcRequest
from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
    DescribeInstanceHistoryEventsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstancesFullStatusRequest import (
    DescribeInstancesFullStatusRequest,
)
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

log = logging.getLogger("maintenance_poller")

REBOOT = "SystemMaintenance.Reboot"
FAILURE_TYPES = [
    "SystemFailure.Reboot",
    "SystemFailure.Redeploy",
    "SystemFailure.Stop",
    "SystemFailure.Delete",
]
RETRYABLE_CODES = {"Throttling", "ServiceUnavailable"}

Alert = Callable[[str, dict[str, Any]], None]


def make_client(access_key_id: str, access_key_secret: str, region_id: str) -> AcsClient:
    # auto_retry=False: one retry policy (ours, below) for reads and writes alike.
    return AcsClient(access_key_id, access_key_secret, region_id, auto_retry=False)


def parse_time(text: str) -> datetime:
    """The API's UTC format, ``2024-05-01T02:00:00Z``."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@dataclass
class PollResult:
    rebooted: list[str] = field(default_factory=list)
    reboot_failed: list[str] = field(default_factory=list)
    #: Reboot events still Scheduled but outside the window (left for a later run).
    waiting: list[str] = field(default_factory=list)
    alerted: list[str] = field(default_factory=list)


class MaintenancePoller:
    def __init__(
        self,
        client: AcsClient,
        *,
        alert: Alert,
        window: timedelta = timedelta(hours=1),
        source: str = "history",
        page_size: int = 50,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
    ) -> None:
        if source not in ("history", "full_status"):
            raise ValueError("source must be 'history' or 'full_status'")
        self.client = client
        self.alert = alert
        self.window = window
        self.source = source
        self.page_size = page_size
        self.now = now
        self.sleep = sleep
        self.max_attempts = max_attempts
        self._alerted: set[str] = set()

    # ------------------------------------------------------------------ plumbing
    def _call(self, request: RpcRequest) -> dict[str, Any]:
        """Send one request; retry Throttling/ServiceUnavailable with exponential backoff."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                body: dict[str, Any] = json.loads(self.client.do_action_with_exception(request))
                return body
            except ServerException as exc:
                if exc.get_error_code() not in RETRYABLE_CODES or attempt == self.max_attempts:
                    raise
                delay = 0.5 * 2 ** (attempt - 1)
                log.warning(
                    "%s: %s, retrying in %.1fs",
                    request.get_action_name(),
                    exc.get_error_code(),
                    delay,
                )
                self.sleep(delay)
        raise AssertionError("unreachable")

    def _history_events(self, types: list[str], statuses: list[str]) -> Iterator[dict[str, Any]]:
        """Every matching event, following NextToken through all pages."""
        token = None
        while True:
            request = DescribeInstanceHistoryEventsRequest()
            request.set_InstanceEventTypes(types)
            request.set_InstanceEventCycleStatuss(statuses)
            request.set_MaxResults(self.page_size)
            if token:
                request.set_NextToken(token)
            body = self._call(request)
            yield from body["InstanceSystemEventSet"]["InstanceSystemEventType"]
            token = body.get("NextToken")
            if not token:
                return

    def _scheduled_reboots_full_status(self) -> Iterator[dict[str, Any]]:
        """The same events through DescribeInstancesFullStatus (PageNumber paging)."""
        page = 1
        while True:
            request = DescribeInstancesFullStatusRequest()
            request.set_InstanceEventTypes([REBOOT])
            request.set_PageNumber(page)
            request.set_PageSize(self.page_size)
            body = self._call(request)
            rows = body["InstanceFullStatusSet"]["InstanceFullStatusType"]
            for row in rows:
                for event in row["ScheduledSystemEventSet"]["ScheduledSystemEventType"]:
                    yield {**event, "InstanceId": row["InstanceId"]}
            if not rows or page * self.page_size >= body["TotalCount"]:
                return
            page += 1

    def scheduled_reboots(self) -> list[dict[str, Any]]:
        if self.source == "full_status":
            events = self._scheduled_reboots_full_status()
        else:
            events = self._history_events([REBOOT], ["Scheduled"])
        return [e for e in events if e["EventType"]["Name"] == REBOOT]

    # ------------------------------------------------------------------ the job
    def run_once(self) -> PollResult:
        result = PollResult()
        deadline = self.now() + self.window
        for event in self.scheduled_reboots():
            instance_id = event["InstanceId"]
            if parse_time(event["NotBefore"]) > deadline:
                result.waiting.append(instance_id)
                continue
            request = RebootInstanceRequest()
            request.set_InstanceId(instance_id)
            try:
                self._call(request)
            except ServerException as exc:
                # e.g. IncorrectInstanceStatus while the instance is stopped or mid-reboot:
                # leave the event Scheduled and try again on the next run.
                log.error("RebootInstance %s failed: %s", instance_id, exc.get_error_code())
                result.reboot_failed.append(instance_id)
                self.alert(
                    f"could not reboot {instance_id} ahead of maintenance",
                    {
                        "event_id": event["EventId"],
                        "instance_id": instance_id,
                        "error": exc.get_error_code(),
                        "not_before": event["NotBefore"],
                    },
                )
                continue
            log.info(
                "rebooted %s ahead of %s at %s", instance_id, event["EventId"], event["NotBefore"]
            )
            result.rebooted.append(instance_id)

        for event in self._history_events(FAILURE_TYPES, ["Executing", "Executed"]):
            if event["EventId"] in self._alerted:
                continue
            self._alerted.add(event["EventId"])
            result.alerted.append(event["EventId"])
            self.alert(
                f"{event['EventType']['Name']} on {event['InstanceId']}",
                {
                    "event_id": event["EventId"],
                    "instance_id": event["InstanceId"],
                    "status": event["EventCycleStatus"]["Name"],
                    "reason": event.get("Reason", ""),
                },
            )
        return result


def main() -> None:  # pragma: no cover - the real thing
    logging.basicConfig(level=logging.INFO)
    client = make_client(
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        os.environ.get("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou"),
    )
    poller = MaintenancePoller(client, alert=lambda text, details: print("ALERT", text, details))
    print(poller.run_once())


if __name__ == "__main__":  # pragma: no cover
    main()
