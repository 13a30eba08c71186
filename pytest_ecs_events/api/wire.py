"""Deprecated: this module's names moved when the API layer was split (removed in 0.3).

:class:`ApiRequest` and :class:`ApiResponse` are in :mod:`pytest_ecs_events.api.messages`
(and :mod:`pytest_ecs_events.api`), ``JSON_CONTENT_TYPE`` in
:mod:`pytest_ecs_events.api.protocol`, the query parser and URL splitter in
:mod:`pytest_ecs_events.api.speedups.fast_parse`, the JSON output in
:mod:`pytest_ecs_events.api.speedups.json_output`. Reading a name here warns and returns the
moved one.
"""

from __future__ import annotations

from ..core.lazy import moved_exports

_MESSAGES = "pytest_ecs_events.api.messages"
_PARSE = "pytest_ecs_events.api.speedups.fast_parse"
_JSON = "pytest_ecs_events.api.speedups.json_output"

__getattr__, __dir__ = moved_exports(__name__, globals(), {
    **dict.fromkeys(["ApiRequest", "ApiResponse", "NO_HEADERS"], _MESSAGES),
    "JSON_CONTENT_TYPE": "pytest_ecs_events.api.protocol",
    **dict.fromkeys(["parse_query", "split_url", "unquote_query_part"], _PARSE),
    **dict.fromkeys(["Rendered", "encode_json", "json_tail"], _JSON),
})  # fmt: skip
