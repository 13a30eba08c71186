"""The ``/_sim/`` control API (control.py): over HTTP first, then :class:`ControlApi` and its
JSON views called directly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer, control
from pytest_ecs_events.transports.server.control import (
    ControlApi,
    call_json,
    event_json,
    instance_json,
    transition_json,
)
from pytest_ecs_events.transports.server.replies import Reply
from pytest_ecs_events.transports.server.wallclock import WallClockFollower
from tests.helpers.http import HISTORY, assert_api_error, get, post
from tests.helpers.simulators import START

UTC = timezone.utc
FORM_TYPE = "application/x-www-form-urlencoded"


def test_control_api_round_trip(sim: EcsSimulator, server: EcsServer) -> None:
    base = f"{server.url}/_sim"
    status, body = post(f"{base}/instances", b'{"instance_id": "i-c", "tags": {"t": "v"}}')
    assert status == 200, body
    assert (
        body["instance"].items()
        >= {
            "instance_id": "i-c",
            "region": "cn-hangzhou",
            "zone": body["instance"]["zone"],
            "name": body["instance"]["name"],
            "status": "Running",
            "tags": {"t": "v"},
        }.items()
    )
    status, body = post(
        f"{base}/events",
        json.dumps(
            {
                "simulated": True,
                "event_type": "SystemMaintenance.Reboot",
                "instance_ids": ["i-a", "i-c"],
                "not_before": "+2h",
            }
        ).encode(),
    )
    assert status == 200, body
    assert [e["instance_id"] for e in body["events"]] == ["i-a", "i-c"]
    status, body = post(
        f"{base}/events",
        json.dumps(
            {
                "event_type": "SystemMaintenance.Stop",
                "instance_id": "i-b",
                "not_before": "2030-01-01T01:00:00Z",
                "state": "Inquiring",
            }
        ).encode(),
    )
    assert status == 200, body
    [platform] = body["events"]
    assert platform["simulated"] is False
    assert platform["state"] == "Inquiring"

    status, body = get(f"{base}/events")
    assert status == 200
    events = body["events"]
    assert len(events) == 3
    assert set(events[0]) >= {
        "event_id",
        "instance_id",
        "event_type",
        "state",
        "not_before",
        "publish_time",
        "finish_time",
        "simulated",
        "history",
    }
    assert events[0]["not_before"] == "2030-01-01T02:00:00Z"
    assert events[0]["history"] == [{"time": START, "state": "Scheduled"}]
    status, body = get(f"{base}/events?instance_id=i-a&state=Scheduled")
    assert [e["instance_id"] for e in body["events"]] == ["i-a"]

    status, body = post(f"{base}/advance", b'{"by": "3h"}')
    assert status == 200, body
    assert body["now"] == "2030-01-01T03:00:00Z"
    moved = {(t["instance_id"], t["to"]) for t in body["transitions"]}
    assert ("i-a", "Executing") in moved
    status, body = post(f"{base}/advance", b'{"to": "2030-01-01T04:00:00Z"}')
    assert body["now"] == "2030-01-01T04:00:00Z"
    assert sim.now == datetime(2030, 1, 1, 4, tzinfo=UTC)
    status, body = get(f"{base}/events?instance_id=i-a")
    assert body["events"][0]["state"] == "Executed"
    assert body["events"][0]["finish_time"] == "2030-01-01T02:00:30Z"

    status, body = get(f"{base}/clock")
    assert body == {
        "now": "2030-01-01T04:00:00Z",
        "follows_wall_clock": False,
        "offset_seconds": None,
    }
    get(f"{server.url}/?{HISTORY}")
    status, body = get(f"{base}/calls")
    assert body["calls"][-1]["action"] == "DescribeInstanceHistoryEvents"
    assert body["calls"][-1]["params"] == {"RegionId": "cn-hangzhou"}
    status, body = get(f"{base}/instances")
    assert [i["instance_id"] for i in body["instances"]] == ["i-a", "i-b", "i-c"]


def test_control_api_accepts_form_and_query(sim: EcsSimulator, server: EcsServer) -> None:
    status, body = post(f"{server.url}/_sim/advance", b"by=1h", "application/x-www-form-urlencoded")
    assert status == 200, body
    status, body = post(f"{server.url}/_sim/advance?by=30m", b"")
    assert status == 200, body
    # curl -d '{...}' sends a form content type: JSON is still understood
    status, body = post(
        f"{server.url}/_sim/advance", b'{"by": "30m"}', "application/x-www-form-urlencoded"
    )
    assert body["now"] == "2030-01-01T02:00:00Z"


@pytest.mark.parametrize(
    ("path", "data", "status", "code"),
    [
        ("advance", b"not json", 400, "InvalidParameter.Json"),
        ("advance", b"[1, 2]", 400, "InvalidParameter.Json"),
        ("advance", b"{}", 400, "MissingParameter"),
        ("advance", b'{"by": "2h", "to": "2031-01-01T00:00:00Z"}', 400, "MissingParameter"),
        ("advance", b'{"by": "soon"}', 400, "InvalidParameter"),
        ("advance", b'{"by": [1]}', 400, "InvalidParameter"),
        ("advance", b'{"by": 1e20}', 400, "InvalidParameter"),
        ("advance", b'{"by": "999999999999d"}', 400, "InvalidParameter"),
        ("advance", b'{"to": "2000-01-01T00:00:00Z"}', 400, "InvalidParameter"),
        ("advance", b'{"hours": 2}', 400, "InvalidParameter"),
        ("instances", b'{"instance_id": 5}', 400, "InvalidParameter"),
        ("instances", b'{"tags": ["a"]}', 400, "InvalidParameter"),
        ("events", b'{"instance_id": "i-a"}', 400, "MissingParameter"),
        ("events", b'{"event_type": "No.Such", "instance_id": "i-a"}', 400, "InvalidParameter"),
        (
            "events",
            b'{"event_type": "SystemMaintenance.Reboot", "instance_id": "i-zz"}',
            404,
            "InvalidInstanceId.NotFound",
        ),
        (
            "events",
            b'{"simulated": true, "event_type": "SystemMaintenance.Reboot"}',
            400,
            "MissingParameter",
        ),
        (
            "events",
            b'{"event_type": "SystemMaintenance.Reboot", "instance_id": "i-a", '
            b'"state": "Sleeping"}',
            400,
            "InvalidParameter",
        ),
        ("reset", b"", 409, "OperationConflict"),
        ("clock", b"{}", 405, "UnsupportedHTTPMethod"),
    ],
)
def test_control_api_bad_input(
    sim: EcsSimulator, server: EcsServer, path: str, data: bytes, status: int, code: str
) -> None:
    before = (sim.now, len(sim.events()), len(sim.instances))
    answer = post(f"{server.url}/_sim/{path}", data)
    assert_api_error(*answer, status, code)
    assert (sim.now, len(sim.events()), len(sim.instances)) == before


def test_reset_with_a_factory(sim: EcsSimulator) -> None:
    made: list[EcsSimulator] = []

    def factory() -> EcsSimulator:
        made.append(EcsSimulator(now=START, instances=["i-a"]))
        return made[-1]

    with EcsServer(sim, factory=factory) as srv:
        post(f"{srv.url}/_sim/instances", b'{"instance_id": "i-zz"}')
        status, body = post(f"{srv.url}/_sim/reset", b"")
        assert status == 200, body
        assert body["instances"] == ["i-a"]
        assert srv.simulator is made[0]
        status, body = get(f"{srv.url}/_sim/instances")
        assert [i["instance_id"] for i in body["instances"]] == ["i-a"]


# -------------------------------------------------------------------- ControlApi directly
def answer(
    control: ControlApi, method: str, path: str, body: bytes = b"", **query: str
) -> dict[str, object]:
    return control.answer(method, path, query, body, "application/json")


def refusal(control: ControlApi, method: str, path: str, body: bytes = b"") -> Reply:
    with pytest.raises(Reply) as raised:
        answer(control, method, path, body)
    return raised.value


def test_the_clock_without_and_with_a_follower(sim: EcsSimulator) -> None:
    assert answer(ControlApi(sim), "GET", "/_sim/clock") == {
        "now": START,
        "follows_wall_clock": False,
        "offset_seconds": None,
    }
    wall = datetime(2030, 1, 1, tzinfo=UTC)
    follower = WallClockFollower(sim, wall=lambda: wall)
    control = ControlApi(sim, follower=follower)
    moved = answer(control, "POST", "/_sim/advance", b'{"by": 90}')
    assert moved == {"now": "2030-01-01T00:01:30Z", "transitions": []}
    assert follower.offset == timedelta(seconds=90)  # the follower moved, not the account alone
    assert answer(control, "GET", "/_sim/clock/")["offset_seconds"] == 90.0


def test_query_arguments_and_a_form_body(sim: EcsSimulator) -> None:
    control = ControlApi(sim)
    sim.create_events("SystemMaintenance.Reboot", ["i-a", "i-b"], "+1h")
    listed = answer(control, "GET", "/_sim/events", instance_id="i-b")["events"]
    assert [e["instance_id"] for e in listed] == ["i-b"]
    form = "application/x-www-form-urlencoded"
    body = control.answer("POST", "/_sim/instances", {}, b"instance_id=i-f&name=web", form)
    assert body["instance"]["name"] == "web"
    with pytest.raises(Reply) as raised:
        control.answer("POST", "/_sim/advance", {}, b"by=%ff", form)
    assert raised.value.code == "InvalidParameter.Encoding"


def test_refusals_name_what_is_wrong(sim: EcsSimulator) -> None:
    control = ControlApi(sim)
    reply = refusal(control, "POST", "/_sim/instances", b'{"instance_id": "i-c", "colour": 1}')
    assert (reply.status, reply.code) == (400, "InvalidParameter")
    assert "Unknown parameter(s) 'colour'" in reply.message
    reply = refusal(control, "POST", "/_sim/advance", b'{"by": true}')
    assert reply.message == '"by" must be a duration, got True.'
    reply = refusal(control, "POST", "/_sim/events", b'{"event_type": "X", "simulated": "maybe"}')
    assert reply.code == "MissingParameter"  # "maybe" is not true: a platform event needs an id
    reply = refusal(control, "POST", "/_sim/events", b'{"event_type": "X", "simulated": 2}')
    assert '"simulated" must be true or false' in reply.message
    reply = refusal(control, "POST", "/_sim/advance", b'{"to": "2000-01-01T00:00:00Z"}')
    assert reply.message.startswith("/_sim/advance: ")  # the account's own message follows
    assert sim.instances == [sim.instance("i-a"), sim.instance("i-b")]


def test_reset_swaps_the_account(sim: EcsSimulator) -> None:
    assert refusal(ControlApi(sim), "POST", "/_sim/reset").status == 409
    fresh = EcsSimulator(now="2031-01-01T00:00:00Z", instances=["i-z"])
    control = ControlApi(sim, reset=lambda: fresh)
    assert answer(control, "POST", "/_sim/reset") == {
        "now": "2031-01-01T00:00:00Z",
        "instances": ["i-z"],
    }
    assert control.account is fresh


def test_the_json_views(sim: EcsSimulator) -> None:
    instance = sim.add_instance("i-c", name="web", tags={"team": "sre"})
    assert (
        instance_json(instance).items()
        >= {
            "instance_id": "i-c",
            "region": "cn-hangzhou",
            "zone": instance.zone,
            "name": "web",
            "status": "Running",
            "tags": {"team": "sre"},
        }.items()
    )
    assert instance_json(instance)["private_ip"] == instance.private_ip
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-c", "+1h")
    executing, executed = sim.advance("2h")
    assert transition_json(executing) == {
        "time": "2030-01-01T01:00:00Z",
        "event_id": event.event_id,
        "instance_id": "i-c",
        "event_type": "SystemMaintenance.Reboot",
        "from": "Scheduled",
        "to": "Executing",
    }
    assert (transition_json(executed)["from"], transition_json(executed)["to"]) == (
        "Executing",
        "Executed",
    )
    viewed = event_json(event)
    assert viewed["state"] == "Executed"
    assert viewed["simulated"] is True
    assert [h["state"] for h in viewed["history"]] == [s.value for _, s in event.history]
    json.dumps(viewed)  # plain JSON all through
    sim.call("DescribeRegions")
    call = call_json(sim.calls[-1])
    assert set(call) == {"action", "params", "status", "error_code", "time", "request_id"}
    assert (call["action"], call["status"], call["error_code"]) == ("DescribeRegions", 200, None)


def test_add_instance_takes_the_attributes_and_shows_them(sim: EcsSimulator) -> None:
    control = ControlApi(sim)
    body = answer(control, "POST", "/_sim/instances", json.dumps({
        "instance_id": "i-attr", "private_ip": "172.16.5.5", "instance_type": "ecs.c7.large",
        "charge_type": "PrePaid", "expired_time": "2030-01-01T00:00:00Z", "public_ip": True,
    }).encode())  # fmt: skip
    shown = body["instance"]
    assert isinstance(shown, dict)
    assert (shown["private_ip"], shown["instance_type"], shown["charge_type"]) == (
        "172.16.5.5", "ecs.c7.large", "PrePaid")  # fmt: skip
    assert shown["expired_time"] == "2030-01-01T00:00:00Z"
    assert shown["public_ip"] == sim.instance("i-attr").public_ip != ""
    reply = refusal(control, "POST", "/_sim/instances",
                    b'{"instance_id": "i-bad", "charge_type": "Free"}')  # fmt: skip
    assert (reply.status, reply.code) == (400, "InvalidParameter")
    assert "charge_type" in reply.message


# ------------------------------------------------------------------ hostile input (issue 17)
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested-arrays"),
        pytest.param(b'{"by": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001, id="nested-objects"),
        pytest.param(b'{"tags": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", id="nested-in-a-field"),
    ],
)
@pytest.mark.parametrize("path", ["advance", "instances", "events"])
def test_deeply_nested_json_is_a_400(
    sim: EcsSimulator, server: EcsServer, path: str, data: bytes
) -> None:
    """json.loads raises RecursionError (not a ValueError) on deep nesting: still a 400."""
    before = (sim.now, len(sim.events()), len(sim.instances))
    status, body = post(f"{server.url}/_sim/{path}", data)
    assert_api_error(status, body, 400, "InvalidParameter.Json")
    assert "nested" in body["Message"]
    assert (sim.now, len(sim.events()), len(sim.instances)) == before
    assert get(f"{server.url}/?{HISTORY}")[0] == 200


def test_advance_to_the_last_second_keeps_the_served_clock_working(sim: EcsSimulator) -> None:
    """The wall-clock follower used to ask for wall + offset, past the last time the simulation
    reaches, as soon as the wall clock ticked: every later request, reset included, was a 500."""
    wall = [datetime(2030, 1, 1, tzinfo=UTC)]
    follower = WallClockFollower(sim, wall=lambda: wall[0])
    with EcsServer(sim, clock=follower, factory=lambda: EcsSimulator(now=START)) as srv:
        status, body = post(f"{srv.url}/_sim/advance", b'{"to": "8999-12-31T23:59:59Z"}')
        assert (status, body["now"]) == (200, "8999-12-31T23:59:59Z")
        wall[0] += timedelta(hours=1)  # the wall clock goes on
        status, body = get(f"{srv.url}/_sim/clock")
        assert (status, body["now"]) == (200, "9000-01-01T00:00:00Z")  # it stops at the end
        assert get(f"{srv.url}/?{HISTORY}")[0] == 200
        status, body = post(f"{srv.url}/_sim/advance", b'{"by": "1s"}')
        assert_api_error(status, body, 400, "InvalidParameter")
        assert "9000-01-01T00:00:00Z" in body["Message"]
        status, body = post(f"{srv.url}/_sim/reset", b"")
        assert (status, body["now"]) == (200, START)
        assert srv.errors == []


# ------------------------------------------------- the console's endpoints (issue 18)
def test_cancel_and_instance_actions_over_http(sim: EcsSimulator, server: EcsServer) -> None:
    base = f"{server.url}/_sim"
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")
    status, body = post(f"{base}/events/cancel", json.dumps({"event_id": event.event_id}).encode())
    assert status == 200, body
    assert [(e["event_id"], e["state"]) for e in body["events"]] == [(event.event_id, "Canceled")]
    assert sim.events()[0].state.value == "Canceled"

    status, body = post(f"{base}/instances/stop", b'{"instance_id": "i-b"}')
    assert (status, body["instance"]["status"]) == (200, "Stopping"), body
    sim.advance("1m")
    status, body = post(f"{base}/instances/start", b"instance_id=i-b", FORM_TYPE)
    assert (status, body["instance"]["status"]) == (200, "Starting"), body
    status, body = post(f"{base}/instances/reboot", b'{"instance_id": "i-a"}')
    assert (status, body["instance"]["status"]) == (200, "Stopping"), body
    assert [c.action for c in sim.calls] == []  # the console's actions are not API calls


@pytest.mark.parametrize(
    ("path", "data", "status", "code"),
    [
        ("events/cancel", b"{}", 400, "MissingParameter"),
        ("events/cancel", b'{"event_ids": [1]}', 400, "MissingParameter"),
        ("events/cancel", b'{"event_ids": ["e-1"], "x": 1}', 400, "InvalidParameter"),
        ("instances/reboot", b"{}", 400, "MissingParameter"),
        ("instances/reboot", b'{"instance_id": "i-nope"}', 404, "InvalidInstanceId.NotFound"),
        ("instances/start", b'{"instance_id": "i-a"}', 403, "IncorrectInstanceStatus"),
        ("instances/stop", b'{"instance_id": 7}', 400, "InvalidParameter"),
    ],
)
def test_console_endpoints_refuse_bad_input_and_change_nothing(
    sim: EcsSimulator, server: EcsServer, path: str, data: bytes, status: int, code: str
) -> None:
    before = sim.simulation.mutations
    answer_status, body = post(f"{server.url}/_sim/{path}", data)
    assert_api_error(answer_status, body, status, code)
    assert sim.simulation.mutations == before


def test_version_changes_with_the_state_only(sim: EcsSimulator, server: EcsServer) -> None:
    _, first = get(f"{server.url}/_sim/version")
    _, again = get(f"{server.url}/_sim/version")
    assert first == again == {"version": first["version"], "now": "2030-01-01T00:00:00Z"}
    sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    _, changed = get(f"{server.url}/_sim/version")
    assert changed["version"] != first["version"]


def statuses(body: dict[str, Any], instance_id: str) -> list[str]:
    return [
        c["value"]
        for c in body["changes"]
        if c["kind"] == "instance" and c["instance_id"] == instance_id
    ]


def test_timeline_reads_the_recorder_from_each_instances_creation(
    sim: EcsSimulator, server: EcsServer
) -> None:
    # before the server started: still in the timeline, as the recorder had it all along
    sim.stop_instance("i-b")
    sim.advance("1m")
    sim.start_instance("i-b")
    sim.advance("1m")
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+1h")
    sim.reboot_instance("i-b")
    sim.advance("2h")
    status, body = get(f"{server.url}/_sim/timeline")
    assert status == 200, body
    assert body["now"] == "2030-01-01T02:02:00Z"
    assert body["start"] == "2030-01-01T00:00:00Z"
    assert (body["full"], body["more"]) == (True, False)
    assert statuses(body, "i-b") == [
        "Running", "Stopping", "Stopped", "Starting", "Running", "Stopping", "Starting", "Running",
    ]  # fmt: skip
    first = next(c for c in body["changes"] if c["instance_id"] == "i-b")
    assert (first["time"], first["old"], first["subject"]) == ("2030-01-01T00:00:00Z", None, "i-b")
    assert statuses(body, "i-a") == ["Running"]  # a simulated event does not act on it
    # the events come whole, with their history; calls and event changes stay out of changes
    assert [e["event_id"] for e in body["events"]] == [event.event_id]
    assert [h["state"] for h in body["events"][0]["history"]] == [
        "Scheduled",
        "Executing",
        "Executed",
    ]
    assert {c["kind"] for c in body["changes"]} == {"instance"}
    assert [i["instance_id"] for i in body["instances"]] == ["i-a", "i-b"]
    assert body["instances"][1]["status"] == "Running"
    assert body["instances"][1]["creation_time"] == "2030-01-01T00:00:00Z"


def test_timeline_has_command_runs_backend_health_and_weight(
    sim: EcsSimulator, server: EcsServer
) -> None:
    lb = sim.add_load_balancer(
        name="web", listeners=[(80, "web")], vserver_groups={"web": [("i-a", 100, 8080)]}
    )
    group = lb.vserver_group_ids["web"]
    sim.on_command("drain", exit_code=3)
    sim.call("RunCommand", RegionId=sim.region, Type="RunShellScript",
             CommandContent="drain now", **{"InstanceId.1": "i-a"})  # fmt: skip
    sim.advance("1m")
    sim.reboot_instance("i-a")
    sim.advance("1m")
    _, body = get(f"{server.url}/_sim/timeline")
    mine = [c for c in body["changes"] if c["instance_id"] == "i-a"]
    commands = [c for c in mine if c["kind"] == "command"]
    assert [c["value"] for c in commands] == ["Pending", "Running", "Failed"]
    assert [c["failure"] for c in commands] == [False, False, True]
    assert commands[0]["subject"].startswith("t-")
    assert commands[-1]["summary"].endswith("i-a: Running -> Failed exit 3")
    weight = [c for c in mine if c["kind"] == "weight"]
    backend = f"{lb.load_balancer_id}/{group}:8080"  # the backend, port included
    assert [(c["value"], c["subject"]) for c in weight] == [("100", backend)]
    health = [
        (c["old"], c["value"], c["failure"], c["subject"]) for c in mine if c["kind"] == "backend"
    ]
    assert health == [  # each verdict also names its listener
        ("normal", "abnormal", True, f"{backend}@80"),
        ("abnormal", "normal", False, f"{backend}@80"),
    ]


def test_timeline_answers_only_what_is_new_since_a_cursor(
    sim: EcsSimulator, server: EcsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first = get(f"{server.url}/_sim/timeline")
    assert statuses(first, "i-a") == ["Running"]
    _, nothing = get(f"{server.url}/_sim/timeline?since={first['cursor']}")
    assert (nothing["full"], nothing["changes"], nothing["cursor"]) == (False, [], first["cursor"])
    sim.reboot_instance("i-a")
    _, new = get(f"{server.url}/_sim/timeline?since={first['cursor']}")
    assert new["full"] is False
    assert statuses(new, "i-a") == ["Stopping"]
    assert new["cursor"] != first["cursor"]
    # a long history comes in pieces: ``more`` says to ask again from the cursor
    monkeypatch.setattr(control, "MAX_TIMELINE_CHANGES", 2)
    sim.advance("1m")
    pieces, cursor, more = [], None, True
    while more:
        query = f"?since={cursor}" if cursor else ""
        _, body = get(f"{server.url}/_sim/timeline{query}")
        assert len(body["changes"]) <= 2
        pieces.extend(statuses(body, "i-a"))
        cursor, more = body["cursor"], body["more"]
    assert pieces == ["Running", "Stopping", "Starting", "Running"]


def test_timeline_after_a_reset_is_the_fresh_accounts_whole_history() -> None:
    sim = EcsSimulator(now=START, instances=["i-a"])
    fresh = EcsSimulator(now=START, instances=["i-z"])
    with EcsServer(sim, factory=lambda: fresh) as server:
        observers = len(sim.simulation.observers)
        _, before = get(f"{server.url}/_sim/timeline")
        assert len(sim.simulation.observers) == observers  # serving adds no observer
        post(f"{server.url}/_sim/reset", b"{}")
        fresh.reboot_instance("i-z")
        _, after = get(f"{server.url}/_sim/timeline?since={before['cursor']}")
        assert after["full"] is True
        assert statuses(after, "i-z") == ["Running", "Stopping"]
        assert statuses(after, "i-a") == []
        assert after["cursor"].split(":")[0] != before["cursor"].split(":")[0]


@pytest.mark.parametrize(
    "since", ["", "nope", "1:2:3", "zz:1", "1:-1", "1:" + "9" * 13, "<script>:1"]
)
def test_timeline_refuses_a_cursor_it_did_not_give(
    sim: EcsSimulator, server: EcsServer, since: str
) -> None:
    if since == "":  # empty: the whole history, as without it
        _, body = get(f"{server.url}/_sim/timeline?since=")
        assert body["full"] is True
        return
    status, body = get(f"{server.url}/_sim/timeline?since={quote(since)}")
    assert_api_error(status, body, 400, "InvalidParameter")


def test_timeline_refuses_a_cursor_past_the_end(sim: EcsSimulator, server: EcsServer) -> None:
    _, body = get(f"{server.url}/_sim/timeline")
    source, count = body["cursor"].split(":")
    status, refused = get(f"{server.url}/_sim/timeline?since={source}:{int(count) + 1}")
    assert_api_error(status, refused, 400, "InvalidParameter")
    status, refused = get(f"{server.url}/_sim/timeline?since={source}:0&x=1")
    assert_api_error(status, refused, 400, "InvalidParameter")


def test_event_types_come_from_the_catalog(sim: EcsSimulator, server: EcsServer) -> None:
    _, body = get(f"{server.url}/_sim/event-types")
    types = {t["name"]: t for t in body["event_types"]}
    assert set(types) == set(sim.simulation.catalog.event_types)
    assert {n for n, t in types.items() if t["simulatable"]} == set(
        sim.simulation.catalog.simulatable
    )
