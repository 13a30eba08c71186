"""Every hot-path cache and hand-written fast path of the API layer, in one place.

Each module here exists for a figure of ``benchmarks/run.py`` (P1: one SDK call against a
canned ``responses`` body; P2: the same over 100,000 events) and is guarded by a property
test that holds it to the plain, uncached computation. ``docs/performance.md`` ("What makes
the hot path fast") gives the measurements. Changing what an answer holds never needs a
change here, except :mod:`.render_cache` when a rendered field depends on something other
than the event's own fields (see its docstring).

- :mod:`.answer_cache`: read-only questions parsed once, answers kept while nothing changed.
- :mod:`.render_cache`: each event's rendering and JSON, kept until the event changes.
- :mod:`.json_output`: one C JSON encoder, and bodies spliced from kept JSON fragments.
- :mod:`.fast_parse`: exact fast paths for splitting URLs and decoding queries.
- :mod:`.request_ids`: RequestIds (the RPC APIs' and MNS') made ahead, in batches.
- :mod:`.frozen_init`: the per-call records' one-step ``__init__``.
"""
