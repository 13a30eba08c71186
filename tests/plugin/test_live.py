"""Live mode's pytest glue end to end: ``pytest --ecs-live`` against ``ecs-sim serve``.

The server stands in for the cloud: it is started as a subprocess with ``--credentials`` (so
every call is really signed and checked), its clock follows the wall clock, and its control
API (``GET /_sim/events``, ``/_sim/calls``) shows what live mode did to the "account". The
inner test runs are real pytest subprocesses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_ecs_events.live.credentials import Scrubber
from pytest_ecs_events.plugin.scrub import scrub_report
from tests.helpers.live import AK, SECRET, Live, active, live_runner, serving, wait_for
from tests.helpers.serve import Server

# A handler as a user writes it (legacy SDK), and the same test file offline and live.
HANDLER_TESTS = """
import json
import os

import pytest


def drain_and_reboot(endpoint, region):
    \"\"\"The handler under test: reboot every instance with a Scheduled maintenance reboot.\"\"\"
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest

    client = AcsClient(os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID", "AK"),
                       os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "SECRET"), region)

    def call(action, **params):
        request = CommonRequest(domain=endpoint, version="2014-05-26", action_name=action,
                                product="Ecs")
        for key, value in params.items():
            request.add_query_param(key, value)
        return json.loads(client.do_action_with_exception(request))

    listed = call("DescribeInstanceHistoryEvents", RegionId=region,
                  **{"InstanceEventCycleStatus.1": "Scheduled"})
    rebooted = []
    for event in listed["InstanceSystemEventSet"]["InstanceSystemEventType"]:
        if event["EventType"]["Name"] == "SystemMaintenance.Reboot":
            call("RebootInstance", InstanceId=event["InstanceId"])
            rebooted.append(event["InstanceId"])
    return rebooted


@pytest.mark.ecs_sim(instances=["web"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web", not_before="+2h")
def test_handler_avoids_the_reboot(ecs_sim):
    rebooted = drain_and_reboot(ecs_sim.endpoint, ecs_sim.region)
    assert len(rebooted) == 1
    [event] = ecs_sim.events()
    assert event.state == "Avoided"
    assert event.instance_id == "web"
    assert ecs_sim.event(event.event_id).state == "Avoided"


@pytest.mark.ecs_sim(execution_duration="2s")
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web", not_before="+4s")
def test_time_passes(ecs_sim):
    [event] = ecs_sim.events()
    assert event.state == "Scheduled"
    applied = ecs_sim.advance("6s")
    assert [(t.old_state, t.new_state) for t in applied] == [
        ("Scheduled", "Executing"), ("Executing", "Executed")]
    assert ecs_sim.events()[0].state == "Executed"
    assert ecs_sim.events(state="Executed", instance_id="web") == ecs_sim.events()
"""


@pytest.fixture(scope="module")
def live_server() -> Iterator[Server]:
    with serving() as server:
        yield server


@pytest.fixture
def server(live_server: Server) -> Server:
    """The server, reset to a fresh account (i-web, i-db) for this test."""
    live_server.request("/_sim/reset", {})
    return live_server


@pytest.fixture
def live(ecs_pytester: pytest.Pytester, server: Server, monkeypatch: pytest.MonkeyPatch) -> Live:
    return live_runner(ecs_pytester, server, monkeypatch)


# ================================================================================= tests
def test_handler_and_time_passing_tests_pass_live_and_offline(live: Live) -> None:
    live.pytester.makepyfile(test_handler=HANDLER_TESTS)
    result = live.run("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "ecs-events: LIVE mode against a real account: region cn-hangzhou, endpoint "
            f"http://{live.server.endpoint}, instances web=i-web, AccessKey LTAI****, *",
            "*ecs-live: advance('6s'): waiting *s for the cloud to reach *",
            "*ecs-live: advance('6s'): reached * 2 transition(s)*",
        ]
    )
    assert "offline simulator" not in result.stdout.str()
    # what happened in the "account": one drill avoided, one executed, nothing left
    states = sorted(e["state"] for e in live.server.events())
    assert states == ["Avoided", "Executed"]
    assert all(e["instance_id"] == "i-web" for e in live.server.events())
    assert not active(live.server)
    # every call stayed on the allowlist; no create set TriggerRealOps; quota read first
    calls = live.server.calls()
    for call in calls:
        named = [v for k, v in call["params"].items() if k.split(".")[0] == "InstanceId"]
        assert set(named) <= {"i-web"}, call
    creates = [c for c in calls if c["action"] == "CreateSimulatedSystemEvents"]
    assert len(creates) == 2
    assert not any("TriggerRealOps" in c["params"] for c in creates)
    first_create = calls.index(creates[0])
    assert any(
        c["action"] == "DescribeInstanceHistoryEvents"
        and c["params"].get("InstanceEventCycleStatus.1") == "Scheduled"
        and "EventId.1" not in c["params"]
        for c in calls[:first_create]
    ), "the Scheduled quota is read before creating"
    assert all(c["error_code"] is None for c in calls), [c for c in calls if c["error_code"]]
    assert live.journals() == []  # settled journals are removed
    # the very same file passes offline
    offline = live.pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=60)
    offline.assert_outcomes(passed=2)


def test_a_failing_test_leaves_nothing_behind(live: Live) -> None:
    live.pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instances=["web", "db"])
        @pytest.mark.ecs_event("SystemFailure.Reboot", instance="web", not_before="+30m")
        def test_fails(ecs_sim):
            assert len(ecs_sim.events()) == 3
            assert ecs_sim.events(state="Executing")[0].event_type == "SystemFailure.Reboot"
            assert False, "the handler did not react"

        @pytest.mark.ecs_event("SystemMaintenance.Stop", instance="db")
        def test_errors_in_setup_after_creating(ecs_sim):
            pass

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web", not_before="+1h")
        @pytest.mark.ecs_event(
            "SystemMaintenance.Reboot", instance="web", not_before="2001-01-01T00:00:00Z"
        )
        def test_second_marker_refused(ecs_sim):
            pass
        """
    )
    result = live.run("-rA", instances="web=i-web,db=i-db")
    result.assert_outcomes(failed=1, passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_second_marker_refused*",
            "*@pytest.mark.ecs_event('SystemMaintenance.Reboot', instance='web', "
            "not_before='2001-01-01T00:00:00Z'): InvalidNotBefore.Passed*",
        ]
    )
    events = live.server.events()
    assert len(events) == 5  # 3 + 1 + the first marker of the refused test
    assert {e["state"] for e in events} == {"Canceled"}
    assert not active(live.server)


def test_keyboard_interrupt_in_a_test_cancels_what_the_run_created(live: Live) -> None:
    live.pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instances=["web", "db"])
        def test_one(ecs_sim):
            pass

        @pytest.mark.ecs_event("SystemMaintenance.Redeploy", instance="db")
        def test_interrupted(ecs_sim):
            raise KeyboardInterrupt

        def test_never_runs(ecs_sim):
            pass
        """
    )
    result = live.run(instances="web=i-web,db=i-db")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert len(live.server.events()) == 3
    assert not active(live.server)
    assert live.journals() == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_advance_waits_cancels_everything(live: Live, signum: int) -> None:
    """Ctrl-C, or SIGTERM (a cancelled CI job), while the test waits in advance()."""
    live.pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instances=["web", "db"])
        def test_waits(ecs_sim):
            ecs_sim.advance("40s")
        """
    )
    proc, out = live.start(instances="web=i-web,db=i-db", timeout="60")
    try:
        wait_for(lambda: "waiting" in out.read_text(), "advance() to start waiting")
        assert len(live.server.events("Scheduled")) == 2
        proc.send_signal(signum)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out.read_text()
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, text
    assert "ecs-live: interrupted: cancelled 2 simulated event(s)" in text
    assert {e["state"] for e in live.server.events()} == {"Canceled"}
    assert live.journals() == []


def _crash(live: Live) -> list[str]:
    """Start a run that creates two events, kill -9 it, return the events left Scheduled."""
    live.pytester.makepyfile(
        test_crash="""
        import time
        import pytest

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instances=["web", "db"])
        def test_crashes(ecs_sim):
            time.sleep(60)
        """
    )
    proc, _ = live.start("test_crash.py", instances="web=i-web,db=i-db")
    try:
        wait_for(
            lambda: any('"op":"created"' in p.read_text() for p in live.journals()),
            "the journal to record the created events",
        )
        proc.kill()  # SIGKILL: no clean-up at all
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    (live.pytester.path / "test_crash.py").unlink()
    left = [e["event_id"] for e in live.server.events("Scheduled")]
    assert len(left) == 2
    [journal] = live.journals()
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r["op"] for r in records] == ["open", "intent", "created"]
    assert sorted(records[2]["event_ids"]) == sorted(left)
    assert SECRET not in journal.read_text()
    assert AK not in journal.read_text()
    return left


def test_the_next_run_cancels_the_leftovers_of_a_crashed_run(live: Live) -> None:
    left = _crash(live)
    live.pytester.makepyfile(test_next="def test_ok(ecs_sim):\n    pass\n")
    result = live.run("test_next.py", instances="web=i-web,db=i-db")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*ecs-live: journal-main-*.jsonl: a previous run (pid *) did not finish; "
         "cancelled 2 simulated event(s) it left*"]
    )  # fmt: skip
    states = {e["event_id"]: e["state"] for e in live.server.events()}
    assert {states[i] for i in left} == {"Canceled"}
    assert live.journals() == []


def test_cache_clear_and_xdist_do_not_lose_the_journal_of_a_crashed_run(live: Live) -> None:
    """--cache-clear empties pytest's cache (each xdist worker again): the journal is read first."""
    pytest.importorskip("xdist")
    live.use_the_cache()
    left = _crash(live)
    live.pytester.makepyfile(
        test_next="""
        import pytest

        @pytest.mark.parametrize("n", range(4))
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web")
        def test_ok(ecs_sim, n):
            pass
        """
    )
    result = live.run("test_next.py", "--cache-clear", "-p", "xdist", "-n", "2",
                      instances="web=i-web,db=i-db")  # fmt: skip
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*a previous run (pid *) did not finish; cancelled 2 *"])
    states = {e["event_id"]: e["state"] for e in live.server.events()}
    assert {states[i] for i in left} == {"Canceled"}
    assert len(states) == 6
    assert not active(live.server)
    assert live.journals() == []


def test_live_cleanup_command_cancels_the_leftovers_of_a_crashed_run(live: Live) -> None:
    left = _crash(live)
    command = [
        sys.executable, "-m", "pytest_ecs_events", "live-cleanup",
        "--journal", str(live.journal_dir), "--region", "cn-hangzhou",
        "--endpoint", live.server.endpoint, "--protocol", "http",
    ]  # fmt: skip
    dry = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, timeout=60)
    assert dry.returncode == 1, dry.stderr
    assert "would cancel 2 event(s)" in dry.stdout
    assert len(live.server.events("Scheduled")) == 2
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cancelled 2 simulated event(s) in cn-hangzhou" in done.stdout
    assert SECRET not in done.stdout + done.stderr
    states = {e["event_id"]: e["state"] for e in live.server.events()}
    assert {states[i] for i in left} == {"Canceled"}
    assert live.journals() == []
    again = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    assert "nothing to clean up" in again.stdout


def test_live_cleanup_finds_events_of_a_create_cut_off_before_its_outcome(
    live: Live, tmp_path: Path
) -> None:
    """A crash while CreateSimulatedSystemEvents is in flight: only the intent is journaled."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    made = live.server.create(["i-web"], "2099-01-01T00:00:00Z")
    live.server.create(["i-db"], "2099-01-01T00:00:00Z")  # not on the journal's instance
    live.journal_dir.mkdir()
    journal = live.journal_dir / "journal-main-1.jsonl"
    open_record = {"op": "open", "pid": int(dead.stdout), "host": os.uname().nodename}
    intent = {
        "op": "intent", "token": "t1", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": "cn-hangzhou", "endpoint": live.server.endpoint, "protocol": "http",
        "event_type": "SystemMaintenance.Reboot", "instance_ids": ["i-web"],
        "not_before": "2099-01-01T00:00:00Z",
    }  # fmt: skip
    journal.write_text(json.dumps(open_record) + "\n" + json.dumps(intent) + '\n{"op": "cre')
    done = subprocess.run(
        [sys.executable, "-m", "pytest_ecs_events", "live-cleanup", "--journal", str(journal)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 found for unfinished creates" in done.stdout
    states = {e["event_id"]: e["state"] for e in live.server.events()}
    assert states[made[0]] == "Canceled"
    assert sorted(states.values()) == ["Canceled", "Scheduled"]  # i-db's is not ours
    assert not journal.exists()


def test_unmapped_aliases_and_offline_only_features_skip(live: Live) -> None:
    live.pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instances=["web", "cache"])
        def test_unmapped_alias_in_marker(ecs_sim):
            pass

        @pytest.mark.ecs_sim(instances=["web", "queue"])
        def test_unmapped_alias_in_sim_marker(ecs_sim):
            pass

        def test_unmapped_alias_in_a_call(ecs_sim):
            ecs_sim.reboot_instance("cache")

        def test_inject_event(ecs_sim):
            ecs_sim.inject_event("SystemMaintenance.Reboot", "web")

        def test_fail_next(ecs_sim):
            ecs_sim.fail_next("DescribeInstanceHistoryEvents")

        @pytest.mark.ecs_sim(now="2030-01-01T00:00:00Z")
        def test_pinned_now(ecs_sim):
            pass

        @pytest.mark.ecs_sim(region="cn-beijing")
        def test_other_region(ecs_sim):
            pass

        @pytest.mark.ecs_sim(instances=[{"instance_id": "web", "private_ip": "10.0.0.5"}])
        def test_instance_attributes_in_marker(ecs_sim):
            pass

        def test_add_unknown_instance(ecs_sim):
            ecs_sim.add_instance("i-new")

        def test_add_mapped_instance(ecs_sim):
            assert ecs_sim.add_instance("web").status == "Running"
            assert ecs_sim.instance("web").instance_id == "web"
            assert [i.instance_id for i in ecs_sim.instances] == ["web"]

        @pytest.mark.ecs_event("SystemMaintenance.Stop", instance="web", platform=True)
        def test_platform_event_marker(ecs_sim):
            pass

        @pytest.mark.ecs_event("SystemMaintenance.Reboot")
        def test_event_marker_without_instance(ecs_sim):
            pass

        def test_calls(ecs_sim):
            ecs_sim.calls

        def test_ecs_server(ecs_server):
            pass
        """
    )
    result = live.run("-rs")
    result.assert_outcomes(passed=1, skipped=13)
    result.stdout.fnmatch_lines_random(
        [
            "SKIPPED * live mode (--ecs-live): instance 'cache' is not mapped by "
            "--ecs-live-instances (mapped: web=i-web); the test is skipped rather than run on "
            "another instance",
            "*instance 'queue' is not mapped*",
            "*ecs_sim.inject_event() is offline only: a real account cannot get platform "
            "events on demand*",
            "*ecs_sim.fail_next() is offline only: the real API's errors cannot be injected",
            "*@pytest.mark.ecs_sim(now=...) pins the clock, which is offline only*",
            "*the test wants region 'cn-beijing'; this run uses 'cn-hangzhou'*",
            "*ecs_sim(instances=?{'instance_id': 'web', ...}?) sets attributes of the instance: "
            "offline only*",
            "*ecs_sim.add_instance('i-new') is offline only: 'i-new' is not mapped*",
            "*platform=True) is a platform event, offline only*",
            "*names no instance; offline it creates one, live mode never does*",
            "*ecs_sim.calls is offline only*",
            "*the ecs_server fixture serves the offline simulator*",
        ]
    )
    # at the tests' lines, not live mode's or the plugin's
    assert "pytest_ecs_events/live/" not in result.stdout.str()
    assert "pytest_ecs_events/plugin/live.py" not in result.stdout.str()
    # nothing was created, nothing acted on any instance
    assert live.server.events() == []
    acting = {c["action"] for c in live.server.calls()} - {
        "DescribeInstances",
        "DescribeInstanceHistoryEvents",
    }
    assert acting == set()


def test_the_guard_refuses_calls_outside_the_allowlist(live: Live) -> None:
    live.pytester.makepyfile(
        """
        import pytest
        from pytest_ecs_events.live.errors import LiveGuardError

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web")
        def test_guard(ecs_sim):
            with pytest.raises(LiveGuardError, match="i-db: not in the allowlist"):
                ecs_sim.client.call("RebootInstance", {"InstanceId": "i-db"})
            with pytest.raises(LiveGuardError, match="not in the allowlist"):
                ecs_sim.call("StopInstance", InstanceId="i-db")
            with pytest.raises(LiveGuardError, match="not in the allowlist"):
                ecs_sim.call("DescribeInstances", InstanceIds=["web", "i-db"])
            with pytest.raises(LiveGuardError, match="never sets TriggerRealOps"):
                ecs_sim.client.call("CreateSimulatedSystemEvents", {
                    "RegionId": "cn-hangzhou", "EventType": "SystemMaintenance.Reboot",
                    "NotBefore": "2099-01-01T00:00:00Z", "InstanceId.1": "i-web",
                    "TriggerRealOps": "false"})
            with pytest.raises(LiveGuardError, match="only sends"):
                ecs_sim.client.call("DeleteInstance", {"InstanceId": "i-web"})
            with pytest.raises(LiveGuardError, match="only on simulated events this run"):
                ecs_sim.client.call("CancelSimulatedSystemEvents",
                                    {"RegionId": "cn-hangzhou", "EventId.1": "e-foreign"})
            with pytest.raises(LiveGuardError, match="created during this test"):
                ecs_sim.cancel_events("e-foreign")
            [event] = ecs_sim.cancel_events(ecs_sim.created_event_ids)
            assert event.state == "Canceled"

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web", not_before="+1h")
        def test_other_members(ecs_sim):
            [event] = ecs_sim.events()
            planned = event.not_before
            moved = ecs_sim.reschedule_event(event.event_id, "+3s")
            assert (moved.not_before - planned).total_seconds() < -3000
            [change] = ecs_sim.advance_to_next()
            assert (change.old_state, change.new_state) == ("Scheduled", "Executing")
            assert [i.instance_id for i in ecs_sim.reboot_instances(["web"])] == ["web"]
            assert ecs_sim.call("DescribeInstancesFullStatus", RegionId=ecs_sim.region,
                                **{"InstanceId.1": "web"})["TotalCount"] == 1
        """
    )
    other = live.server.create(["i-db"])  # somebody else's drill on an instance not mapped
    result = live.run()
    result.assert_outcomes(passed=2)
    for call in live.server.calls():
        assert call["action"] not in ("RebootInstance", "StopInstance", "DeleteInstance")
        assert "i-db" not in json.dumps(call["params"]), call
        assert "TriggerRealOps" not in call["params"]
        assert "e-foreign" not in json.dumps(call["params"])
    states = {e["event_id"]: e["state"] for e in live.server.events()}
    assert states.pop(other[0]) == "Scheduled"  # never touched
    assert set(states.values()) == {"Canceled"}


def test_the_scheduled_quota_is_checked_before_creating(live: Live) -> None:
    server = live.server
    extra = [f"i-q{n:02d}" for n in range(98)]
    for instance_id in extra:
        server.request("/_sim/instances", {"instance_id": instance_id})
    pool = ["i-web", "i-db", *extra]
    for n in range(10):  # 999 Scheduled drills in the account (others' or earlier ones)
        server.create(pool if n < 9 else pool[:99], f"+{n + 2}h")
    assert len(server.events("Scheduled")) == 999
    live.pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instances=["web", "db"])
        def test_two_more(ecs_sim):
            pass

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web")
        def test_one_more(ecs_sim):
            assert len(ecs_sim.events()) == 1
        """
    )
    result = live.run("-p", "no:randomly", instances="web=i-web,db=i-db")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*SimulatedEventLimitExceeded (HTTP 403): not created (checked before creating): "
            "region cn-hangzhou already has 999 Scheduled events and 2 more would pass the limit "
            "of 1000 active simulated events*"
        ]
    )
    creates = server.calls("CreateSimulatedSystemEvents")
    assert [c["params"]["InstanceId.1"] for c in creates] == ["i-web"]
    assert all(c["error_code"] is None for c in creates)
    assert len(server.events("Scheduled")) == 999


def test_each_xdist_worker_cleans_up_its_own(live: Live) -> None:
    pytest.importorskip("xdist")
    live.pytester.makepyfile(
        """
        import os
        import pytest

        def record(ecs_sim):
            with open("journals.txt", "a") as out:
                out.write(f"{os.environ['PYTEST_XDIST_WORKER']} {ecs_sim.journal_path}\\n")

        @pytest.mark.parametrize("n", range(6))
        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instances=["web", "db"])
        def test_creates(ecs_sim, n):
            record(ecs_sim)
            assert n % 2 == 0, "every other test fails"
        """
    )
    result = live.run("-p", "xdist", "-n", "2", instances="web=i-web,db=i-db")
    result.assert_outcomes(passed=3, failed=3)
    seen = {}
    for line in (live.pytester.path / "journals.txt").read_text().splitlines():
        worker, path = line.split(" ", 1)
        seen.setdefault(worker, set()).add(path)
    assert set(seen) == {"gw0", "gw1"}, seen
    for worker, paths in seen.items():
        [path] = paths
        assert Path(path).name.startswith(f"journal-{worker}-")
    assert len(live.server.events()) == 12
    assert not active(live.server)
    assert live.journals() == []


def test_the_secret_never_shows(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    live.pytester.makepyfile(
        """
        import logging
        import os

        import pytest
        from pytest_ecs_events.live.credentials import Credentials

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web")
        def test_leaky(ecs_sim, record_property):
            secret = os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
            record_property("recorded", secret)
            print("printed:", secret, repr(ecs_sim), repr(ecs_sim.client))
            print("credentials:", Credentials.from_env())
            logging.getLogger("my.handler").warning("logged: %s", secret)
            assert secret == "something else"

        def test_api_error(ecs_sim):
            ecs_sim.reboot_instance("web")
            ecs_sim.reboot_instance("web")  # Starting: IncorrectInstanceStatus
        """
    )
    xml = live.pytester.path / "junit.xml"
    result = live.run(
        "-rA", "-vv", "-l", "--tb=long", f"--junitxml={xml}", "--log-level=DEBUG",
        "-o", "log_cli=true", "--log-cli-level=DEBUG",
    )  # fmt: skip
    result.assert_outcomes(failed=2)
    everything = result.stdout.str() + result.stderr.str() + xml.read_text()
    assert "IncorrectInstanceStatus" in everything
    assert "printed: ***" in everything
    assert "logged: ***" in everything
    assert "secret=<hidden>" in everything
    assert '<property name="recorded" value="***"' in xml.read_text()
    assert SECRET not in everything
    # a wrong secret: the API refuses the signature; the wrong secret is not shown either
    wrong = "WrongSecret-0d4c2b"
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", wrong)
    refused = live.run("-rA", "-l", f"--junitxml={xml}")
    refused.assert_outcomes(failed=1, errors=1)
    text = refused.stdout.str() + refused.stderr.str() + xml.read_text()
    assert "SignatureDoesNotMatch" in text or "InvalidAccessKeySecret" in text
    assert wrong not in text
    assert SECRET not in text
    assert live.server.events() == [] or not active(live.server)


def test_usage_errors(ecs_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    ecs_pytester.makepyfile("def test_x(ecs_sim):\n    pass\n")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    result = ecs_pytester.runpytest_subprocess("--ecs-live", timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--ecs-live: live mode needs the allowlist of instances*"])
    result = ecs_pytester.runpytest_subprocess(
        "--ecs-live", "--ecs-live-instances=web=ii-x", timeout=60
    )
    result.stderr.fnmatch_lines(["*an ECS instance id starts with 'i-'*"])
    result = ecs_pytester.runpytest_subprocess(
        "--ecs-live", "--ecs-live-instances=web=i-x", "--ecs-live-endpoint=http://h:1", timeout=60
    )
    result.stderr.fnmatch_lines(["*without a scheme*--ecs-live-protocol*"])
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    result = ecs_pytester.runpytest_subprocess(
        "--ecs-live", "--ecs-live-instances=web=i-x", timeout=60
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*set ALIBABA_CLOUD_ACCESS_KEY_SECRET in the environment*"])
    assert SECRET not in result.stdout.str() + result.stderr.str()


# ============================================================================ outcomes
def test_live_outcomes_become_skips_and_failures_in_every_phase(live: Live) -> None:
    """What live mode cannot do skips the test, a wait it gives up fails it: in the body, in
    a fixture's setup or teardown, in plain code that catches ``Exception``."""
    live.pytester.makepyfile(
        """
        import pytest
        from pytest_ecs_events.live.errors import LiveTimeout, LiveUnsupported

        @pytest.fixture
        def platform_event(ecs_sim):
            return ecs_sim.inject_event("SystemMaintenance.Reboot", "web")

        @pytest.fixture
        def waits_too_long_after(ecs_sim):
            yield
            ecs_sim.advance("2h")

        def test_in_a_fixture(platform_event):
            pass

        def test_through_a_handler_that_catches_everything(ecs_sim):
            try:
                ecs_sim.fail_next("RebootInstance")
            except Exception:
                pass

        def test_raised_by_hand():
            raise LiveUnsupported("a reason of my own")

        def test_advance_too_far(ecs_sim):
            ecs_sim.advance("2h")

        def test_timeout_by_hand():
            raise LiveTimeout("gave up waiting")

        def test_in_teardown(waits_too_long_after):
            pass
        """
    )
    result = live.run("-rA", "-p", "no:randomly")
    result.assert_outcomes(passed=1, skipped=3, failed=2, errors=1)
    result.stdout.fnmatch_lines_random(
        [
            "SKIPPED * test_live_outcomes_become_skips_and_failures_in_every_phase.py:*: "
            "live mode (--ecs-live): ecs_sim.inject_event() is offline only*",
            "SKIPPED * *: live mode (--ecs-live): ecs_sim.fail_next() is offline only*",
            "SKIPPED * *: live mode (--ecs-live): a reason of my own",
            "FAILED *::test_advance_too_far*",
            "FAILED *::test_timeout_by_hand*",
            "ERROR *::test_in_teardown*",
            "*advance('2h'): the cloud reaches * in 7200s, longer than --ecs-live-timeout=20s. "
            "In live mode time passes for real*",
            "gave up waiting",
            "*ERROR at teardown of test_in_teardown*",
            "PASSED *::test_in_teardown",
        ]
    )
    text = result.stdout.str()
    assert "Traceback" not in text
    assert "pytest_ecs_events/live/" not in text  # no traceback into live mode: the message only
    assert live.server.events() == []


def test_prepare_handle_lives_with_the_plugin(live: Live) -> None:
    """The glue that reads a test's markers: usable from a conftest, skipping as the fixture."""
    live.pytester.makeconftest(
        """
        import pytest
        from pytest_ecs_events.plugin.live import live_session, prepare_handle

        @pytest.fixture
        def handle_and_marks(request):
            return prepare_handle(live_session(request.config), request.node)
        """
    )
    live.pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="web", not_before="+2h")
        def test_marks_read(handle_and_marks):
            handle, [mark] = handle_and_marks
            assert (mark.event_type, mark.instances) == ("SystemMaintenance.Reboot", ("web",))
            assert handle.created_event_ids == []  # nothing created yet

        @pytest.mark.ecs_sim(region="cn-beijing")
        def test_other_region(handle_and_marks):
            pass
        """
    )
    result = live.run("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*live mode (--ecs-live): the test wants region 'cn-beijing'*"])


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
    scrub_report(failed, Scrubber([SECRET]))
    assert SECRET not in str(failed.longrepr)
    assert SECRET not in repr(failed.sections)
    # the structure is kept, so the summary line still shows the assertion
    assert not isinstance(failed.longrepr, str)
    assert "AssertionError" in failed.longrepr.reprcrash.message  # type: ignore[union-attr]
