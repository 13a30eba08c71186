"""One process's live session: quota check and journal around a create, output, clean-up."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from pytest_ecs_events.core.clock import wall_clock_now
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.live.session import SIMULATED_EVENT_QUOTA
from tests.helpers.live import SECRET, FakeClient, make_session, with_fake_client


def test_a_create_is_journaled_before_and_after(tmp_path: Path) -> None:
    session, _ = make_session(tmp_path)
    with_fake_client(session, FakeClient({}))
    [made] = session.create("SystemMaintenance.Reboot", ["i-web"], wall_clock_now())
    ops = [json.loads(x)["op"] for x in session.journal.path.read_text().splitlines()]
    assert ops == ["open", "intent", "created"]
    assert session.guard.owns(made)
    report = session.cancel([made])
    assert report.cancelled == [made]
    assert session.journal.state.settled


def test_the_quota_is_checked_before_creating(tmp_path: Path) -> None:
    session, _ = make_session(tmp_path)
    fake = with_fake_client(session, FakeClient({}, scheduled=SIMULATED_EVENT_QUOTA - 1))
    with pytest.raises(EcsApiError, match="already has 999 Scheduled events and 2 more") as info:
        session.create("SystemMaintenance.Reboot", ["i-web", "i-web"], wall_clock_now())
    assert (info.value.code, info.value.status) == ("SimulatedEventLimitExceeded", 403)
    assert [a for a, _ in fake.sent] == ["DescribeInstanceHistoryEvents"]  # nothing created
    with pytest.raises(EcsApiError, match="at most 100 instances per call"):
        session.create("SystemMaintenance.Reboot", ["i-web"] * 101, wall_clock_now())


def test_a_refused_create_closes_its_intent(tmp_path: Path) -> None:
    session, _ = make_session(tmp_path)
    fake = with_fake_client(session, FakeClient({}))

    def refuse(action: str, params: object) -> dict[str, object]:
        from pytest_ecs_events.live.errors import LiveApiError

        if action == "CreateSimulatedSystemEvents":
            raise LiveApiError("InvalidNotBefore.Passed", "too early", 403)
        return {"TotalCount": 0}

    fake.call = refuse  # type: ignore[method-assign]
    with pytest.raises(EcsApiError, match="too early"):
        session.create("SystemMaintenance.Reboot", ["i-web"], wall_clock_now() - timedelta(1))
    assert session.journal.state.open_intents == {}  # the API said no: nothing to look for
    ops = [json.loads(x)["op"] for x in session.journal.path.read_text().splitlines()]
    assert ops == ["open", "intent", "failed"]


def test_header_and_output_hide_the_secret(tmp_path: Path) -> None:
    session, lines = make_session(tmp_path)
    assert session.header().startswith(
        "ecs-events: LIVE mode against a real account: region cn-hangzhou, endpoint "
        "http://127.0.0.1:9, instances web=i-web, AccessKey ****, timeout 0.8s, journal "
    )
    session.say(f"the secret is {SECRET}")
    assert lines == ["the secret is ***"]
    assert session.matches("cn-hangzhou", "127.0.0.1:9", "http")
    assert not session.matches("cn-hangzhou", "127.0.0.1:9", "https")
    assert SECRET not in repr(session)


def test_close_with_nothing_created_leaves_no_journal(tmp_path: Path) -> None:
    session, lines = make_session(tmp_path)
    session.close()
    assert not session.journal.path.exists()
    assert lines == []
