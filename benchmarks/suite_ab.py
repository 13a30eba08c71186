"""The `suite` rows by CPU time, for two checkouts side by side (before/after a change).

    python benchmarks/suite_ab.py BEFORE_CHECKOUT AFTER_CHECKOUT    # R=3 rounds by default

Each round runs, for each checkout in turn, the plain and the `ecs_sim` 2,000-test files of
`benchmarks/run.py`'s `suite` group and takes the CPU time (user + system) of each pytest
process: on a shared, loaded machine wall-clock pairs cannot tell two versions apart, CPU
time mostly can. Bytecode (and pytest's rewritten test modules) is written once first, as
`run.py` does. Prints each checkout's ratios (sim / plain) and extra ms per test, sorted.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TESTS = 2000
HEADER = """
    import pytest
    import aliyunsdkcore.client, alibabacloud_ecs20140526.client  # as a user's suite does
    @pytest.mark.parametrize("n", range({n}))
"""
SIM = """    @pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-1", not_before="+2h")
    def test_sim(ecs_sim, n):
        ecs_sim.advance("3h")
        assert ecs_sim.events()[0].state == "Executed"
"""
PLAIN = """    def test_plain(n):
        assert n >= 0
"""


def cpu_of_pytest(directory: Path, root: str, test_file: str) -> float:
    """CPU seconds of one pytest run of ``test_file`` importing the package from ``root``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = root
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         test_file],
        cwd=directory, env=env, stdout=subprocess.DEVNULL, check=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main(roots: list[str]) -> int:
    if not roots:
        print(__doc__)
        return 2
    directory = Path(tempfile.mkdtemp())
    (directory / "pytest.ini").write_text("[pytest]\n")
    (directory / "test_sim.py").write_text(textwrap.dedent(HEADER.format(n=TESTS) + SIM))
    (directory / "test_plain.py").write_text(textwrap.dedent(HEADER.format(n=TESTS) + PLAIN))
    for root in roots:  # bytecode written once, as an install and a first run do
        subprocess.run([sys.executable, "-m", "compileall", "-q", f"{root}/pytest_ecs_events"],
                       check=True)  # fmt: skip
        cpu_of_pytest(directory, root, "test_sim.py")
    pairs: dict[str, list[tuple[float, float]]] = {root: [] for root in roots}
    for _ in range(int(os.environ.get("R", "3"))):
        for root in roots:
            plain = cpu_of_pytest(directory, root, "test_plain.py")
            pairs[root].append((cpu_of_pytest(directory, root, "test_sim.py"), plain))
    for root, runs in pairs.items():
        ratios = sorted(sim / plain for sim, plain in runs)
        extra = sorted((sim - plain) / TESTS * 1e3 for sim, plain in runs)
        print(f"{root}: ratios {[round(r, 3) for r in ratios]}, "
              f"extra ms/test {[round(e, 3) for e in extra]}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
