"""Starting ``ecs-sim serve`` as a subprocess, for the tests that need a real server process."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys

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
