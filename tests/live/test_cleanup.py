"""Settling journals: the next run, the end of a session and ``ecs-sim live-cleanup``."""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pytest_ecs_events.core.clock import wall_clock_now
from pytest_ecs_events.live.cleanup import cleanup_journals, settle
from pytest_ecs_events.live.credentials import Credentials
from pytest_ecs_events.live.journal import Journal
from tests.helpers.live import SECRET, FakeClient, zombie


def test_settle_adopts_events_of_unfinished_creates(tmp_path: Path) -> None:
    client = FakeClient({"e-found": "Scheduled"})
    journal = Journal(tmp_path)
    token = journal.intent(region="cn-hangzhou", endpoint="e:1", protocol="http",
                           event_type="SystemMaintenance.Reboot", instance_ids=["i-web"],
                           not_before=wall_clock_now())  # fmt: skip
    original = client.call

    def call(action: str, params: Mapping[str, object]) -> dict[str, Any]:
        if action == "DescribeInstanceHistoryEvents" and "InstanceId" in params:
            assert params["NotBefore.Start"] == params["NotBefore.End"]
            return original(action, {**params, "EventId.1": "e-found"})
        return original(action, params)

    client.call = call  # type: ignore[method-assign]
    result = settle(client, journal)  # type: ignore[arg-type]
    assert result.adopted == 1
    assert result.report.cancelled == ["e-found"]
    assert token not in journal.state.open_intents
    assert journal.state.settled


def test_settle_skips_what_is_outside_the_allowlist(tmp_path: Path) -> None:
    client = FakeClient({"e-1": "Scheduled"})
    journal = Journal(tmp_path)
    token = journal.intent(region="cn-hangzhou", endpoint="e:1", protocol="http",
                           event_type="SystemMaintenance.Reboot", instance_ids=["i-other"],
                           not_before=wall_clock_now())  # fmt: skip
    journal.created(token, ["e-1"], ["i-other"])
    result = settle(client, journal)  # type: ignore[arg-type]
    assert "outside the allowlist" in result.skipped["e-1"]
    assert client.sent == []
    assert not journal.state.settled


def test_cleanup_journals_without_a_journal_has_nothing_to_do(tmp_path: Path) -> None:
    said: list[str] = []
    assert cleanup_journals(tmp_path / "none", Credentials("AK", SECRET), say=said.append)
    assert said == [f"no journal at {tmp_path / 'none'}: nothing to clean up"]


def test_cleanup_journals_dry_run_says_what_it_would_cancel(tmp_path: Path) -> None:
    """A dead run's journal: a dry run sends nothing (no client is even made) and keeps it."""
    path = tmp_path / "journal-main-1.jsonl"
    lines = [
        {"op": "open", "pid": 1, "host": "elsewhere"},
        {"op": "created", "token": "t", "event_ids": ["e-1", "e-2"],
         "instance_ids": ["i-a", "i-b"], "event_type": "SystemMaintenance.Reboot",
         "region": "cn-hangzhou", "endpoint": "127.0.0.1:9", "protocol": "http"},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    said: list[str] = []
    clean = cleanup_journals(tmp_path, Credentials("AK", SECRET), dry_run=True, say=said.append)
    assert not clean
    assert said == [
        "journal-main-1.jsonl: would cancel 2 event(s) in cn-hangzhou through "
        "http://127.0.0.1:9: e-1, e-2 (and look for the events of 0 unfinished create(s))"
    ]
    assert path.exists()
    said.clear()
    assert not cleanup_journals(tmp_path, Credentials("AK", SECRET), region="cn-beijing",
                                dry_run=True, say=said.append)  # fmt: skip
    assert said == ["journal-main-1.jsonl: events in cn-hangzhou left alone (--region cn-beijing)"]


def test_cleanup_journals_removes_settled_journals_of_dead_runs(tmp_path: Path) -> None:
    path = tmp_path / "journal-main-1.jsonl"
    path.write_text(json.dumps({"op": "open", "pid": 1, "host": "elsewhere"}) + "\n")
    said: list[str] = []
    assert cleanup_journals(path, Credentials("AK", SECRET), say=said.append)
    assert said == ["journal-main-1.jsonl: nothing left to cancel"]
    assert not path.exists()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_cleanup_journals_takes_the_journal_of_a_zombie_run(tmp_path: Path) -> None:
    """A run killed with ``kill -9`` whose parent has not reaped it is dead: its journal is
    cleaned up, not skipped as "still going"."""
    path = tmp_path / "journal-main-1.jsonl"
    with zombie() as pid:
        path.write_text(json.dumps({"op": "open", "pid": pid, "host": socket.gethostname()}))
        said: list[str] = []
        assert cleanup_journals(path, Credentials("AK", SECRET), say=said.append)
        assert said == ["journal-main-1.jsonl: nothing left to cancel"]
        assert not path.exists()
