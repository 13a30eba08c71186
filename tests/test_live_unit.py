"""Live mode's parts in isolation: guard, secrets, options, journal, clean-up, advance()."""

from __future__ import annotations

import json
import os
import pickle
import socket
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pytest_ecs_events.core.clock import format_api_time, wall_clock_now
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.live import (
    Credentials,
    CredentialsMissing,
    LiveApiError,
    LiveEcs,
    LiveGuard,
    LiveGuardError,
    LiveSession,
    LiveSettings,
    Scrubber,
    cancel_events,
    parse_endpoint,
    parse_instance_map,
    parse_timeout,
    settle,
)
from pytest_ecs_events.live_journal import Journal, journal_files, read_journal
from pytest_ecs_events.plugin.live import _scrub_report

SECRET = "unit-Secret/with+chars=="


# ================================================================================= guard
@pytest.fixture
def guard() -> LiveGuard:
    return LiveGuard({"i-web", "i-db"})


def test_guard_allows_reads_and_allowlisted_instances(guard: LiveGuard) -> None:
    guard.check("DescribeInstanceHistoryEvents", {"RegionId": "cn-hangzhou"})
    guard.check("DescribeInstances", {"InstanceIds": '["i-web", "i-db"]'})
    guard.check("RebootInstance", {"InstanceId": "i-web"})
    guard.check("CreateSimulatedSystemEvents", {"InstanceId.1": "i-web", "InstanceId.2": "i-db"})


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("RebootInstance", {"InstanceId": "i-other"}, "i-other: not in the allowlist"),
        ("RebootInstances", {"InstanceId.1": "i-web", "InstanceId.2": "i-x"}, "i-x: not in"),
        ("DescribeInstances", {"InstanceIds": '["i-web", "i-x"]'}, "i-x: not in"),
        ("DescribeInstances", {"InstanceIds": "i-web"}, "must be a JSON list"),
        ("DescribeInstanceHistoryEvents", {"ResourceId.1": "i-x"}, "i-x: not in"),
        ("RebootInstance", {"instanceid": "i-x"}, "i-x: not in"),  # any spelling
        ("RebootInstance", {}, "without an instance id"),
        ("DeleteInstance", {"InstanceId": "i-web"}, "live mode only sends"),
        ("RunCommand", {}, "live mode only sends"),
        ("CreateSimulatedSystemEvents", {"InstanceId.1": "i-web", "TriggerRealOps": "false"},
         "never sets TriggerRealOps"),
        ("CreateSimulatedSystemEvents", {"InstanceId.1": "i-web", "triggerRealOps": "true"},
         "never sets TriggerRealOps"),
        ("CancelSimulatedSystemEvents", {"EventId.1": "e-not-ours"}, "this run created"),
        ("CancelSimulatedSystemEvents", {"RegionId": "cn-hangzhou"}, "without an event id"),
        ("ModifySystemEventAttribute", {"EventId": "e-x", "InstanceId": "i-web"}, "this run"),
    ],
)  # fmt: skip
def test_guard_refuses(
    guard: LiveGuard, action: str, params: Mapping[str, str], message: str
) -> None:
    with pytest.raises(LiveGuardError, match=message):
        guard.check(action, params)


def test_guard_owned_events(guard: LiveGuard) -> None:
    guard.own(["e-1"], "i-web")
    guard.check("CancelSimulatedSystemEvents", {"EventId.1": "e-1"})
    with pytest.raises(LiveGuardError, match="e-2"):
        guard.check("CancelSimulatedSystemEvents", {"EventId.1": "e-1", "EventId.2": "e-2"})
    with pytest.raises(LiveGuardError, match="not in the allowlist"):
        guard.own(["e-3"], "i-elsewhere")
    assert not guard.owns("e-3")


# =============================================================================== secrets
def test_scrubber_replaces_every_form_of_the_secret() -> None:
    scrub = Scrubber([SECRET, ""])
    text = f"a {SECRET} b {SECRET.replace('/', '%2F').replace('+', '%2B').replace('=', '%3D')}"
    assert scrub(text) == "a *** b ***"
    assert scrub.found_in(text)
    assert not scrub.found_in(scrub(text))
    assert SECRET not in repr(scrub)


def test_credentials_never_show_the_secret() -> None:
    credentials = Credentials("LTAI5tAbcdefgh", SECRET, "sts-token-value")
    for text in (repr(credentials), str(credentials), f"{credentials}"):
        assert SECRET not in text
        assert "LTAI5tAbcdefgh" not in text
        assert "sts-token-value" not in text
    assert "LTAI****" in repr(credentials)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(credentials)
    assert credentials.scrubber()("x sts-token-value y") == "x *** y"


def test_credentials_from_the_environment() -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "AK1", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET}
    assert Credentials.from_env(env).reveal_secret() == SECRET
    with pytest.raises(CredentialsMissing, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET") as info:
        Credentials.from_env({"ALIBABA_CLOUD_ACCESS_KEY_ID": "AK1"})
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID and" not in str(info.value)
    with pytest.raises(CredentialsMissing, match="ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SEC"):
        Credentials.from_env({})


def test_reports_are_scrubbed_in_place(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        f"""
        def test_leak():
            secret = {SECRET!r}
            print("out", secret)
            assert secret == "x"
        """
    )
    reports = ecs_pytester.inline_run("-l").getreports("pytest_runtest_logreport")
    [failed] = [r for r in reports if r.failed]
    assert SECRET in str(failed.longrepr)
    _scrub_report(failed, Scrubber([SECRET]))
    assert SECRET not in str(failed.longrepr)
    assert SECRET not in repr(failed.sections)
    # the structure is kept, so the summary line still shows the assertion
    assert not isinstance(failed.longrepr, str)
    assert "AssertionError" in failed.longrepr.reprcrash.message  # type: ignore[union-attr]


# =============================================================================== options
def test_parse_instance_map() -> None:
    assert parse_instance_map("web=i-2ze1, db=i-2ze2,") == {"web": "i-2ze1", "db": "i-2ze2"}
    assert parse_instance_map("i-web,i-db") == {"i-web": "i-web", "i-db": "i-db"}
    for bad, message in [
        ("", "no instance"),
        ("web=", "ALIAS=INSTANCE_ID"),
        ("web=x-1", "starts with 'i-'"),
        ("web=i-1,web=i-2", "mapped twice"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_instance_map(bad)


def test_parse_endpoint_and_timeout() -> None:
    assert parse_endpoint(" 127.0.0.1:8080 ") == "127.0.0.1:8080"
    assert parse_endpoint("ecs.cn-beijing.aliyuncs.com") == "ecs.cn-beijing.aliyuncs.com"
    assert parse_endpoint("[::1]:8080") == "[::1]:8080"
    for bad in ("https://ecs.aliyuncs.com", "h:0", "h:port", "a/b", ""):
        with pytest.raises(ValueError):
            parse_endpoint(bad)
    assert parse_timeout("90") == 90.0
    assert parse_timeout("10m") == 600.0
    for bad in ("0", "-5", "soon"):
        with pytest.raises(ValueError):
            parse_timeout(bad)


# =============================================================================== journal
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


# ====================================================================== clean-up, advance
class FakeClient:
    """Answers live-mode calls from a dict of events; records what was sent."""

    def __init__(self, events: dict[str, str], *, refuse_batches: bool = False) -> None:
        self.events = events  # id -> state
        self.region = "cn-hangzhou"
        self.guard = LiveGuard({"i-web"})
        self.sent: list[tuple[str, dict[str, str]]] = []
        self.refuse_batches = refuse_batches
        self.not_before = format_api_time(wall_clock_now() - timedelta(minutes=1))

    def call(self, action: str, params: Mapping[str, object]) -> dict[str, Any]:
        flat = {k: str(v) for k, v in params.items()}
        self.guard.check(action, flat)
        self.sent.append((action, flat))
        ids = [v for k, v in flat.items() if k.startswith("EventId")]
        if action == "CancelSimulatedSystemEvents":
            if self.refuse_batches and len(ids) > 1:
                raise LiveApiError("InvalidParameter", "one is bad", 403)
            for event_id in ids:
                if event_id not in self.events:
                    raise LiveApiError("InvalidEventId.NotFound", "Cannot find EventId.", 403)
                if self.events[event_id] == "Executing" and event_id.endswith("stuck"):
                    raise LiveApiError("OperationConflict", "busy", 409)
                self.events[event_id] = "Canceled"
            return {}
        records = [
            {"EventId": i, "InstanceId": "i-web", "EventType": {"Name": "SystemMaintenance.Reboot"},
             "EventCycleStatus": {"Name": self.events[i]}, "NotBefore": self.not_before,
             "EventPublishTime": self.not_before}
            for i in ids if i in self.events
        ]  # fmt: skip
        return {"InstanceSystemEventSet": {"InstanceSystemEventType": records}}


def test_cancel_events_retries_one_by_one_and_sorts_outcomes() -> None:
    client = FakeClient(
        {"e-a": "Scheduled", "e-b": "Executed", "e-c": "Executing", "e-stuck": "Executing"},
        refuse_batches=True,
    )
    client.guard.own(["e-a", "e-b", "e-c", "e-gone", "e-stuck"], "i-web")
    report = cancel_events(client, ["e-a", "e-b", "e-c", "e-gone", "e-stuck"],  # type: ignore[arg-type]
                           region="cn-hangzhou")  # fmt: skip
    assert report.cancelled == ["e-a", "e-c"]
    assert report.finished == ["e-b"]
    assert report.missing == ["e-gone"]
    assert list(report.failed) == ["e-stuck"]
    assert "OperationConflict" in report.failed["e-stuck"]


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


@pytest.fixture
def session(tmp_path: Path) -> LiveSession:
    settings = LiveSettings(
        aliases={"web": "i-web"}, endpoint="127.0.0.1:9", protocol="http", timeout=0.8,
        journal_dir=tmp_path,
    )  # fmt: skip
    lines: list[str] = []
    live = LiveSession(settings, Credentials("AK", SECRET), write=lines.append)
    live.lines = lines  # type: ignore[attr-defined]
    return live


def test_advance_fails_fast_when_the_wait_exceeds_the_timeout(session: LiveSession) -> None:
    handle = LiveEcs(session)
    with pytest.raises(pytest.fail.Exception, match=r"longer than --ecs-live-timeout=0\.8s"):
        handle.advance("2h")
    with pytest.raises(ValueError, match="backwards"):
        handle.advance(to="2001-01-01T00:00:00Z")
    with pytest.raises(TypeError, match="either"):
        handle.advance("1s", to="2001-01-01T00:00:00Z")


def test_advance_fails_clearly_when_the_cloud_lags(session: LiveSession) -> None:
    fake = FakeClient({"e-late": "Scheduled"})
    fake.guard = session.guard
    session.client = fake  # type: ignore[assignment]
    handle = LiveEcs(session)
    handle._created.append("e-late")
    with pytest.raises(pytest.fail.Exception) as info:
        handle.advance("0s")
    message = str(info.value)
    assert "the cloud had not caught up with" in message
    assert "e-late (SystemMaintenance.Reboot on web) is still Scheduled" in message
    assert any("waiting for the cloud to move 1 due event(s)" in x for x in session.lines)  # type: ignore[attr-defined]


def test_the_handle_skips_offline_only_members(session: LiveSession) -> None:
    handle = LiveEcs(session)
    for use in (
        lambda: handle.inject_event("SystemMaintenance.Reboot", "web"),
        lambda: handle.fail_next("RebootInstance"),
        lambda: handle.subscribe(print),
        lambda: handle.calls,
        lambda: handle.simulation,
        lambda: handle.on_change(print),
        lambda: handle.resolve("cache"),
        lambda: handle.add_instance(),
        lambda: handle.add_instance("web", tags={"a": "b"}),
    ):
        with pytest.raises(pytest.skip.Exception, match="live mode"):
            use()
    with pytest.raises(AttributeError):
        handle.no_such_member  # noqa: B018
    assert handle.resolve("web") == handle.resolve("i-web") == "i-web"
    assert SECRET not in repr(handle) + repr(session) + repr(session.client)
    with pytest.raises(TypeError):
        pickle.dumps(handle)


def test_api_errors_are_ecs_api_errors() -> None:
    error = LiveApiError("Throttling", "slow down", 400, "REQ-1")
    assert isinstance(error, EcsApiError)
    assert (error.code, error.status, error.request_id) == ("Throttling", 400, "REQ-1")


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


def test_the_timeout_option_states_the_real_default() -> None:
    """The options name the default without importing live mode's client (every run loads
    the plugin); the two must agree."""
    from pytest_ecs_events import live
    from pytest_ecs_events.plugin import options

    assert f"{live.DEFAULT_TIMEOUT:g}" == options.DEFAULT_LIVE_TIMEOUT_TEXT
