"""The interception's fast paths: reading what requests and ``responses`` already hold.

They depend on those libraries' internals, so they cannot live with the API's speed-ups
(``api/speedups/``, which imports no HTTP stack); each falls back to the public route when
the internals are not what it expects, and each is held to that route by a property test.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from ..api.speedups.fast_parse import unquote_query_part

__all__ = ["lower_case_headers", "reuse_mock_params"]


def lower_case_headers(headers: Any) -> dict[str, str]:
    """A request's headers as a plain dict with lower-case names.

    requests' ``CaseInsensitiveDict`` (the real one and the legacy SDK's vendored copy) keeps
    ``{lower-case name: (name, value)}`` in its private ``_store``; reading that directly
    saves the generator behind the public ``lower_items()`` on every intercepted call
    (P1 in ``benchmarks/run.py``; ``docs/performance.md``, "What makes the hot path fast").
    Anything else, including a future requests whose ``_store`` is not an ``OrderedDict``,
    takes the public route: the result is the same.
    """
    store = getattr(headers, "_store", None)
    if type(store) is OrderedDict:
        return {lower: pair[1] for lower, pair in store.items()}
    if hasattr(headers, "lower_items"):
        return dict(headers.lower_items())
    return {str(k).lower(): str(v) for k, v in headers.items()}


def reuse_mock_params(parsed: object, raw_query: str) -> dict[str, str] | None:
    """The query's parameters from what ``responses`` parsed into ``request.params`` before
    calling us, or None where that could differ from :func:`parse_query`.

    responses reads the query with ``parse_qsl`` too (the same decoding) but drops blank
    values (before 0.25) and groups repeated keys; blank parts are added back here, and any
    repeated key (or anything unexpected) sends the caller to its own parse. Parsing a
    legacy SDK's dozen signed parameters a second time was a large part of the request
    reading (P1 in ``benchmarks/run.py``; ``docs/performance.md``). Guarded by
    ``tests/property/test_fast_parse.py``: reused parameters equal the parsed query.

    The count decides: with one key per non-empty part, no key repeats, so responses holds no
    list of values.
    """
    if type(parsed) is not dict:
        return None
    params: dict[str, str] = dict(parsed)
    parts = raw_query.split("&")
    count = len(parts) - parts.count("")  # one key per non-empty part, if none repeats
    if count != len(params):  # blank values dropped, or a key repeated
        for part in parts:
            key, _, value = part.partition("=")
            if part and not value:
                params.setdefault(unquote_query_part(key), "")
        if count != len(params):
            return None
    return params
