from __future__ import annotations

import os
import re
import select
import subprocess
import sys
from collections.abc import Iterator

import pytest
from queue_consumer import QUEUE, LegacyEcs, NewEcs, QueueConsumer

from pytest_ecs_events import EcsSimulator


@pytest.fixture(params=["legacy", "new"])
def ecs_kind(request: pytest.FixtureRequest) -> type[LegacyEcs] | type[NewEcs]:
    """Every test runs with each ECS SDK."""
    return LegacyEcs if request.param == "legacy" else NewEcs


@pytest.fixture
def consumer(
    ecs_sim: EcsSimulator, ecs_kind: type[LegacyEcs] | type[NewEcs]
) -> Iterator[QueueConsumer]:
    """The consumer built as in production: the MNS endpoint is the account's
    (``ecs_sim.mns_endpoint``, answered in-process), the ECS client the region's default."""
    ecs_sim.create_queue(QUEUE, visibility_timeout=60)
    ecs = ecs_kind("my-access-key", "my-secret", ecs_sim.region)
    consumer = QueueConsumer(ecs_sim.mns_endpoint, "my-access-key", "my-secret", QUEUE, ecs)
    yield consumer
    consumer.close()


class Served:
    """A running ``ecs-sim serve`` subprocess: its URL (MNS, ECS and CloudMonitor share it)."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.endpoint = f"127.0.0.1:{port}"  # for the ECS and CloudMonitor SDKs (http)
        self.url = f"http://{self.endpoint}"  # for the MNS SDK's Account, and /_sim/


@pytest.fixture
def served() -> Iterator[Served]:
    """``ecs-sim serve`` on a free loopback port, as another process (or language) would
    use it. The Alibaba Cloud SDKs ignore NO_PROXY: the server's clients run without
    proxy variables."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_ecs_events", "serve", "--port", "0",
         "--instances", "i-web1,i-web2", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "ecs-sim serve printed nothing within 20 s"
        match = re.match(r"ecs-sim serving on http://127\.0\.0\.1:(\d+)", proc.stdout.readline())
        assert match, "unexpected first line from ecs-sim serve"
        yield Served(proc, int(match.group(1)))
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's SDK clients reach the loopback server directly."""
    for name in list(os.environ):
        if "proxy" in name.lower():
            monkeypatch.delenv(name)
