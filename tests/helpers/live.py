"""Live mode's test helpers: a stand-in for the cloud (``ecs-sim serve`` with credentials),
pytest runs in live mode against it, and a fake client for unit tests that send nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pytest_ecs_events.core.clock import format_api_time, wall_clock_now
from pytest_ecs_events.core.network import PROXY_VARIABLES
from pytest_ecs_events.handle import param_text
from pytest_ecs_events.live.credentials import Credentials
from pytest_ecs_events.live.errors import LiveApiError
from pytest_ecs_events.live.guard import LiveGuard
from pytest_ecs_events.live.session import LiveSession
from pytest_ecs_events.live.settings import LiveSettings
from tests.helpers.serve import Server, start_serve

AK = "LTAI5tLiveTestKeyId01"
SECRET = "Zq8xLiveSecret-7f3e9a"


# ======================================================================= the cloud's stand-in
@contextmanager
def serving() -> Iterator[Server]:
    """``ecs-sim serve`` with the test AccessKey, instances i-web and i-db."""
    proc, _scheme, port = start_serve(
        "--credentials", f"{AK}:{SECRET}", "--region", "cn-hangzhou",
        "--instances", "i-web,i-db", "--execution-duration", "2s", "--quiet",
    )  # fmt: skip
    try:
        yield Server(proc, port)
    finally:
        proc.kill()
        proc.communicate(timeout=10)


class Live:
    """Runs pytest in live mode against the server, as a subprocess."""

    def __init__(self, pytester: pytest.Pytester, server: Server) -> None:
        self.pytester = pytester
        self.server = server
        self.journal_dir = pytester.path / "journals"

    def use_the_cache(self) -> None:
        """Journals in the default place (pytest's cache), the cache provider on."""
        self.cache = True
        self.journal_dir = self.pytester.path / ".pytest_cache" / "d" / "ecs-live"

    cache = False

    def args(
        self,
        *extra: str,
        instances: str = "web=i-web",
        timeout: str = "20",
        endpoint: str | None = None,
    ) -> list[str]:
        where = [] if self.cache else [f"--ecs-live-journal={self.journal_dir}"]
        return [
            "--ecs-live",
            f"--ecs-live-instances={instances}",
            f"--ecs-live-endpoint={endpoint or self.server.endpoint}",
            "--ecs-live-protocol=http",
            f"--ecs-live-timeout={timeout}",
            *where,
            *([] if self.cache else ["-p", "no:cacheprovider"]),
            *extra,
        ]

    def run(self, *extra: str, **kwargs: str) -> pytest.RunResult:
        return self.pytester.runpytest_subprocess(*self.args(*extra, **kwargs), timeout=60)

    def start(self, *extra: str, **kwargs: str) -> tuple[subprocess.Popen[bytes], Path]:
        """Start pytest in the background; its output goes to a file (returned)."""
        out = self.pytester.path / f"out-{time.monotonic_ns()}.txt"
        with open(out, "wb") as handle:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pytest", *self.args(*extra, **kwargs)],
                cwd=self.pytester.path,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        return proc, out

    def journals(self) -> list[Path]:
        return sorted(self.journal_dir.glob("journal-*.jsonl"))


def live_runner(pytester: pytest.Pytester, server: Server, monkeypatch: pytest.MonkeyPatch) -> Live:
    """A live-mode runner against ``server`` (standing in for the real API): the test
    credentials in the environment, no proxy between."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    return Live(pytester, server)


def wait_for(predicate: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def active(server: Server) -> list[dict[str, Any]]:
    return server.events("Scheduled") + server.events("Executing")


# ============================================================================ unit-test fakes
class FakeClient:
    """Answers live-mode calls from a dict of events; records what was sent.

    Enough of the API for the handle: DescribeInstanceHistoryEvents (by EventId, or the
    Scheduled count), CancelSimulatedSystemEvents, CreateSimulatedSystemEvents and
    DescribeInstances. Every call is checked by the guard first, as the real client does.
    """

    def __init__(
        self,
        events: dict[str, str],
        *,
        refuse_batches: bool = False,
        allowlist: tuple[str, ...] = ("i-web",),
        scheduled: int = 0,
    ) -> None:
        self.events = events  # id -> state
        self.region = "cn-hangzhou"
        self.guard = LiveGuard(allowlist)
        self.sent: list[tuple[str, dict[str, str]]] = []
        self.refuse_batches = refuse_batches
        self.scheduled = scheduled
        self.not_before = format_api_time(wall_clock_now() - timedelta(minutes=1))

    def call(self, action: str, params: Mapping[str, object]) -> dict[str, Any]:
        flat = {k: param_text(v) for k, v in params.items()}  # as LiveClient.call
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
        if action == "CreateSimulatedSystemEvents":
            named = [v for k, v in flat.items() if k.startswith("InstanceId.")]
            made = [f"e-made{len(self.events) + n}" for n in range(len(named))]
            self.events.update(dict.fromkeys(made, "Scheduled"))
            return {"EventIdSet": {"EventId": made}}
        if action == "DescribeInstances":
            listed = json.loads(flat["InstanceIds"])
            return {"Instances": {"Instance": [
                {"InstanceId": i, "Status": "Running", "RegionId": self.region} for i in listed
            ]}}  # fmt: skip
        if not ids:  # the quota check
            return {"TotalCount": self.scheduled}
        records = [
            {"EventId": i, "InstanceId": "i-web", "EventType": {"Name": "SystemMaintenance.Reboot"},
             "EventCycleStatus": {"Name": self.events[i]}, "NotBefore": self.not_before,
             "EventPublishTime": self.not_before}
            for i in ids if i in self.events
        ]  # fmt: skip
        return {"InstanceSystemEventSet": {"InstanceSystemEventType": records}}


def make_session(
    journal_dir: Path, *, timeout: float = 0.8, secret: str = SECRET
) -> tuple[LiveSession, list[str]]:
    """A session of alias web=i-web (its client points at a closed port) and its output."""
    settings = LiveSettings(
        aliases={"web": "i-web"}, endpoint="127.0.0.1:9", protocol="http", timeout=timeout,
        journal_dir=journal_dir,
    )  # fmt: skip
    lines: list[str] = []
    return LiveSession(settings, Credentials("AK", secret), write=lines.append), lines


def with_fake_client(session: LiveSession, fake: FakeClient) -> FakeClient:
    """Answer the session's calls with ``fake`` (sharing the session's guard)."""
    fake.guard = session.guard
    session.client = fake  # type: ignore[assignment]
    return fake


@contextmanager
def zombie() -> Iterator[int]:
    """A child process that has exited and is not reaped yet (a ``kill -9``-ed run whose
    parent does not wait): signal 0 still reaches it."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{child.pid}/stat")
        deadline = time.monotonic() + 20
        while stat.read_text().rpartition(")")[2].split()[0] != "Z":
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.02)
        yield child.pid
    finally:
        child.wait()
