"""One Markdown table from several runs of ``benchmarks/run.py`` (each written with
``BENCH_JSON=FILE``): per row, the range of its ratio (or of its figure's first number)
over the runs, its target, and its verdicts in run order.

    BENCH_JSON=/tmp/run1.json python benchmarks/run.py   # three times, then:
    python benchmarks/summarize.py /tmp/run1.json /tmp/run2.json /tmp/run3.json

Issue 19's "done when" reads the verdicts: a row is met when it passed in every run.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

#: The figure's judged number: the first "= r x" or "median pair r x" ratio, else a number
#: with a unit (MB, µs, x) as the row prints it first.
_RATIO = re.compile(r"(?:= |median pair |^)(\d+(?:\.\d+)?)x")
_FIRST = re.compile(r"(\d+(?:\.\d+)?) ?(MB|µs|x)")
#: An MNS row's floor, printed beside its verdict: "(no HTTP stack N µs: r x)".
_FLOOR = re.compile(r"no HTTP stack [^:]*: (\d+(?:\.\d+)?)x")


def _span(values: list[float], unit: str) -> str:
    low, high = min(values), max(values)
    return f"{low:g}{unit}" if low == high else f"{low:g}-{high:g}{unit}"


def judged(figure: str) -> tuple[float, str] | None:
    """The number a row's verdict is about, and its unit."""
    ratio = _RATIO.search(figure)
    if ratio:
        return float(ratio.group(1)), "x"
    first = _FIRST.search(figure)
    return (float(first.group(1)), first.group(2)) if first else None


def summarize(runs: list[list[dict[str, str]]]) -> str:
    order: list[str] = []
    by_row: dict[str, list[dict[str, str]]] = {}
    for run in runs:
        for row in run:
            if row["row"] not in by_row:
                order.append(row["row"])
            by_row.setdefault(row["row"], []).append(row)
    lines = [
        "| row | figure (range over the runs) | target | verdicts |",
        "| --- | --- | --- | --- |",
    ]
    met = 0
    for name in order:
        rows = by_row[name]
        values = [v for v in (judged(r["figure"]) for r in rows) if v is not None]
        if values and all(unit == values[0][1] for _, unit in values):
            figure = _span([v for v, _ in values], values[0][1])
        else:
            figure = rows[0]["figure"]
        floors = [float(m.group(1)) for r in rows if (m := _FLOOR.search(r["figure"]))]
        if floors:
            figure += f" (no HTTP stack: {_span(floors, 'x')})"
        verdicts = [r["verdict"] for r in rows]
        if len(set(verdicts)) == 1:
            verdict = f"{verdicts[0]} ({len(verdicts)} of {len(runs)})"
        else:
            verdict = ", ".join(verdicts)
        if verdicts == ["PASS"] * len(runs):
            met += 1
        lines.append(f"| {name} | {figure} | {rows[0]['target']} | {verdict} |")
    lines.append("")
    lines.append(f"{met} of {len(order)} rows met their target in all {len(runs)} runs.")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0 if argv else 2
    runs = [json.loads(Path(a).read_text()) for a in argv]
    print(summarize(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
