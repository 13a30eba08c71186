"""Starting ``ecs-sim serve`` as a subprocess, for the tests that need a real server process,
and ``Server``, the running process and its control API."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import urllib.request
from typing import Any

BANNER = re.compile(r"^ecs-sim serving on (https?)://127\.0\.0\.1:(\d+)$")


def clean_env() -> dict[str, str]:
    """The environment without proxy variables (the SDKs ignore NO_PROXY), unbuffered."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_serve(*args: str) -> tuple[subprocess.Popen[str], str, int]:
    """Start ``ecs-sim serve --port 0 ARGS``; return the process, scheme and real port.

    The caller kills the process (the banner line has been read; the rest of stdout is left).
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_ecs_events", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "ecs-sim serve printed nothing within 20 s"
        line = proc.stdout.readline().strip()
        match = BANNER.match(line)
        assert match, f"unexpected first line {line!r} from ecs-sim serve"
    except BaseException:
        proc.kill()
        proc.communicate(timeout=10)
        raise
    return proc, match.group(1), int(match.group(2))


class Server:
    """A running ``ecs-sim serve`` subprocess and its control API (proxies bypassed)."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.endpoint = f"127.0.0.1:{port}"
        self.url = f"http://{self.endpoint}"

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        """Send ``sig``, wait; the exit code and the rest of stdout and stderr."""
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=10)
        return self.proc.returncode, out, err

    def request(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as response:
            result: dict[str, Any] = json.loads(response.read())
        return result

    def events(self, state: str | None = None) -> list[dict[str, Any]]:
        query = f"?state={state}" if state else ""
        events: list[dict[str, Any]] = self.request(f"/_sim/events{query}")["events"]
        return events

    def calls(self, action: str | None = None) -> list[dict[str, Any]]:
        query = f"?action={action}" if action else ""
        calls: list[dict[str, Any]] = self.request(f"/_sim/calls{query}")["calls"]
        return calls

    def create(self, instance_ids: list[str], not_before: str = "+1h") -> list[str]:
        body = {
            "simulated": True,
            "event_type": "SystemMaintenance.Reboot",
            "instance_ids": instance_ids,
            "not_before": not_before,
        }
        return [e["event_id"] for e in self.request("/_sim/events", body)["events"]]
