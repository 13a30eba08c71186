"""The interception's fast paths: reading what requests already holds.

They depend on requests' internals, so they cannot live with the API's speed-ups
(``api/speedups/``, which imports no HTTP stack); each falls back to the public route when
the internals are not what it expects, and each is held to that route by a test.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = ["lower_case_headers"]


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
