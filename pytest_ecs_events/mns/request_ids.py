"""MNS RequestIds (``x-mns-request-id``, an error's ``<RequestId>``): 24 uppercase hex
digits, the first 24 of a version-4 UUID's, unique in the process, made ahead in batches.

Every MNS answer carries a new one; ``uuid.uuid4()`` and its formatting cost more on a call's
path than handing out a ready string, so ids are a random per-process prefix (with the UUID's
version and variant digits where a version-4 UUID has them) and a counter below it, formatted
256 at a time (as :mod:`pytest_ecs_events.api.speedups.request_ids` does for the RPC APIs).

Guarded by ``tests/mns/test_request_ids.py``: ids have the form, are unique, and a forked
child (which gets a new prefix) never repeats its parent's.
"""

from __future__ import annotations

import itertools
import os
import random

__all__ = ["new_request_id"]

_BATCH = 256
#: The counter's width: the last 7 hex digits.
_COUNTER_BITS = 28


def _seed() -> None:
    global _PREFIX, _COUNTER
    seed = random.SystemRandom()  # not the global state, which a test may seed
    bits = seed.getrandbits(62)
    # digits 0-11 random, 12 the version "4", 13-15 random, 16 the variant (8-B)
    _PREFIX = f"{bits >> 14:012X}4{bits >> 2 & 0xFFF:03X}{0x8 | bits & 0x3:X}"
    _COUNTER = itertools.count(seed.getrandbits(_COUNTER_BITS - 8))
    _POOL.clear()


_PREFIX = ""
_COUNTER = itertools.count()
_MASK = (1 << _COUNTER_BITS) - 1
#: Ids made ahead, a batch at a time, handed out from the end.
_POOL: list[str] = []
_seed()
if hasattr(os, "register_at_fork"):  # a forked child must not repeat its parent's ids
    os.register_at_fork(after_in_child=_seed)


def new_request_id() -> str:
    """An MNS RequestId: ``uuid.uuid4().hex[:24].upper()`` in form, unique in this process."""
    try:
        return _POOL.pop()
    except IndexError:
        start = next(_COUNTER) * _BATCH
        _POOL.extend(f"{_PREFIX}{n & _MASK:07X}" for n in range(start + _BATCH - 1, start - 1, -1))
        return _POOL.pop()
