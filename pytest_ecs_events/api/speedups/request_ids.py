"""RequestIds in each service's form, unique in the process, made ahead in batches.

Benchmark: P1 and the MNS rows (``benchmarks/run.py``; ``docs/performance.md``, "What makes
the hot path fast"). Every answer carries a new RequestId. ``uuid.uuid4()`` and its
formatting cost more on a call's path than handing out a ready string, so an :class:`IdPool`
is a random per-process prefix and a counter below it, formatted 256 at a time.

- the RPC APIs (:func:`new_request_id`): uppercase version-4 UUIDs;
- MNS (:data:`new_mns_request_id`): ``uuid4().hex[:24].upper()`` in form.

Guarded by ``tests/api/speedups/test_request_ids.py``: ids have their form, are unique, and
a forked child (which gets a new prefix) never repeats its parent's.
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable

__all__ = ["IdPool", "new_mns_request_id", "new_request_id"]

_BATCH = 256


class IdPool:
    """Ids made of a random prefix (``prefix_of`` of ``prefix_bits`` random bits) and a
    ``counter_bits`` counter below it (hexadecimal), starting at a random point of
    ``start_bits``; drawn again in a forked child."""

    def __init__(
        self, prefix_of: Callable[[int], str], prefix_bits: int, counter_bits: int, start_bits: int
    ) -> None:
        self._prefix_of, self._prefix_bits, self._start_bits = prefix_of, prefix_bits, start_bits
        self._format = f"{{}}{{:0{counter_bits // 4}X}}"
        self._mask = (1 << counter_bits) - 1
        #: Ids made ahead, a batch at a time, handed out from the end.
        self._pool: list[str] = []
        self.reseed()
        if hasattr(os, "register_at_fork"):  # a forked child must not repeat its parent's ids
            os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        seed = random.SystemRandom()  # not the global state, which a test may seed
        self._prefix = self._prefix_of(seed.getrandbits(self._prefix_bits))
        self._counter = itertools.count(seed.getrandbits(self._start_bits))
        self._pool.clear()

    def next(self) -> str:
        """A new id."""
        try:
            return self._pool.pop()
        except IndexError:
            start = next(self._counter) * _BATCH
            prefix, mask, form = self._prefix, self._mask, self._format.format
            self._pool.extend(
                form(prefix, n & mask) for n in range(start + _BATCH - 1, start - 1, -1)
            )
            return self._pool.pop()


def _uuid_prefix(bits: int) -> str:
    """The first 20 digits of a version-4 UUID (version 4, variant 8-B), dashes included."""
    return (
        f"{bits >> 48:08X}-{bits >> 32 & 0xFFFF:04X}-4{bits >> 20 & 0xFFF:03X}-"
        f"{0x8 | bits >> 18 & 0x3:X}{bits >> 6 & 0xFFF:03X}-"
    )


def _mns_prefix(bits: int) -> str:
    """Digits 0-16 of a version-4 UUID's hex: 0-11 random, 12 the version "4", 13-15
    random, 16 the variant (8-B)."""
    return f"{bits >> 14:012X}4{bits >> 2 & 0xFFF:03X}{0x8 | bits & 0x3:X}"


#: A RequestId in the real form, an uppercase version-4 UUID, unique in this process.
new_request_id = IdPool(_uuid_prefix, 80, 48, 39).next
#: An MNS RequestId: ``uuid.uuid4().hex[:24].upper()`` in form, unique in this process.
new_mns_request_id = IdPool(_mns_prefix, 62, 28, 20).next
