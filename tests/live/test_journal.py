"""The journal: what a run created, on disk, durable, readable after a crash."""

from __future__ import annotations

import json
import os
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from pytest_ecs_events.core.clock import wall_clock_now
from pytest_ecs_events.live.journal import Journal, journal_files, read_journal
from tests.helpers.live import zombie


def test_journal_records_and_reads_back(tmp_path: Path) -> None:
    journal = Journal(tmp_path, worker="gw3")
    assert journal.path.name == f"journal-gw3-{os.getpid()}.jsonl"
    assert not journal.path.exists()  # nothing is written before the first create
    when = wall_clock_now() + timedelta(hours=1)
    common = {"region": "cn-hangzhou", "endpoint": "e:1", "protocol": "http"}
    token = journal.intent(event_type="SystemMaintenance.Reboot", instance_ids=["i-a", "i-b"],
                           not_before=when, **common)  # fmt: skip
    state = read_journal(journal.path)
    assert list(state.open_intents) == [token]
    assert state.pid == os.getpid()
    assert state.host == socket.gethostname()
    assert state.owner_alive()
    journal.created(token, ["e-1", "e-2"], ["i-a", "i-b"])
    failed = journal.intent(event_type="SystemFailure.Reboot", instance_ids=["i-a"],
                            not_before=when, **common)  # fmt: skip
    journal.failed(failed, "InvalidNotBefore.Passed")
    journal.cancelled(["e-1"])
    state = read_journal(journal.path)
    assert state.open_intents == {}
    assert list(state.outstanding) == ["e-2"]
    record = state.outstanding["e-2"]
    assert (record.instance_id, record.event_type, record.endpoint) == (
        "i-b",
        "SystemMaintenance.Reboot",
        "e:1",
    )
    assert state.instance_ids == {"i-b"}
    assert not journal.finish()  # e-2 is open: the file stays
    journal.cancelled(["e-2"], how="finished")
    assert journal.finish()
    assert not journal.path.exists()


def test_journal_survives_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "journal-main-1.jsonl"
    lines = [
        {"op": "open", "pid": 1, "host": "elsewhere"},
        {"op": "created", "token": "t", "event_ids": ["e-1"], "instance_ids": ["i-a"],
         "event_type": "SystemMaintenance.Reboot", "region": "r", "endpoint": "e",
         "protocol": "https"},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(x) for x in lines) + '\n{"op": "cancelled", "ev')
    state = read_journal(path)
    assert list(state.outstanding) == ["e-1"]
    assert state.damaged_lines == 1
    assert not state.owner_alive()  # another host
    assert journal_files(tmp_path) == [path]
    assert journal_files(path) == [path]
    assert journal_files(tmp_path / "none") == []


def test_a_journal_removed_under_a_run_is_written_again(tmp_path: Path) -> None:
    """E.g. ``--cache-clear`` in another xdist worker: what is open must not be forgotten."""
    journal = Journal(tmp_path / "d" / "ecs-live")
    common = {"region": "cn-hangzhou", "endpoint": "e:1", "protocol": "http"}
    when = wall_clock_now() + timedelta(hours=1)
    first = journal.intent(event_type="SystemMaintenance.Reboot", instance_ids=["i-a"],
                           not_before=when, **common)  # fmt: skip
    journal.created(first, ["e-1"], ["i-a"])
    pending = journal.intent(event_type="SystemFailure.Reboot", instance_ids=["i-b"],
                             not_before=when, **common)  # fmt: skip
    for path in (journal.path, journal.path.parent):
        path.unlink() if path.is_file() else path.rmdir()
    journal.cancelled(["e-9"])  # any write brings the file back, with everything open
    state = read_journal(journal.path)
    assert list(state.outstanding) == ["e-1"]
    assert list(state.open_intents) == [pending]
    assert state.pid == os.getpid()
    journal.path.unlink()
    journal.materialize()
    assert list(read_journal(journal.path).outstanding) == ["e-1"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_zombie_owner_counts_as_dead(tmp_path: Path) -> None:
    path = tmp_path / "journal-main-1.jsonl"
    with zombie() as pid:
        os.kill(pid, 0)  # what the check relied on: the zombie answers signal 0
        header = {"op": "open", "pid": pid, "host": socket.gethostname()}
        path.write_text(json.dumps(header) + "\n")
        state = read_journal(path)
        assert state.pid == pid
        assert not state.owner_alive()
    # a running process of this host still counts as alive
    path.write_text(json.dumps({**header, "pid": os.getppid()}) + "\n")
    assert read_journal(path).owner_alive()
