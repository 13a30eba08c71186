"""A timeline document (:mod:`.document`) drawn as one self-contained SVG.

One lane per instance (and one for what concerns no instance): a band of the instance's
status; a row per load-balancer backend (its health as a thin band, its traffic as a strip
under it: solid while weighted, dashed at weight 0); one row of Cloud Assistant command runs
(a thin bar while each runs, a mark where it ended); a bar per event (and per subject of any
other kind) coloured by its value; the API calls as ticks. Failures (a call answered with
an error, a ``Failed``/``Timeout``/``abnormal`` value, a run's error code) are red. The axis
is the virtual clock, labelled from the start (``+5m``).

Self-contained on purpose: presentation attributes instead of a stylesheet, no script, no
external font or image, so the same string works in a page of ours, inside pytest-html's
report, or opened on its own. Every piece of text from the simulation (instance ids, tags,
reasons, parameters) is escaped; each shape has a ``<title>`` (its tooltip), and the root a
``<title>`` and ``<desc>`` for assistive technology (the pages add a table of the records).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape
from typing import Any

from ..core.timeline import FAILURE_VALUES
from .document import POINT_KINDS

__all__ = ["COLOURS", "timeline_svg"]

WIDTH = 1000
LEFT = 200  # the labels' column
RIGHT = 24
TOP = 54
ROW = 14
ROW_GAP = 3
LANE_GAP = 12
MAX_TITLE_LINES = 12
FAILURE_RED = "#c62828"
TEXT = "#1f2933"
MUTED = "#52606d"

#: The colour of each known value (the others get one of ``_PALETTE`` by their name).
COLOURS = {
    # instance statuses
    "Pending": "#b39ddb",
    "Starting": "#64b5f6",
    "Running": "#43a047",
    "Stopping": "#ffb300",
    "Stopped": "#90a4ae",
    "Released": "#37474f",
    # event states
    "Inquiring": "#ce93d8",
    "Scheduled": "#90caf9",
    "Executing": "#fb8c00",
    "Executed": "#a5d6a7",
    "Avoided": "#cfd8dc",
    "Canceled": "#b0bec5",
    "Failed": FAILURE_RED,
    # command invocations
    "Success": "#66bb6a",
    "Timeout": "#d84315",
    "Stopped-Error": FAILURE_RED,
    "Error": FAILURE_RED,
    # load-balancer backends
    "normal": "#43a047",
    "abnormal": FAILURE_RED,
    "unavailable": "#ef9a9a",
}
#: Kinds drawn on rows of their own shape: a backend's health and weight share one row per
#: backend, a lane's command runs share one row.
BACKEND_KINDS = frozenset({"backend", "weight"})
COMMAND = "command"
#: A run still going on (not yet ended).
_RUN_GOING = frozenset({"Pending", "Running", "Stopping"})
_TRAFFIC = "#455a64"
_RUN_BAR = "#90a4ae"
#: The marks of a run's end: (legend label, shape, fill, size).
_RUN_MARKS = {
    "ok": ("command succeeded", "circle", "#2e7d32", 4.5),
    "failed": ("command failed", "diamond", FAILURE_RED, 6.0),
    "stopped": ("command stopped", "diamond", "#607d8b", 4.5),
    "going": ("command running", "circle", "#1e88e5", 4.5),
}
_PALETTE = ("#8d6e63", "#5c6bc0", "#26a69a", "#ec407a", "#7e57c2", "#9ccc65", "#29b6f6")
_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)
_DAY = 86400


def colour(value: str) -> str:
    """The fill of a value: a known one's, else one of the palette, always the same."""
    known = COLOURS.get(value)
    if known is not None:
        return known
    return _PALETTE[zlib.crc32(value.encode()) % len(_PALETTE)]


def span_text(seconds: float) -> str:
    """``+1h30m``, ``+45s``, ``+2d``: an offset from the start, shortest first."""
    whole = round(seconds)
    if whole == 0:
        return "+0s" if seconds == 0 else f"+{seconds:.3g}s"
    days, rest = divmod(whole, _DAY)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s"))]
    return "+" + "".join(p for p in parts if not p.startswith("0"))


def _step(span: float) -> int:
    for step in _STEPS:
        if span / step <= 8:
            return step
    days = 1
    while span / (days * _DAY) > 8:
        days *= 2
    return days * _DAY


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _title(lines: Sequence[str]) -> str:
    shown = list(lines[:MAX_TITLE_LINES])
    if len(lines) > MAX_TITLE_LINES:
        shown.append(f"... and {len(lines) - MAX_TITLE_LINES} more")
    return f"<title>{escape(chr(10).join(shown))}</title>"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _backend_row(subject: str) -> str:
    """A backend's row: its weight's subject (``lb/group:port``); its health verdicts name
    the listener too (``...@80``) and are drawn on the same row."""
    return subject.split("@", 1)[0]


def _row_of(kind: str, subject: str) -> tuple[str, str]:
    """The row a kind's subject is drawn on: a backend's health and weight share one (kind
    ``"backend"``), a lane's command runs share one (subject ``""``)."""
    if kind in BACKEND_KINDS:
        return ("backend", _backend_row(subject))
    if kind == COMMAND:
        return (COMMAND, "")
    return (kind, subject)


def _rows(document: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Each lane's rows, (kind, subject): its status, its backends, its command runs, its
    other subjects, its calls."""
    rows: dict[str, list[tuple[str, str]]] = {lane: [] for lane in document["lanes"]}
    for interval in document["intervals"]:
        lane = rows.setdefault(interval["instance_id"], [])
        key = _row_of(interval["kind"], interval["subject"])
        if key not in lane:
            lane.append(key)
    for record in document["records"]:
        if record["kind"] not in POINT_KINDS:
            continue
        for lane_id in record["instance_ids"] or [""]:
            lane = rows.setdefault(lane_id, [])
            if (record["kind"], "") not in lane:
                lane.append((record["kind"], ""))
    order = {"instance": 0, "backend": 1, COMMAND: 2}
    for lane in rows.values():  # the status band, backends, runs; the calls last
        lane.sort(key=lambda r: (r[0] in POINT_KINDS, order.get(r[0], 3)))
    return {lane_id: lane for lane_id, lane in rows.items() if lane}


def _row_label(kind: str, subject: str) -> str:
    if kind == "instance":
        return "status"
    if kind in POINT_KINDS or kind == COMMAND:
        return f"{kind}s"
    if kind == "backend":
        return subject
    return f"{kind} {subject}" if subject else kind


def _id_prefix(document: Mapping[str, Any]) -> str:
    digest = hashlib.sha1(f"{document.get('title')}|{document.get('start')}".encode())
    return "ecs-tl-" + digest.hexdigest()[:10]


def timeline_svg(document: Mapping[str, Any], *, width: int = WIDTH) -> str:
    """The SVG (a complete ``<svg>`` element, no XML declaration) of a timeline document."""
    duration = max(float(document["duration"]), 1.0)
    plot = width - LEFT - RIGHT

    def x(offset: float | None) -> float:
        at = duration if offset is None else min(max(offset, 0.0), duration)
        return LEFT + at / duration * plot

    rows = _rows(document)
    row_y: dict[tuple[str, str, str], float] = {}
    lane_tops: list[tuple[str, float, float]] = []
    y: float = TOP
    for lane_id, lane in rows.items():
        top = y
        for kind, subject in lane:
            row_y[(lane_id, kind, subject)] = y
            y += ROW + ROW_GAP
        lane_tops.append((lane_id, top, y - ROW_GAP))
        y += LANE_GAP
    legend_top = y + 4
    items = _legend_items(document)
    per_line = max(1, (width - 16) // LEGEND_ITEM)
    legend_lines = (len(items) + per_line - 1) // per_line
    height = int(legend_top + legend_lines * 18 + 10)

    pid = _id_prefix(document)
    title = document.get("title") or "ECS simulation"
    counts = ", ".join(f"{n} {kind}" for kind, n in document["counts"].items()) or "nothing"
    failures = document["failures"]
    desc = (
        f"Virtual time {document['start']} to {document['end']} "
        f"({span_text(float(document['duration']))}); "
        f"{len(document['records'])} record(s): {counts}; "
        f"{len(rows)} lane(s); {failures} failure(s)."
    )
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{pid}-title {pid}-desc" '
        "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" "
        f'font-size="11" fill="{TEXT}">',
        f'<title id="{pid}-title">{escape("Timeline: " + title)}</title>',
        f'<desc id="{pid}-desc">{escape(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="18" font-size="13" font-weight="600">{escape(_short(title, 120))}</text>',
        f'<text x="{width - RIGHT}" y="18" text-anchor="end" fill="{MUTED}">'
        f"{escape(document['start'])} \u2192 {escape(document['end'])}</text>",
    ]
    # the axis: grid lines and offsets from the start
    step = _step(duration)
    out.append('<g aria-hidden="true">')
    tick: float = 0.0
    while tick <= duration + 1e-9:
        tx = x(tick)
        out.append(
            f'<line x1="{_n(tx)}" y1="{TOP - 10}" x2="{_n(tx)}" y2="{_n(max(y - LANE_GAP, TOP))}" '
            'stroke="#e4e7eb" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{_n(tx)}" y="{TOP - 14}" text-anchor="middle" fill="{MUTED}">'
            f"{span_text(tick)}</text>"
        )
        tick += step
    out.append("</g>")
    # the lanes
    for n, (lane_id, top, bottom) in enumerate(lane_tops):
        if n % 2:
            out.append(
                f'<rect x="0" y="{_n(top - LANE_GAP / 2)}" width="{width}" '
                f'height="{_n(bottom - top + LANE_GAP)}" fill="#f5f7fa"/>'
            )
        name = lane_id or "(no instance)"
        out.append(
            f'<text x="8" y="{_n(top + ROW - 3)}" font-weight="600">'
            f"{_title([name])}{escape(_short(name, 16))}</text>"
        )
        for kind, subject in rows[lane_id]:
            ry = row_y[(lane_id, kind, subject)]
            label = _row_label(kind, subject)
            out.append(
                f'<text x="{LEFT - 6}" y="{_n(ry + ROW - 3)}" text-anchor="end" fill="{MUTED}">'
                f"{_title([label])}{escape(_short(label, 14))}</text>"
            )
    # stretches of time in a value
    bars: list[str] = []
    short: list[str] = []
    for interval in document["intervals"]:
        if interval["kind"] in BACKEND_KINDS or interval["kind"] == COMMAND:
            continue  # drawn below, in shapes of their own
        ry = row_y[(interval["instance_id"], interval["kind"], interval["subject"])]
        x0, x1 = x(interval["start_offset"]), x(interval["end_offset"])
        value = interval["value"]
        failed = value in FAILURE_VALUES
        until = interval["end"] or "(still)"
        where = interval["instance_id"] or "(no instance)"
        row = _row_label(interval["kind"], interval["subject"])
        tip = f"{where} {row}: {value}, {interval['start']} \u2192 {until}"
        narrow = x1 - x0 < 6  # drawn over its neighbours, so a short reboot still shows
        if failed:
            stroke = f' stroke="{FAILURE_RED}" stroke-width="2"'
        else:
            stroke = "" if narrow else ' stroke="#ffffff" stroke-width="0.5"'
        (short if narrow else bars).append(
            f'<rect x="{_n(x0)}" y="{_n(ry)}" width="{_n(max(x1 - x0, 4.0))}" height="{ROW}" '
            f'rx="2" fill="{colour(value)}"{stroke}>{_title([tip])}</rect>'
        )
    out.extend(bars)
    out.extend(short)
    out.extend(_backends(document, row_y, x))
    out.extend(_runs(document, row_y, x))
    # moments: calls as ticks (one per pixel column), other kinds' changes as markers
    ticks: dict[tuple[str, str, int], list[Mapping[str, Any]]] = {}
    for record in document["records"]:
        if record["kind"] in POINT_KINDS:
            for lane_id in record["instance_ids"] or [""]:
                key = (lane_id, record["kind"], round(x(record["offset"])))
                ticks.setdefault(key, []).append(record)
        elif record["kind"] not in ("instance", "event", COMMAND, *BACKEND_KINDS):
            marker_y = row_y.get((record["instance_id"], record["kind"], record["subject"]))
            if marker_y is None:
                continue
            mx, my = x(record["offset"]), marker_y + ROW / 2
            fill = FAILURE_RED if record["failure"] else "#263238"
            out.append(
                f'<path d="M{_n(mx)} {_n(my - 5)} l4 5 l-4 5 l-4 -5 z" fill="{fill}" '
                f'stroke="#ffffff" stroke-width="1">'
                f"{_title([record['time'] + ' ' + record['summary']])}</path>"
            )
    for (lane_id, kind, px), records in ticks.items():
        ry = row_y[(lane_id, kind, "")]
        failed = any(r["failure"] for r in records)
        lines = [f"{r['time']} {r['summary']}" for r in records]
        if len(records) > 1:
            lines.insert(0, f"{len(records)} calls")
        colour_ = FAILURE_RED if failed else "#37474f"
        out.append(f"<g>{_title(lines)}")
        out.append(
            f'<line x1="{px}" y1="{_n(ry + 1)}" x2="{px}" y2="{_n(ry + ROW - 1)}" '
            f'stroke="{colour_}" stroke-width="{3 if failed else 1.5}"/>'
        )
        if failed:
            out.append(f'<path d="M{px - 4} {_n(ry - 2)} h8 l-4 5 z" fill="{FAILURE_RED}"/>')
        if len(records) > 1:
            out.append(f'<circle cx="{px}" cy="{_n(ry + ROW / 2)}" r="2.5" fill="{colour_}"/>')
        out.append("</g>")
    out.extend(_legend(items, legend_top, width))
    out.append("</svg>")
    return "\n".join(out)


def _old(record: Mapping[str, Any]) -> str | None:
    """What a record changed from: its ``old_*`` field, else ``old`` (None: nothing)."""
    fields = record["fields"]
    names = [n for n in fields if n.startswith("old_")] or [n for n in ("old",) if n in fields]
    old = fields[names[0]] if names else None
    return None if old in (None, "") else str(old)


def _backends(
    document: Mapping[str, Any],
    row_y: Mapping[tuple[str, str, str], float],
    x: Callable[[float | None], float],
) -> list[str]:
    """Each backend's row: its health as a thin band, its traffic as a strip under it."""
    out: list[str] = []
    first_seen: dict[tuple[str, str], Mapping[str, Any]] = {}
    first_verdict: dict[tuple[str, str], Mapping[str, Any]] = {}
    for record in document["records"]:
        if record["kind"] in BACKEND_KINDS:
            key = (record["instance_id"], _backend_row(record["subject"]))
            first_seen.setdefault(key, record)
            if record["kind"] == "backend":
                first_verdict.setdefault(key, record)
    stretches: list[tuple[str, str, str, str, float, float | None, str, str]] = []
    # before the first verdict: the health it changed from (a backend set up healthy has
    # none until something happens), from when the backend was first seen
    for key, verdict in first_verdict.items():
        seen, old = first_seen[key], _old(verdict)
        if old is not None and seen["offset"] < verdict["offset"]:
            stretches.append(("backend", *key, old, seen["offset"], verdict["offset"],
                              seen["time"], verdict["time"]))  # fmt: skip
    for i in document["intervals"]:
        if i["kind"] in BACKEND_KINDS:
            stretches.append((i["kind"], i["instance_id"], _backend_row(i["subject"]), i["value"],
                              i["start_offset"], i["end_offset"], i["start"],
                              i["end"] or "(still)"))  # fmt: skip
    for kind, lane_id, subject, value, start, end, since, until in stretches:
        ry = row_y.get((lane_id, "backend", subject))
        if ry is None:
            continue
        x0, x1 = x(start), x(end)
        where = lane_id or "(no instance)"
        if kind == "backend":
            failed = value in FAILURE_VALUES
            stroke = f' stroke="{FAILURE_RED}" stroke-width="1.5"' if failed else ""
            tip = f"{where} backend {subject}: {value}, {since} \u2192 {until}"
            wide = max(x1 - x0, 4.0 if failed else 2.0)
            out.append(
                f'<rect x="{_n(x0)}" y="{_n(ry + 1)}" width="{_n(wide)}" height="7" '
                f'fill="{colour(value)}"{stroke}>{_title([tip])}</rect>'
            )
            continue
        drained = value == "0"
        tip = (
            f"{where} backend {subject}: weight {value}"
            f"{' (no traffic)' if drained else ''}, {since} \u2192 {until}"
        )
        look = (
            f'fill="#ffffff" stroke="{_TRAFFIC}" stroke-width="1" stroke-dasharray="3 2"'
            if drained
            else f'fill="{_TRAFFIC}"'
        )
        out.append(
            f'<rect x="{_n(x0)}" y="{_n(ry + 10)}" width="{_n(max(x1 - x0, 2.0))}" height="3" '
            f"{look}>{_title([tip])}</rect>"
        )
    return out


def _run_mark(last: Mapping[str, Any]) -> str:
    if last["value"] in _RUN_GOING:
        return "going"
    if last["failure"]:
        return "failed"
    return "ok" if last["value"] == "Success" else "stopped"


def _runs(
    document: Mapping[str, Any],
    row_y: Mapping[tuple[str, str, str], float],
    x: Callable[[float | None], float],
) -> list[str]:
    """A lane's command runs: a thin bar while each runs, a mark where it ended."""
    runs: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for record in document["records"]:
        if record["kind"] == COMMAND:
            runs.setdefault((record["instance_id"], record["subject"]), []).append(record)
    out: list[str] = []
    for (lane_id, subject), records in runs.items():
        ry = row_y.get((lane_id, COMMAND, ""))
        if ry is None:
            continue
        last = records[-1]
        mark = _run_mark(last)
        x0 = x(records[0]["offset"])
        x1 = x(None if mark == "going" else last["offset"])
        lines = [f"{lane_id or '(no instance)'} command run {subject}: {last['value']}"]
        lines.extend(f"{r['time']} {r['summary']}" for r in records)
        _, shape, fill, size = _RUN_MARKS[mark]
        out.append(f"<g>{_title(lines)}")
        out.append(
            f'<rect x="{_n(x0)}" y="{_n(ry + ROW / 2 - 1.5)}" width="{_n(max(x1 - x0, 1.0))}" '
            f'height="3" fill="{_RUN_BAR}"/>'
        )
        out.append(_mark(shape, x1, ry + ROW / 2, size, fill, failed=mark == "failed"))
        out.append("</g>")
    return out


def _mark(shape: str, cx: float, cy: float, size: float, fill: str, *, failed: bool) -> str:
    stroke = (
        f'stroke="{TEXT}" stroke-width="1.5"' if failed else 'stroke="#ffffff" stroke-width="1"'
    )
    if shape == "circle":
        return f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(size)}" fill="{fill}" {stroke}/>'
    return (
        f'<path d="M{_n(cx)} {_n(cy - size)} l{_n(size)} {_n(size)} l{_n(-size)} {_n(size)} '
        f'l{_n(-size)} {_n(-size)} z" fill="{fill}" {stroke}/>'
    )


#: A legend entry's width, and the characters of its label shown.
LEGEND_ITEM = 150
_LEGEND_TEXT = 22


def _legend_items(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What the legend names, (what, label): the values of the bars, then the backends' and
    the runs' marks that are drawn, the API call tick and the failure outline."""
    drawn = list(document["intervals"])
    plain = [i["value"] for i in drawn if i["kind"] not in BACKEND_KINDS and i["kind"] != COMMAND]
    items = [("swatch", v) for v in dict.fromkeys(plain)]
    health = dict.fromkeys(i["value"] for i in drawn if i["kind"] == "backend")
    health.update(dict.fromkeys(
        old for r in document["records"] if r["kind"] == "backend" and (old := _old(r))
    ))  # fmt: skip
    items.extend(("health", v) for v in health)
    weights = {i["value"] == "0" for i in drawn if i["kind"] == "weight"}
    if False in weights:
        items.append(("traffic", "traffic (weight > 0)"))
    if True in weights:
        items.append(("drained", "drained (weight 0)"))
    runs: dict[tuple[str, str], Mapping[str, Any]] = {}
    for record in document["records"]:
        if record["kind"] == COMMAND:
            runs[(record["instance_id"], record["subject"])] = record
    marks = {_run_mark(last) for last in runs.values()}
    items.extend(("run", m) for m in _RUN_MARKS if m in marks)
    items.extend([("tick", "API call"), ("failure", "failure")])
    return items


def _legend(items: Iterable[tuple[str, str]], top: float, width: int) -> list[str]:
    out = ['<g font-size="10">']
    per_line = max(1, (width - 16) // LEGEND_ITEM)
    for n, (what, label) in enumerate(items):
        lx = 8 + (n % per_line) * LEGEND_ITEM
        ly = top + (n // per_line) * 18
        if what == "swatch":
            out.append(
                f'<rect x="{lx}" y="{_n(ly)}" width="14" height="10" rx="2" '
                f'fill="{colour(label)}"/>'
            )
        elif what == "health":
            failed = label in FAILURE_VALUES
            stroke = f' stroke="{FAILURE_RED}" stroke-width="1.5"' if failed else ""
            out.append(
                f'<rect x="{lx}" y="{_n(ly + 2)}" width="14" height="6" '
                f'fill="{colour(label)}"{stroke}/>'
            )
            label = f"backend {label}"
        elif what == "traffic":
            out.append(f'<rect x="{lx}" y="{_n(ly + 4)}" width="14" height="3" fill="{_TRAFFIC}"/>')
        elif what == "drained":
            out.append(
                f'<rect x="{lx}" y="{_n(ly + 4)}" width="14" height="3" fill="#ffffff" '
                f'stroke="{_TRAFFIC}" stroke-width="1" stroke-dasharray="3 2"/>'
            )
        elif what == "run":
            label, shape, fill, size = _RUN_MARKS[label]
            out.append(_mark(shape, lx + 7, ly + 5, min(size, 5.0), fill, failed=shape == "diamond"
                             and fill == FAILURE_RED))  # fmt: skip
        elif what == "tick":
            out.append(
                f'<line x1="{lx + 7}" y1="{_n(ly)}" x2="{lx + 7}" y2="{_n(ly + 10)}" '
                'stroke="#37474f" stroke-width="1.5"/>'
            )
        else:
            out.append(
                f'<rect x="{lx}" y="{_n(ly)}" width="14" height="10" rx="2" fill="#ffffff" '
                f'stroke="{FAILURE_RED}" stroke-width="2"/>'
            )
        out.append(
            f'<text x="{lx + 19}" y="{_n(ly + 9)}">{escape(_short(label, _LEGEND_TEXT))}</text>'
        )
    out.append("</g>")
    return out
