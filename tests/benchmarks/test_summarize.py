"""benchmarks/summarize.py: several runs' rows become one table of ranges and verdicts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.benchmarks import load_summarize

summarize = load_summarize()


def _row(name: str, figure: str, verdict: str, target: str = "<= 1.15x") -> dict[str, str]:
    return {"row": name, "figure": figure, "target": target, "verdict": verdict}


def test_ranges_verdicts_and_the_count_of_rows_met_in_every_run() -> None:
    runs = [
        [
            _row("A", "120 µs vs canned 100 µs = 1.200x (no HTTP stack 50 µs: 2.40x)", "MISS"),
            _row("B", "CPU 3.10s vs 3.00s, median pair 1.010x (wall 1.200x)", "PASS", "<= 1.03x"),
            _row("C", "232 MB (150 MB over the imports)", "PASS", "<= 250 MB"),
        ],
        [
            _row("A", "110 µs vs canned 100 µs = 1.100x (no HTTP stack 50 µs: 2.20x)", "PASS"),
            _row("B", "CPU 3.20s vs 3.00s, median pair 1.020x (wall 0.900x)", "PASS", "<= 1.03x"),
            _row("C", "233 MB (151 MB over the imports)", "PASS", "<= 250 MB"),
        ],
    ]
    table = summarize.summarize(runs).splitlines()
    assert table[2] == "| A | 1.1-1.2x (no HTTP stack: 2.2-2.4x) | <= 1.15x | MISS, PASS |"
    assert table[3] == "| B | 1.01-1.02x | <= 1.03x | PASS (2 of 2) |"  # the judged ratio, not wall
    assert table[4] == "| C | 232-233MB | <= 250 MB | PASS (2 of 2) |"
    assert table[-1] == "2 of 3 rows met their target in all 2 runs."


@given(st.floats(min_value=0.001, max_value=1e4, allow_nan=False).map(lambda v: round(v, 3)))
def test_the_judged_number_is_the_ratio_the_row_prints(ratio: float) -> None:
    for figure in (
        f"12 µs vs canned 10 µs = {ratio:.3f}x",
        f"CPU 1.00s vs 1.00s, median pair {ratio:.3f}x, 0.10 ms/test extra (wall 9.999x)",
        f"{ratio:.3f}x; calls/s 10/1",
    ):
        assert summarize.judged(figure) == (float(f"{ratio:.3f}"), "x")
