"""The instance metadata service (metadata.py) on the loopback server, for in-guest handlers.

``GET /latest/maintenance/active-system-events`` (the instance named by the
``X-Ecs-Instance-Id`` header or a ``/<instance-id>`` prefix). The body is our choice (no
documented example exists): a JSON array in the notification ``content`` vocabulary.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.models import Instance, SystemEvent
from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.metadata import (
    METADATA_INSTANCE_HEADER,
    TEXT_CONTENT_TYPE,
    active_system_events,
    metadata_answer,
)
from pytest_ecs_events.transports.server.replies import Reply
from tests.helpers.simulators import START

PATH = "/latest/maintenance/active-system-events"


def fetch(
    url: str, *, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, str, Any]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as answer:
            status, content_type, raw = answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as exc:
        status, content_type, raw = exc.code, exc.headers["Content-Type"], exc.read()
        exc.close()
    if content_type.startswith("application/json") and raw:
        return status, content_type, json.loads(raw)
    return status, content_type, raw.decode()


def test_active_events_of_one_instance(sim: EcsSimulator, server: EcsServer) -> None:
    url = server.metadata_url("i-a") + PATH
    assert fetch(url)[:3:2] == (200, [])

    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")
    sim.create_events("SystemMaintenance.Stop", "i-b", "+1h")  # another instance's
    status, content_type, body = fetch(url)
    assert status == 200
    assert content_type.startswith("application/json")
    assert body == [
        {
            "eventId": event.event_id,
            "publishTime": "2030-01-01T00:00:00Z",
            "notBefore": "2030-01-01T02:00:00Z",
            "instanceId": "i-a",
            "eventType": "SystemMaintenance.Reboot",
            "eventStatus": "Scheduled",
        }
    ]

    sim.advance("2h")
    (executing,) = fetch(url)[2]
    assert executing["eventStatus"] == "Executing"
    assert executing["executeStartTime"] == "2030-01-01T02:00:00Z"

    sim.advance("1m")
    assert fetch(url)[2] == []  # Executed is no longer active


def test_inquiring_and_failure_events_are_active(sim: EcsSimulator, server: EcsServer) -> None:
    sim.inject_event("SystemMaintenance.Reboot", "i-a", not_before="+3h", state="Inquiring")
    sim.create_events("SystemFailure.Reboot", "i-a", "+10m")
    body = fetch(server.metadata_url("i-a") + PATH)[2]
    assert [(e["eventType"], e["eventStatus"]) for e in body] == [
        ("SystemMaintenance.Reboot", "Inquiring"),
        ("SystemFailure.Reboot", "Executing"),
    ]
    assert "notBefore" not in body[1]  # failure events carry none (as in notifications)


def test_the_instance_from_the_header(sim: EcsSimulator, server: EcsServer) -> None:
    sim.create_events("SystemMaintenance.Reboot", "i-b", "+2h")
    body = fetch(server.url + PATH, headers={"X-Ecs-Instance-Id": "i-b"})[2]
    assert [e["instanceId"] for e in body] == ["i-b"]
    assert fetch(server.url + PATH, headers={"X-Ecs-Instance-Id": "i-a"})[2] == []


def test_a_single_instance_needs_no_name(server: EcsServer) -> None:
    sim = EcsSimulator(now=START, instances=["i-only"])
    sim.create_events("SystemMaintenance.Reboot", "i-only", "+2h")
    with EcsServer(sim) as single:
        body = fetch(single.url + PATH)[2]
    assert [e["instanceId"] for e in body] == ["i-only"]


def test_which_instance_must_be_said(server: EcsServer) -> None:
    status, _, body = fetch(server.url + PATH)
    assert status == 400
    assert body["Code"] == "MissingParameter"
    assert "X-Ecs-Instance-Id" in body["Message"]
    assert "/i-xxx/latest/maintenance/active-system-events" in body["Message"]


def test_unknown_instance_and_contradiction(server: EcsServer) -> None:
    status, _, body = fetch(server.metadata_url("i-nope") + PATH)
    assert (status, body["Code"]) == (404, "InvalidInstanceId.NotFound")
    status, _, body = fetch(server.metadata_url("i-a") + PATH, headers={"X-Ecs-Instance-Id": "i-b"})
    assert status == 400
    assert "give one of them" in body["Message"]


def test_instance_id_and_region_id(server: EcsServer) -> None:
    assert fetch(server.metadata_url("i-a") + "/latest/meta-data/instance-id") == (
        200,
        "text/plain; charset=utf-8",
        "i-a",
    )
    region = fetch(server.url + "/latest/meta-data/region-id", headers={"X-Ecs-Instance-Id": "i-b"})
    assert region[2] == "cn-hangzhou"


def test_only_get_and_head(server: EcsServer) -> None:
    status, _, body = fetch(server.metadata_url("i-a") + PATH, method="POST")
    assert (status, body["Code"]) == (405, "UnsupportedHTTPMethod")
    status, content_type, body = fetch(server.metadata_url("i-a") + PATH, method="HEAD")
    assert (status, body) == (200, "")
    assert content_type.startswith("application/json")


def test_the_formatter_is_configurable(sim: EcsSimulator) -> None:
    def as_text(simulator: EcsSimulator, instance: Instance, events: list[SystemEvent]) -> str:
        return "".join(f"{e.event_type} {e.state.value}\n" for e in events)

    def as_object(simulator: EcsSimulator, instance: Instance, events: list[SystemEvent]) -> Any:
        return {"instance": instance.instance_id, "count": len(events)}

    sim.create_events("SystemMaintenance.Redeploy", "i-a", "+1h")
    with EcsServer(sim, metadata_formatter=as_text) as server:
        status, content_type, text = fetch(server.metadata_url("i-a") + PATH)
        assert (status, text) == (200, "SystemMaintenance.Redeploy Scheduled\n")
        assert content_type.startswith("text/plain")
        server.metadata_formatter = as_object
        assert fetch(server.metadata_url("i-a") + PATH)[2] == {"instance": "i-a", "count": 1}


def test_with_the_fixtures(ecs_sim: EcsSimulator, ecs_server: EcsServer) -> None:
    ecs_sim.add_instance("i-guest")
    ecs_sim.create_events("SystemMaintenance.Reboot", "i-guest", "+30m")
    body = fetch(ecs_server.metadata_url("i-guest") + PATH)[2]
    assert body[0]["eventStatus"] == "Scheduled"
    assert [c.action for c in ecs_sim.calls] == []  # metadata reads are not API calls


# ------------------------------------------------------------- metadata_answer directly
def test_the_answer_without_http(sim: EcsSimulator) -> None:
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-b", "+2h")
    content, content_type = metadata_answer(
        sim, "maintenance/active-system-events", from_path=None, from_header=" i-b "
    )
    assert content_type.startswith("application/json")
    assert [e["eventId"] for e in json.loads(content)] == [event.event_id]
    assert json.loads(content) == active_system_events(sim, sim.instance("i-b"), [event])
    assert metadata_answer(sim, "meta-data/instance-id", from_path="i-a", from_header="") == (
        b"i-a",
        TEXT_CONTENT_TYPE,
    )


def test_which_instance_is_asking(sim: EcsSimulator) -> None:
    for from_path, from_header, status, code in [
        (None, "", 400, "MissingParameter"),
        ("i-a", "i-b", 400, "InvalidParameter"),
        ("i-nope", "", 404, "InvalidInstanceId.NotFound"),
        (None, "i-nope", 404, "InvalidInstanceId.NotFound"),
    ]:
        with pytest.raises(Reply) as raised:
            metadata_answer(
                sim, "meta-data/region-id", from_path=from_path, from_header=from_header
            )
        assert (raised.value.status, raised.value.code) == (status, code)
    # the same name twice is no contradiction
    answer = metadata_answer(sim, "meta-data/region-id", from_path="i-a", from_header="i-a")
    assert answer == (b"cn-hangzhou", TEXT_CONTENT_TYPE)
    assert METADATA_INSTANCE_HEADER == "X-Ecs-Instance-Id"


def test_the_formatter_gets_the_active_events_only(sim: EcsSimulator) -> None:
    seen: list[tuple[object, str, list[str]]] = []

    def record(account: object, instance: Instance, events: list[SystemEvent]) -> str:
        seen.append((account, instance.instance_id, [e.state.value for e in events]))
        return "ok"

    sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    (canceled,) = sim.create_events("SystemMaintenance.Stop", "i-a", "+2h")
    sim.cancel_events(canceled.event_id)
    answer = metadata_answer(
        sim, "maintenance/active-system-events", from_path="i-a", from_header="", formatter=record
    )
    assert answer == (b"ok", TEXT_CONTENT_TYPE)
    assert seen == [(sim, "i-a", ["Scheduled"])]
