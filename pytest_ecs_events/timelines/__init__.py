"""Timelines as pictures and data: a timeline (:mod:`pytest_ecs_events.core.timeline`) as a
JSON-ready document (:mod:`.document`), an SVG drawing of it (:mod:`.svg`), and the HTML
pages that show them (:mod:`.pages`). Pure: no pytest, no files; the plugin writes them
(``--ecs-timeline-html``, ``--ecs-timeline-json``, pytest-html's extras)."""

from __future__ import annotations

from .document import SCHEMA, timeline_document
from .pages import index_page, timeline_page
from .svg import timeline_svg

__all__ = ["SCHEMA", "index_page", "timeline_document", "timeline_page", "timeline_svg"]
