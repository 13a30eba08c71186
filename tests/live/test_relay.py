"""``LiveRelay``: what the interception does with each SDK call of a live run."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_ecs_events.api.messages import ApiRequest, ApiResponse
from pytest_ecs_events.live.journal import read_journal
from pytest_ecs_events.live.relay import GUARD_CODE, LiveRelay, refusal
from tests.helpers.live import SECRET, make_session


def _request(action: str, **params: str) -> ApiRequest:
    return ApiRequest(params={"Action": action, **params})


def test_reads_pass_and_writes_outside_the_allowlist_are_refused(tmp_path: Path) -> None:
    session, _ = make_session(tmp_path)
    relay = LiveRelay(session)
    assert relay.admit(_request("DescribeInstances", InstanceIds='["i-db"]')) is None
    assert relay.admit(_request("RebootInstance", InstanceId="i-web")) is None
    answer = relay.admit(_request("RebootInstance", InstanceId="i-db"))
    assert isinstance(answer, ApiResponse)
    assert answer.status == 403
    body = json.loads(answer.content())
    assert body["Code"] == GUARD_CODE == "PytestEcsEvents.LiveGuard"
    assert "i-db" in body["Message"]
    assert "nothing was sent" in body["Message"]
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert [a for a, _ in relay.refused] == ["RebootInstance"]


def test_the_acs3_action_header_is_read(tmp_path: Path) -> None:
    session, _ = make_session(tmp_path)
    request = ApiRequest(params={"InstanceId": "i-db"}, headers={"x-acs-action": "StopInstance"})
    assert isinstance(LiveRelay(session).admit(request), ApiResponse)


def test_a_refusal_in_xml_when_asked(tmp_path: Path) -> None:
    answer = refusal(_request("RebootInstance", Format="XML"), "no")
    assert answer.headers["Content-Type"].startswith("text/xml")
    assert b"<Code>PytestEcsEvents.LiveGuard</Code>" in answer.content()


def test_the_secret_never_shows_in_a_refusal(tmp_path: Path) -> None:
    session, _ = make_session(tmp_path)
    answer = LiveRelay(session).admit(_request("RebootInstance", InstanceId=SECRET))
    assert isinstance(answer, ApiResponse)
    assert SECRET.encode() not in answer.content()


def test_the_handles_own_calls_are_not_checked_twice(tmp_path: Path) -> None:
    session, _ = make_session(tmp_path)
    session.client._local.sending = True
    assert LiveRelay(session).admit(_request("RunInstances")) is None
    session.client._local.sending = False
    assert isinstance(LiveRelay(session).admit(_request("RunInstances")), ApiResponse)


def test_a_create_is_journaled_before_and_after_and_owned(tmp_path: Path) -> None:
    session, _ = make_session(tmp_path)
    told: list[list[str]] = []
    session.listen(told.append)
    params = {
        "RegionId": "cn-hangzhou",
        "EventType": "SystemMaintenance.Reboot",
        "NotBefore": "2099-01-01T00:00:00Z",
        "InstanceId.1": "i-web",
    }
    answered = LiveRelay(session).admit(_request("CreateSimulatedSystemEvents", **params))
    assert callable(answered)
    [intent] = read_journal(session.journal.path).open_intents.values()
    assert (intent.instance_ids, intent.event_type) == (("i-web",), "SystemMaintenance.Reboot")
    answered(200, json.dumps({"RequestId": "r", "EventIdSet": {"EventId": ["e-1"]}}).encode())
    state = read_journal(session.journal.path)
    assert list(state.outstanding) == ["e-1"]
    assert not state.open_intents
    assert state.outstanding["e-1"].endpoint == session.endpoint
    assert session.guard.owns("e-1")
    assert told == [["e-1"]]
    # the handler may now act on it (and only on it)
    assert (
        LiveRelay(session).admit(_request("CancelSimulatedSystemEvents", **{"EventId.1": "e-1"}))
        is None
    )
    refused = LiveRelay(session).admit(
        _request("CancelSimulatedSystemEvents", **{"EventId.1": "e-2"})
    )
    assert isinstance(refused, ApiResponse)


def test_a_refused_create_is_journaled_as_failed(tmp_path: Path) -> None:
    session, _ = make_session(tmp_path)
    answered = LiveRelay(session).admit(
        _request("CreateSimulatedSystemEvents", EventType="X", **{"InstanceId.1": "i-web"})
    )
    assert callable(answered)
    answered(400, b'{"Code": "InvalidParameter"}')
    assert read_journal(session.journal.path).settled
    session.close()
    assert not session.journal.path.exists()
