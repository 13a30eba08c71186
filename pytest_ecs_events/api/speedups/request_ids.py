"""RequestIds in the service's form (uppercase version-4 UUIDs), unique in the process, made
ahead in batches.

Benchmark: P1 (``benchmarks/run.py``; ``docs/performance.md``, "What makes the hot path
fast"). Every answer carries a new RequestId. ``uuid.uuid4()`` and its formatting cost more
on a call's path than handing out a ready string, so ids are a random per-process prefix and
a counter below it, formatted 256 at a time.

Guarded by ``tests/api/speedups/test_request_ids.py``: ids are unique version-4 UUIDs, and a
forked child (which gets a new prefix) never repeats its parent's.
"""

from __future__ import annotations

import itertools
import os
import random

__all__ = ["new_request_id"]

_BATCH = 256


def _seed_request_ids() -> None:
    """A random prefix per process, and a counter below it (see :func:`new_request_id`)."""
    global _ID_PREFIX, _ID_COUNTER
    seed = random.SystemRandom()  # not the global state, which a test may seed
    bits = seed.getrandbits(80)
    _ID_PREFIX = (
        f"{bits >> 48:08X}-{bits >> 32 & 0xFFFF:04X}-4{bits >> 20 & 0xFFF:03X}-"
        f"{0x8 | bits >> 18 & 0x3:X}{bits >> 6 & 0xFFF:03X}-"
    )
    _ID_COUNTER = itertools.count(seed.getrandbits(39))
    _ID_POOL.clear()


_ID_PREFIX = ""
_ID_COUNTER = itertools.count()
#: Ids made ahead, a batch at a time, handed out from the end.
_ID_POOL: list[str] = []
_seed_request_ids()
if hasattr(os, "register_at_fork"):  # a forked child must not repeat its parent's ids
    os.register_at_fork(after_in_child=_seed_request_ids)


def new_request_id() -> str:
    """A RequestId in the real form, an uppercase version-4 UUID, unique in this process."""
    try:
        return _ID_POOL.pop()
    except IndexError:
        start = next(_ID_COUNTER) * _BATCH
        _ID_POOL.extend(
            f"{_ID_PREFIX}{n & 0xFFFFFFFFFFFF:012X}"
            for n in range(start + _BATCH - 1, start - 1, -1)
        )
        return _ID_POOL.pop()
