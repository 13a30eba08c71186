"""Deprecated: the live-mode journal moved to :mod:`pytest_ecs_events.live.journal`. Reading a
name here warns and returns the moved one; removed in 0.3.
"""

from __future__ import annotations

from .core.lazy import moved_exports

__getattr__, __dir__ = moved_exports(__name__, globals(), dict.fromkeys(
    ["FORMAT_VERSION", "JOURNAL_GLOB", "EventRecord", "Intent", "Journal", "JournalState",
     "journal_files", "read_journal"],
    "pytest_ecs_events.live.journal",
))  # fmt: skip
