"""What a layer above asks to be done as the action registry loads.

The simulator lists CloudMonitor's and Server Load Balancer's actions in the registries when
it is imported (``simulator.py``, without importing their packages), but the registry
(:mod:`.registry`) loads only with the first use of the API: a process whose tests make no
API call never loads it. A step given here runs at once if the registry is loaded, else as
the registry loads (once it can hold entries, before anyone reads it): either way whoever
reads the registry finds what it would have found had the registry loaded first. A step
imports no module that imports the registry (that would be an import cycle, which two
threads' first imports could meet half-loaded): ECS's own actions register as their readers
import ``api.actions``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["run_waiting", "when_registry_loads"]

_lock = threading.Lock()
#: The steps given before the registry loaded; None once it ran them.
_waiting: list[Callable[[], None]] | None = []


def when_registry_loads(step: Callable[[], None]) -> None:
    """Run ``step`` as the registry loads, or now if it is loaded."""
    with _lock:
        if _waiting is not None:
            _waiting.append(step)
            return
    step()


def run_waiting() -> None:
    """Run the steps given so far, in order (the registry's, as it loads); later steps run at
    once. A step is dropped only once it has run: one that raises fails the registry's
    import and runs again at the next."""
    global _waiting
    while True:
        with _lock:
            if not _waiting:
                _waiting = None
                return
            step = _waiting[0]
        step()
        with _lock:
            assert _waiting is not None  # only the loading thread, this one, sets None
            _waiting.pop(0)
