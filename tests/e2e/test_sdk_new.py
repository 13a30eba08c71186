"""End to end with the new SDK (``alibabacloud_ecs20140526`` Client, ACS3 signatures, https).

The client is built the way users build it (``Config(access_key_id, access_key_secret,
region_id)``, no endpoint): the SDK picks the region's real ECS host, which ``ecs_sim``
intercepts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m
from alibabacloud_ecs20140526.client import Client

from tests.helpers.sdk import (
    API_TIME,
    EVENT_ID,
    REQUEST_ID,
    make_mixed_history,
    new_client,
    new_error,
    snapshot,
)

NOW = "2024-05-01T00:00:00Z"
A, B, C = "i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb", "i-bp1ccccccccccccccccc"
R = "cn-hangzhou"
EVERY_STATE = ["Scheduled", "Executing", "Avoided", "Canceled", "Executed"]

pytestmark = pytest.mark.ecs_sim(now=NOW, instances=[A, B, C])


@pytest.fixture
def client(ecs_sim: Any) -> Client:
    return new_client(ecs_sim)


def create(client: Client, event_type: str, ids: list[str], not_before: str) -> list[str]:
    resp = client.create_simulated_system_events(
        m.CreateSimulatedSystemEventsRequest(
            region_id=R, event_type=event_type, instance_id=ids, not_before=not_before
        )
    )
    assert resp.status_code == 200
    event_ids: list[str] = resp.body.event_id_set.event_id
    assert all(EVENT_ID.match(i) for i in event_ids)
    return event_ids


def history(client: Client, **kwargs: Any) -> Any:
    return client.describe_instance_history_events(
        m.DescribeInstanceHistoryEventsRequest(region_id=R, **kwargs)
    ).body


def history_items(client: Client, **kwargs: Any) -> list[Any]:
    items: list[Any] = history(
        client, **kwargs
    ).instance_system_event_set.instance_system_event_type
    return items


def states(items: list[Any]) -> dict[str, str]:
    return {i.event_id: i.event_cycle_status.name for i in items}


def full_status_rows(client: Client, **kwargs: Any) -> dict[str, Any]:
    body = client.describe_instances_full_status(
        m.DescribeInstancesFullStatusRequest(region_id=R, **kwargs)
    ).body
    return {r.instance_id: r for r in body.instance_full_status_set.instance_full_status_type}


def statuses(client: Client) -> dict[str, str]:
    body = client.describe_instance_status(m.DescribeInstanceStatusRequest(region_id=R)).body
    return {s.instance_id: s.status for s in body.instance_statuses.instance_status}


# ----------------------------------------------------------------------- handler flows
def test_handler_reboots_early_and_avoids_the_maintenance(ecs_sim: Any, client: Client) -> None:
    (event_id,) = create(client, "SystemMaintenance.Reboot", [A], "2024-05-01T02:00:00Z")
    rows = full_status_rows(client)
    todo = [
        (iid, ev.event_id)
        for iid, row in rows.items()
        for ev in row.scheduled_system_event_set.scheduled_system_event_type
        if ev.event_type.name == "SystemMaintenance.Reboot"
    ]
    assert todo == [(A, event_id)]
    resp = client.reboot_instance(m.RebootInstanceRequest(instance_id=A))
    assert REQUEST_ID.match(resp.body.request_id)

    assert ecs_sim.event(event_id).state == "Avoided"
    assert statuses(client)[A] == "Stopping"
    ecs_sim.advance("1m")
    assert statuses(client)[A] == "Running"
    (item,) = history_items(client)
    assert (item.event_id, item.event_cycle_status.code, item.event_cycle_status.name) == (
        event_id,
        8,
        "Avoided",
    )
    assert ecs_sim.advance(to="2024-05-01T03:00:00Z") == []


def test_reboot_instances_avoids_every_scheduled_reboot(ecs_sim: Any, client: Client) -> None:
    ids = create(client, "SystemMaintenance.Reboot", [A, B], "2024-05-01T02:00:00Z")
    body = client.reboot_instances(m.RebootInstancesRequest(region_id=R, instance_id=[A, B])).body
    got = [(r.instance_id, r.code, r.previous_status)
           for r in body.instance_responses.instance_response]  # fmt: skip
    assert got == [(A, "200", "Running"), (B, "200", "Running")]
    assert [ecs_sim.event(i).state for i in ids] == ["Avoided", "Avoided"]


def test_time_passes_executing_then_executed(ecs_sim: Any, client: Client) -> None:
    (event_id,) = create(client, "SystemMaintenance.Stop", [B], "2024-05-01T01:00:00Z")
    ecs_sim.advance("1h")
    assert ecs_sim.event(event_id).state == "Executing"
    (item,) = history_items(client, instance_event_cycle_status=["Executing"])
    assert item.event_finish_time is None  # unfinished: no finish time (real capture)
    assert full_status_rows(client)[B].scheduled_system_event_set.scheduled_system_event_type == []
    ecs_sim.advance("30s")
    assert ecs_sim.event(event_id).state == "Executed"
    (item,) = history_items(client)
    assert item.event_cycle_status.name == "Executed"
    assert item.event_finish_time == "2024-05-01T01:00:30Z"
    assert statuses(client)[B] == "Running"  # simulated: the instance is untouched


@pytest.mark.parametrize("event_type", ["SystemFailure.Reboot", "SystemFailure.Redeploy"])
def test_failure_event_starts_executing_and_ends_at_not_before(
    ecs_sim: Any, client: Client, event_type: str
) -> None:
    (event_id,) = create(client, event_type, [C], "2024-05-01T00:10:00Z")
    assert ecs_sim.event(event_id).state == "Executing"
    assert states(history_items(client, event_cycle_status="Executing")) == {event_id: "Executing"}
    assert full_status_rows(client)[C].scheduled_system_event_set.scheduled_system_event_type == []
    ecs_sim.advance("10m")
    assert ecs_sim.event(event_id).state == "Executed"
    (item,) = history_items(client)
    assert item.event_finish_time == item.not_before == "2024-05-01T00:10:00Z"


def test_cancel_makes_events_canceled(ecs_sim: Any, client: Client) -> None:
    ids = create(client, "SystemMaintenance.Reboot", [A, B], "2024-05-01T05:00:00Z")
    ecs_sim.advance(to="2024-05-01T05:00:10Z")  # both Executing now
    resp = client.cancel_simulated_system_events(
        m.CancelSimulatedSystemEventsRequest(region_id=R, event_id=[ids[1]])
    )
    assert resp.body.to_map() == {"RequestId": resp.body.request_id}
    assert ecs_sim.event(ids[1]).state == "Canceled"
    assert [str(s) for _, s in ecs_sim.event(ids[1]).history] == [
        "Scheduled",
        "Executing",
        "Canceled",
    ]
    ecs_sim.advance("1m")
    assert ecs_sim.event(ids[0]).state == "Executed"
    assert states(history_items(client)) == {ids[0]: "Executed", ids[1]: "Canceled"}


# ---------------------------------------------------------------- history filters/paging
@pytest.fixture
def mixed(ecs_sim: Any) -> dict[str, str]:
    return make_mixed_history(
        ecs_sim, A, B, C, failure="InstanceFailure.Reboot", executing="SystemFailure.Stop"
    )


def test_history_filters(client: Client, mixed: dict[str, str]) -> None:
    def expect(*names: str) -> dict[str, str]:
        return {mixed[n]: n for n in names}

    body = history(client)
    assert body.total_count == 3
    assert states(body.instance_system_event_set.instance_system_event_type) == expect(
        "Avoided", "Canceled", "Executed"
    )
    assert states(history_items(client, instance_event_cycle_status=["Scheduled"])) == expect(
        "Scheduled"
    )
    assert states(history_items(client, instance_event_cycle_status=EVERY_STATE)) == expect(
        *EVERY_STATE
    )
    got = history_items(
        client, event_id=[mixed["Scheduled"], mixed["Canceled"]],
        instance_event_cycle_status=EVERY_STATE,
    )  # fmt: skip
    assert states(got) == expect("Scheduled", "Canceled")
    got = history_items(
        client, instance_event_type=["InstanceFailure.Reboot", "SystemFailure.Stop"],
        instance_event_cycle_status=EVERY_STATE,
    )  # fmt: skip
    assert states(got) == expect("Executed", "Executing")
    got = history_items(
        client, instance_event_cycle_status=EVERY_STATE,
        event_publish_time=m.DescribeInstanceHistoryEventsRequestEventPublishTime(
            start="2024-05-01T00:10:00Z", end="2024-05-01T00:20:00Z"),
    )  # fmt: skip
    assert states(got) == expect("Canceled", "Executed")
    got = history_items(
        client, instance_event_cycle_status=EVERY_STATE,
        not_before=m.DescribeInstanceHistoryEventsRequestNotBefore(
            start="2024-05-01T01:00:00Z", end="2024-05-01T06:00:00Z"),
    )  # fmt: skip
    assert states(got) == expect("Avoided", "Canceled")


def test_history_time_end_before_start(ecs_sim: Any, client: Client) -> None:
    exc = new_error(
        client.describe_instance_history_events,
        m.DescribeInstanceHistoryEventsRequest(
            region_id=R,
            not_before=m.DescribeInstanceHistoryEventsRequestNotBefore(
                start="2024-05-02T00:00:00Z", end="2024-05-01T00:00:00Z"
            ),
        ),
    )
    assert (exc.code, exc.status_code) == ("InvalidParameter.TimeEndBeforeStart", 403)


def test_history_paging_both_styles(ecs_sim: Any, client: Client) -> None:
    ids = [ecs_sim.add_instance().instance_id for _ in range(21)]
    created = {e.event_id for e in ecs_sim.create_events("SystemMaintenance.Reboot", ids, "+1h")}

    seen: list[str] = []
    for page in (1, 2, 3):
        body = history(client, instance_event_cycle_status=["Scheduled"], page_size=10,
                       page_number=page)  # fmt: skip
        assert (body.total_count, body.page_number, body.page_size) == (21, page, 10)
        seen += [i.event_id for i in body.instance_system_event_set.instance_system_event_type]
    assert len(seen) == len(set(seen)) == 21
    assert set(seen) == created

    seen, token, pages = [], None, 0
    while True:
        body = history(client, instance_event_cycle_status=["Scheduled"], max_results=10,
                       next_token=token)  # fmt: skip
        pages += 1
        seen += [i.event_id for i in body.instance_system_event_set.instance_system_event_type]
        token = body.next_token
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 21
    assert set(seen) == created


# ---------------------------------------------------------------------- other actions
def test_full_status_shows_only_scheduled_events(ecs_sim: Any, client: Client) -> None:
    (scheduled,) = create(client, "SystemMaintenance.Redeploy", [A], "2024-05-01T03:00:00Z")
    create(client, "SystemFailure.Reboot", [B], "2024-05-01T00:10:00Z")
    rows = full_status_rows(client)
    assert set(rows) == {A, B, C}
    events = rows[A].scheduled_system_event_set.scheduled_system_event_type
    assert [(e.event_id, e.event_cycle_status.name) for e in events] == [(scheduled, "Scheduled")]
    assert API_TIME.match(events[0].event_publish_time)
    assert rows[B].scheduled_system_event_set.scheduled_system_event_type == []
    filtered = full_status_rows(client, event_id=[scheduled])
    assert list(filtered) == [A]
    filtered = full_status_rows(
        client,
        not_before=m.DescribeInstancesFullStatusRequestNotBefore(
            start="2024-05-01T04:00:00Z", end="2024-05-02T00:00:00Z"
        ),
    )
    assert filtered == {}


def test_describe_instances_and_regions(ecs_sim: Any, client: Client) -> None:
    ecs_sim.add_instance("i-bp1ddddddddddddddddd", name="web-1", tags={"env": "test"})
    body = client.describe_instances(
        m.DescribeInstancesRequest(
            region_id=R, instance_ids=json.dumps([A, "i-bp1ddddddddddddddddd"])
        )
    ).body
    got = {i.instance_id: i for i in body.instances.instance}
    assert set(got) == {A, "i-bp1ddddddddddddddddd"}
    assert got["i-bp1ddddddddddddddddd"].instance_name == "web-1"
    assert [(t.tag_key, t.tag_value) for t in got["i-bp1ddddddddddddddddd"].tags.tag] == [
        ("env", "test")
    ]
    regions = client.describe_regions(m.DescribeRegionsRequest()).body.regions.region
    assert "cn-hangzhou" in {r.region_id for r in regions}


def test_stop_start_redeploy(ecs_sim: Any, client: Client) -> None:
    client.stop_instance(m.StopInstanceRequest(instance_id=C))
    ecs_sim.advance("1m")
    assert statuses(client)[C] == "Stopped"
    client.start_instance(m.StartInstanceRequest(instance_id=C))
    assert ecs_sim.instance(C).status == "Starting"
    ecs_sim.advance("1m")
    body = client.redeploy_instance(m.RedeployInstanceRequest(instance_id=C)).body
    assert body.task_id.startswith("t-")
    assert ecs_sim.instance(C).status == "Stopping"
    ecs_sim.advance("1m")
    assert statuses(client)[C] == "Running"


def test_accept_inquired_system_event(ecs_sim: Any, client: Client) -> None:
    event = ecs_sim.inject_event("SystemMaintenance.Redeploy", B, state="Inquiring")
    client.accept_inquired_system_event(
        m.AcceptInquiredSystemEventRequest(region_id=R, event_id=event.event_id)
    )
    assert ecs_sim.event(event.event_id).state == "Executing"
    exc = new_error(
        client.accept_inquired_system_event,
        m.AcceptInquiredSystemEventRequest(region_id=R, event_id=event.event_id),
    )
    assert (exc.code, exc.status_code) == ("InvalidEventId.NoInquiringEventFound", 404)


def test_modify_system_event_attribute(ecs_sim: Any, client: Client) -> None:
    (event_id,) = create(client, "SystemMaintenance.Reboot", [A], "2024-05-01T02:00:00Z")
    client.modify_system_event_attribute(
        m.ModifySystemEventAttributeRequest(
            region_id=R, event_id=event_id, instance_id=A, not_before="2024-05-03T02:00:00Z"
        )
    )
    (item,) = history_items(client, instance_event_cycle_status=["Scheduled"])
    assert item.not_before == "2024-05-03T02:00:00Z"
    ecs_sim.advance("1d")
    assert ecs_sim.event(event_id).state == "Scheduled"


def test_maintenance_attributes(ecs_sim: Any, client: Client) -> None:
    client.modify_instance_maintenance_attributes(
        m.ModifyInstanceMaintenanceAttributesRequest(
            region_id=R,
            instance_id=[B],
            maintenance_window=[
                m.ModifyInstanceMaintenanceAttributesRequestMaintenanceWindow(
                    start_time="18:00:00", end_time="22:00:00"
                )
            ],
            action_on_maintenance="Stop",
            notify_on_maintenance=True,
        )
    )
    body = client.describe_instance_maintenance_attributes(
        m.DescribeInstanceMaintenanceAttributesRequest(region_id=R, instance_id=[B])
    ).body
    (row,) = body.maintenance_attributes.maintenance_attribute
    assert row.instance_id == B
    assert row.notify_on_maintenance is True
    assert row.action_on_maintenance.value == "Stop"
    windows = row.maintenance_windows.maintenance_window
    assert [(w.start_time, w.end_time) for w in windows] == [("18:00:00", "22:00:00")]


# ---------------------------------------------------------------------------- errors
def _stopped(sim: Any, value: Any) -> Any:
    sim.stop_instance(A)
    sim.advance("1m")
    return value


def _scheduled(sim: Any) -> str:
    event_id: str = sim.create_events("SystemMaintenance.Reboot", A, "+1h")[0].event_id
    return event_id


ERROR_CASES: list[tuple[str, str, Callable[[Any], Any], str, int]] = [
    ("create-passed", "create_simulated_system_events",
     lambda s: m.CreateSimulatedSystemEventsRequest(
         region_id=R, event_type="SystemMaintenance.Reboot", instance_id=[A],
         not_before="2024-04-01T00:00:00Z"), "InvalidNotBefore.Passed", 403),
    ("create-unknown-instance", "create_simulated_system_events",
     lambda s: m.CreateSimulatedSystemEventsRequest(
         region_id=R, event_type="SystemMaintenance.Reboot", instance_id=["i-nope"],
         not_before="2024-05-02T00:00:00Z"), "InvalidInstanceId.NotFound", 404),
    ("create-bad-type", "create_simulated_system_events",
     lambda s: m.CreateSimulatedSystemEventsRequest(
         region_id=R, event_type="SystemMaintenance.Nap", instance_id=[A],
         not_before="2024-05-02T00:00:00Z"), "InvalidParameter", 403),
    ("create-missing-type", "create_simulated_system_events",
     lambda s: m.CreateSimulatedSystemEventsRequest(
         region_id=R, instance_id=[A], not_before="2024-05-02T00:00:00Z"),
     "MissingParameter", 404),
    ("create-trigger-real-ops", "create_simulated_system_events",
     lambda s: m.CreateSimulatedSystemEventsRequest(
         region_id=R, event_type="SystemFailure.Stop", instance_id=[A],
         not_before="2024-05-02T00:00:00Z", trigger_real_ops=True), "InvalidParameter", 403),
    ("cancel-unknown", "cancel_simulated_system_events",
     lambda s: m.CancelSimulatedSystemEventsRequest(region_id=R, event_id=["e-nope"]),
     "InvalidEventId.NotFound", 403),
    ("cancel-platform", "cancel_simulated_system_events",
     lambda s: m.CancelSimulatedSystemEventsRequest(region_id=R, event_id=[
         s.inject_event("SystemMaintenance.Stop", A, not_before="+1d").event_id]),
     "CannotCancelSystemEvent.NotSimulated", 403),
    ("cancel-one-bad-of-two", "cancel_simulated_system_events",
     lambda s: m.CancelSimulatedSystemEventsRequest(region_id=R, event_id=[_scheduled(s),
                                                                          "e-nope"]),
     "InvalidEventId.NotFound", 403),
    ("history-too-many", "describe_instance_history_events",
     lambda s: m.DescribeInstanceHistoryEventsRequest(
         region_id=R, event_id=[f"e-{n}" for n in range(101)]), "EventIdLimitExceeded", 403),
    ("full-status-too-many", "describe_instances_full_status",
     lambda s: m.DescribeInstancesFullStatusRequest(
         region_id=R, instance_id=[f"i-{n}" for n in range(101)]),
     "InstanceIdLimitExceeded", 403),
    ("status-bad-zone", "describe_instance_status",
     lambda s: m.DescribeInstanceStatusRequest(region_id=R, zone_id="mars-1a"),
     "InvalidZoneId.NotFound", 404),
    ("instances-bad-status", "describe_instances",
     lambda s: m.DescribeInstancesRequest(region_id=R, status="Asleep"),
     "InvalidStatus.NotFound", 404),
    ("reboot-unknown", "reboot_instance",
     lambda s: m.RebootInstanceRequest(instance_id="i-nope"), "InvalidInstanceId.NotFound", 404),
    ("reboot-stopped", "reboot_instance",
     lambda s: _stopped(s, m.RebootInstanceRequest(instance_id=A)),
     "IncorrectInstanceStatus", 403),
    ("reboots-unknown", "reboot_instances",
     lambda s: m.RebootInstancesRequest(region_id=R, instance_id=[A, "i-nope"]),
     "InvalidInstanceIds.NotFound", 404),
    ("reboots-dry-run", "reboot_instances",
     lambda s: m.RebootInstancesRequest(region_id=R, instance_id=[A], dry_run=True),
     "DRYRUN.SUCCESS", 400),
    ("stop-dry-run", "stop_instance",
     lambda s: m.StopInstanceRequest(instance_id=A, dry_run=True), "DryRunOperation", 400),
    ("start-running", "start_instance",
     lambda s: m.StartInstanceRequest(instance_id=A), "IncorrectInstanceStatus", 403),
    ("redeploy-unknown", "redeploy_instance",
     lambda s: m.RedeployInstanceRequest(instance_id="i-nope"), "InvalidInstanceId.NotFound", 404),
    ("accept-unknown", "accept_inquired_system_event",
     lambda s: m.AcceptInquiredSystemEventRequest(region_id=R, event_id="e-nope"),
     "InvalidEventId.NoInquiringEventFound", 404),
    ("modify-event-wrong-instance", "modify_system_event_attribute",
     lambda s: m.ModifySystemEventAttributeRequest(
         region_id=R, event_id=_scheduled(s), instance_id=B, not_before="2024-05-02T00:00:00Z"),
     "InvalidParameter", 400),
    ("modify-event-missing-not-before", "modify_system_event_attribute",
     lambda s: m.ModifySystemEventAttributeRequest(
         region_id=R, event_id=_scheduled(s), instance_id=A), "MissingParameter", 400),
    ("maintenance-two-windows", "modify_instance_maintenance_attributes",
     lambda s: m.ModifyInstanceMaintenanceAttributesRequest(
         region_id=R, instance_id=[A], maintenance_window=[
             m.ModifyInstanceMaintenanceAttributesRequestMaintenanceWindow(
                 start_time="01:00:00", end_time="03:00:00"),
             m.ModifyInstanceMaintenanceAttributesRequestMaintenanceWindow(
                 start_time="05:00:00", end_time="07:00:00")]), "InvalidParameter", 403),
    ("maintenance-bad-action", "modify_instance_maintenance_attributes",
     lambda s: m.ModifyInstanceMaintenanceAttributesRequest(
         region_id=R, instance_id=[A], action_on_maintenance="Explode"),
     "InvalidParameter", 403),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "build", "code", "status"),
    [pytest.param(meth, b, c, s, id=i) for i, meth, b, c, s in ERROR_CASES],
)
def test_refused_calls_answer_the_code_and_change_nothing(
    ecs_sim: Any, client: Client, method: str, build: Callable[[Any], Any], code: str,
    status: int,
) -> None:  # fmt: skip
    ecs_sim.create_events("SystemMaintenance.Reboot", [B, C], "+3h")
    request = build(ecs_sim)
    before = snapshot(ecs_sim)

    exc = new_error(getattr(client, method), request)

    assert exc.code == code
    assert exc.status_code == status
    assert exc.data["Code"] == code
    assert exc.data["statusCode"] == status
    assert REQUEST_ID.match(exc.data["RequestId"])
    assert exc.data["HostId"] == "ecs-cn-hangzhou.aliyuncs.com"
    assert exc.data["Message"] in exc.message
    assert snapshot(ecs_sim) == before
    assert (ecs_sim.calls[-1].status, ecs_sim.calls[-1].error_code) == (status, code)


def test_unimplemented_action_is_404_invalid_action(ecs_sim: Any, client: Client) -> None:
    exc = new_error(client.describe_snapshots, m.DescribeSnapshotsRequest(region_id=R))
    assert (exc.code, exc.status_code) == ("InvalidAction.NotFound", 404)
    assert "DescribeSnapshots" in exc.data["Message"]
    assert "not implemented" in exc.data["Message"]
    assert ecs_sim.calls[-1].action == "DescribeSnapshots"
    assert ecs_sim.calls[-1].error_code == "InvalidAction.NotFound"
