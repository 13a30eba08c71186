"""The HTML pages of ``--ecs-timeline-html``: one per test (its SVG and a table of its
records, the text alternative), and an index linking them, failures first.

Plain HTML and an inline stylesheet: no script, nothing fetched, so a page opens from disk
or a CI artifact as it is. Everything from the simulation is escaped; the pages are also
well-formed XML (tests parse them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from .svg import span_text, timeline_svg

__all__ = ["FAILED_OUTCOMES", "index_page", "timeline_page"]

#: Outcomes listed first in the index.
FAILED_OUTCOMES = ("failed", "error")
MAX_TABLE_ROWS = 5000

_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2933; margin: 1.5rem auto; max-width: 1040px; padding: 0 1rem; }
h1 { font-size: 1.25rem; word-break: break-all; margin: .3rem 0; }
h2 { font-size: 1.05rem; margin-top: 1.5rem; }
a { color: #0b5cad; }
.outcome { display: inline-block; padding: 0 .5em; border-radius: 3px; font-weight: 600;
           color: #fff; background: #52606d; }
.outcome.passed { background: #2e7d32; } .outcome.failed, .outcome.error { background: #c62828; }
.outcome.skipped, .outcome.xfailed { background: #8a6d00; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; }
dt { color: #52606d; } dd { margin: 0; }
figure { margin: 1rem 0; overflow-x: auto; } figcaption { color: #52606d; font-size: .9em; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #e4e7eb;
         vertical-align: top; }
td.time { white-space: nowrap; }
td.summary { word-break: break-all; font-family: ui-monospace, Menlo, Consolas, monospace; }
tr.failure td { background: #fdecea; }
tr.failure td:first-child { border-left: 3px solid #c62828; }
"""


def _head(title: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8"/>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
    )


def _outcome(outcome: str) -> str:
    if not outcome:
        return ""
    return f'<span class="outcome {escape(outcome)}">{escape(outcome)}</span>'


def timeline_page(document: Mapping[str, Any], *, index: str | None = "index.html") -> str:
    """One test's page: what it is, the SVG, and every record in a table."""
    title = document.get("title") or "ECS simulation"
    records = document["records"]
    counts = ", ".join(f"{n} {kind}" for kind, n in document["counts"].items()) or "none"
    parts = [_head(f"{title} \u2014 ECS timeline"), "<header>"]
    if index:
        parts.append(f'<p><a href="{escape(index)}">All timelines</a></p>')
    parts.append(f"<h1>{escape(title)}</h1>")
    parts.append(f"<p>{_outcome(str(document.get('outcome') or ''))}</p>")
    parts.append(
        "<dl>"
        f"<dt>Region</dt><dd>{escape(str(document.get('region') or '-'))}</dd>"
        f"<dt>Virtual time</dt><dd>{escape(document['start'])} \u2192 "
        f"{escape(document['end'])} ({span_text(float(document['duration']))})</dd>"
        f"<dt>Records</dt><dd>{len(records)} ({escape(counts)})</dd>"
        f"<dt>Failures</dt><dd>{document['failures']}</dd>"
        "</dl></header>\n<main>\n<figure>\n"
    )
    parts.append(timeline_svg(document))
    parts.append(
        "\n<figcaption>One lane per instance: its status; each load-balancer backend's "
        "health (a thin band) and traffic (a strip, dashed while drained); its command runs "
        "(a bar while running, a mark where each ended); its events and other subjects "
        "coloured by value; API calls as ticks. Failures in red. Hover a shape for its "
        "details; the table below lists every record.</figcaption>\n</figure>\n"
    )
    parts.append(f"<h2>Records ({len(records)})</h2>\n")
    if records:
        parts.append(
            '<table><thead><tr><th scope="col">Time</th><th scope="col">Offset</th>'
            '<th scope="col">Kind</th><th scope="col">Instance</th>'
            '<th scope="col">What</th></tr></thead><tbody>\n'
        )
        for record in records[:MAX_TABLE_ROWS]:
            row_class = ' class="failure"' if record["failure"] else ""
            failed = " (failure)" if record["failure"] else ""
            parts.append(
                f'<tr{row_class}><td class="time">{escape(record["time"])}</td>'
                f'<td class="time">{span_text(float(record["offset"]))}</td>'
                f"<td>{escape(record['kind'])}</td>"
                f"<td>{escape(', '.join(record['instance_ids']) or '-')}</td>"
                f'<td class="summary">{escape(record["summary"])}{failed}</td></tr>\n'
            )
        parts.append("</tbody></table>\n")
        if len(records) > MAX_TABLE_ROWS:
            left = len(records) - MAX_TABLE_ROWS
            parts.append(f"<p>{left} more record(s) are in the JSON document.</p>\n")
    else:
        parts.append("<p>Nothing happened: no change and no API call.</p>\n")
    parts.append("</main>\n</body></html>\n")
    return "".join(parts)


def index_page(pages: Iterable[Mapping[str, Any]], *, title: str = "ECS timelines") -> str:
    """The index: one row per page (``file``, ``title``, ``outcome``, ``records``,
    ``failures``, ``duration``), failed tests first, then by title."""
    rows = sorted(
        pages,
        key=lambda p: (p.get("outcome") not in FAILED_OUTCOMES, str(p.get("title", ""))),
    )
    failed = sum(1 for p in rows if p.get("outcome") in FAILED_OUTCOMES)
    parts = [_head(title), f"<header><h1>{escape(title)}</h1>"]
    parts.append(f"<p>{len(rows)} test(s), {failed} failed.</p></header>\n<main>\n")
    if rows:
        parts.append(
            '<table><thead><tr><th scope="col">Outcome</th><th scope="col">Test</th>'
            '<th scope="col">Records</th><th scope="col">Failures</th>'
            '<th scope="col">Virtual time</th></tr></thead><tbody>\n'
        )
        for page in rows:
            outcome = str(page.get("outcome") or "")
            row_class = ' class="failure"' if outcome in FAILED_OUTCOMES else ""
            parts.append(
                f"<tr{row_class}><td>{_outcome(outcome)}</td>"
                f'<td><a href="{escape(str(page["file"]))}">{escape(str(page["title"]))}</a></td>'
                f"<td>{int(page.get('records', 0))}</td>"
                f"<td>{int(page.get('failures', 0))}</td>"
                f"<td>{span_text(float(page.get('duration', 0)))}</td></tr>\n"
            )
        parts.append("</tbody></table>\n")
    else:
        parts.append("<p>No test used <code>ecs_sim</code>.</p>\n")
    parts.append("</main>\n</body></html>\n")
    return "".join(parts)
