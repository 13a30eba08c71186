"""What a layer above asks to be done as the action registry loads.

The simulator fills the registries when it is imported (``simulator.py``: ECS's actions,
and CloudMonitor's and Server Load Balancer's listed without importing their packages), but
the registry (:mod:`.registry`) and the actions load only with the first use of the API: a
process whose tests make no API call never loads them. A step given here runs at once if
the registry is loaded, else as the registry loads (once it can hold entries, before anyone
reads it): either way whoever reads the registry finds what it would have found had the
registry loaded first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["take_waiting", "when_registry_loads"]

_lock = threading.Lock()
#: The steps given before the registry loaded; None once it took them.
_waiting: list[Callable[[], None]] | None = []


def when_registry_loads(step: Callable[[], None]) -> None:
    """Run ``step`` as the registry loads, or now if it is loaded."""
    with _lock:
        if _waiting is not None:
            _waiting.append(step)
            return
    step()


def take_waiting() -> list[Callable[[], None]]:
    """The steps given so far, once (the registry's, as it loads): later steps run at once."""
    global _waiting
    with _lock:
        waiting, _waiting = _waiting or [], None
    return waiting
