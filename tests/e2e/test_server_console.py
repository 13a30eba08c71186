"""The console and the API share ``/``: both SDKs call the server a browser has just opened,
and their answers are the API's, unchanged, while the page's own changes show in ``calls``
as nothing (they go through the control API)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.sdk import legacy_call, legacy_client, new_client

pytestmark = pytest.mark.ecs_sim(now="2030-01-01T00:00:00Z", instances=["i-a", "i-b"])

BROWSER_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8"


def open_page(url: str) -> bytes:
    req = urllib.request.Request(url + "/", headers={"Accept": BROWSER_ACCEPT})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
        return bytes(resp.read())


def test_both_sdks_get_api_answers_from_the_root_a_browser_opened(
    ecs_sim: EcsSimulator, ecs_server: EcsServer
) -> None:
    from alibabacloud_ecs20140526 import models
    from aliyunsdkecs.request.v20140526.DescribeInstanceHistoryEventsRequest import (
        DescribeInstanceHistoryEventsRequest,
    )
    from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

    assert b"<title>ECS simulator console</title>" in open_page(ecs_server.url)
    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")

    legacy = legacy_client(ecs_sim, auto_retry=False)
    listed = DescribeInstanceHistoryEventsRequest()
    listed.set_endpoint(ecs_server.endpoint)
    listed.set_InstanceEventCycleStatuss(["Scheduled"])
    body = legacy_call(legacy, listed)
    assert [e["EventId"] for e in body["InstanceSystemEventSet"]["InstanceSystemEventType"]] == [
        event.event_id
    ]
    reboot = RebootInstanceRequest()
    reboot.set_endpoint(ecs_server.endpoint)
    reboot.set_InstanceId("i-a")
    legacy_call(legacy, reboot)

    client = new_client(ecs_sim, endpoint=ecs_server.endpoint, protocol="http")
    answer = client.describe_instance_history_events(
        models.DescribeInstanceHistoryEventsRequest(
            region_id="cn-hangzhou", event_id=[event.event_id]
        )
    )
    (shown,) = answer.body.instance_system_event_set.instance_system_event_type
    assert shown.event_cycle_status.name == "Avoided"
    assert [c.action for c in ecs_sim.calls] == [
        "DescribeInstanceHistoryEvents",
        "RebootInstance",
        "DescribeInstanceHistoryEvents",
    ]
    assert all(c.status == 200 for c in ecs_sim.calls)


def test_console_changes_are_not_api_calls(ecs_sim: EcsSimulator, ecs_server: EcsServer) -> None:
    """What the page does (through /_sim/) never shows up as a call of the code under test."""

    def control(path: str, body: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(
            f"{ecs_server.url}/_sim/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Origin": ecs_server.url},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            result: dict[str, Any] = json.loads(resp.read())
        return result

    open_page(ecs_server.url)
    created = control("events", {"simulated": True, "event_type": "SystemMaintenance.Reboot",
                                 "instance_ids": ["i-b"], "not_before": "+1h"})  # fmt: skip
    control("events/cancel", {"event_ids": [created["events"][0]["event_id"]]})
    control("instances/reboot", {"instance_id": "i-a"})
    control("advance", {"by": "10m"})
    assert ecs_sim.calls == []
    assert ecs_sim.events()[0].state.value == "Canceled"
    assert ecs_sim.instance("i-a").status.value == "Running"
