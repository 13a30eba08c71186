"""Deprecated: the markers moved to :mod:`pytest_ecs_events.plugin.markers`. Reading a name
here warns and returns the moved one; removed in 0.3.
"""

from __future__ import annotations

from .core.lazy import moved_exports

__getattr__, __dir__ = moved_exports(__name__, globals(), dict.fromkeys(
    ["SIM_MARKER", "EVENT_MARKER", "SIM_MARKER_HELP", "EVENT_MARKER_HELP", "MarkerError",
     "SimSettings", "EventMark", "sim_settings", "event_marks"],
    "pytest_ecs_events.plugin.markers",
))  # fmt: skip
