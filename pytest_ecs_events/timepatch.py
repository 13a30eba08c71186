"""Clock coupling: the process clock follows the simulator's virtual clock (with time-machine).

Handlers often compare an event's NotBefore with "now" (``datetime.now(timezone.utc)``,
``time.time()``). With the coupling on, those read the virtual clock: frozen between
``advance()`` calls, moved to each transition's time while observers and notification
callbacks run (so a callback sees "now" equal to the change's time), and to the final time
when ``advance()`` returns.

Choices:

- ``tick=False``: the process clock stands still between moves, exactly like the virtual
  clock, so a test is deterministic. ``time.monotonic()``, ``time.perf_counter()`` and
  ``time.sleep()`` are not patched (time-machine leaves them alone), so timeouts and the
  SDKs' retry back-off still run on real time.
- Signatures: the SDKs sign with the process clock (``Timestamp``, ``x-acs-date``), which is
  now the virtual clock; so while coupled the signature verifier checks the 15-minute window
  against the virtual clock too (the simulated cloud's "now"). A client in another process
  (not patched) signs with real time and is refused with ``InvalidTimeStamp.Expired`` once
  the virtual clock is more than 15 minutes away from it, as a real server would refuse a
  client whose clock is that far off. Without configured credentials no time is checked.

time-machine is an optional dependency (``pip install 'pytest-ecs-events[time]'``); it is
imported only when a coupling starts.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api.signatures import SignatureVerifier
    from .core.changes import Change

    Observer = Callable[[Change], None]

__all__ = ["INSTALL_HINT", "ClockCoupling", "TimeMachineMissing", "time_machine_available"]

INSTALL_HINT = "pip install 'pytest-ecs-events[time]' (or time-machine>=2.10)"


class TimeMachineMissing(RuntimeError):
    """patch_time was asked for, but time-machine is not installed."""


def time_machine_available() -> bool:
    return importlib.util.find_spec("time_machine") is not None


class ClockCoupling:
    """Moves the process clock with a simulator's virtual clock between start and stop.

    It is given what it hooks into rather than the simulator itself (so that this module
    does not depend on the handle): ``now`` reads the virtual clock, ``observers`` are the
    simulation's change observers, ``clock_listeners`` are called after each ``advance()``,
    and ``verifier`` checks signatures against a clock the coupling replaces while active.
    ``EcsSimulator.patch_time()`` builds one.
    """

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        observers: list[Observer],
        clock_listeners: list[Callable[[], None]],
        verifier: SignatureVerifier,
    ) -> None:
        self.now = now
        self._observers = observers
        self._clock_listeners = clock_listeners
        self._verifier = verifier
        self._travel: Any = None
        self._traveller: Any = None
        self._saved_verifier_clock: Callable[[], datetime] | None = None

    @property
    def active(self) -> bool:
        return self._traveller is not None

    def start(self) -> ClockCoupling:
        if self._traveller is not None:
            return self
        try:
            import time_machine
        except ImportError:
            raise TimeMachineMissing(
                f"patch_time needs time-machine, which is not installed: {INSTALL_HINT}"
            ) from None
        self._travel = time_machine.travel(self.now(), tick=False)
        self._traveller = self._travel.start()
        # first, so that every other observer (subscribers, hooks) already sees the new time
        self._observers.insert(0, self._on_change)
        self._clock_listeners.append(self.sync)
        self._saved_verifier_clock = self._verifier.clock
        self._verifier.clock = self.now
        return self

    def stop(self) -> None:
        if self._traveller is None:
            return
        if self._on_change in self._observers:
            self._observers.remove(self._on_change)
        if self.sync in self._clock_listeners:
            self._clock_listeners.remove(self.sync)
        if self._saved_verifier_clock is not None:
            self._verifier.clock = self._saved_verifier_clock
        travel, self._travel, self._traveller = self._travel, None, None
        travel.stop()

    def sync(self) -> None:
        """Put the process clock on the virtual clock's current time."""
        if self._traveller is not None:
            self._traveller.move_to(self.now())

    def _on_change(self, change: Change) -> None:
        if self._traveller is not None:
            self._traveller.move_to(change.time)

    def __enter__(self) -> ClockCoupling:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
