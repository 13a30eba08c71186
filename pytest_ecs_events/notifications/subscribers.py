"""In-process subscribers: a callback that receives every notification payload."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..core.changes import Change
from ..core.simulation import Simulation
from .payloads import Payload, build_payload

__all__ = ["Subscription"]


@dataclass
class Subscription:
    """One subscriber: a callback, the format it wants, and whether it wants StateChange."""

    callback: Callable[[Payload], object]
    format: str
    instance_changes: bool
    delivered: list[Payload] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def __call__(self, change: Change, sim: Simulation) -> None:
        payload = build_payload(self.format, self.instance_changes, change, sim)
        if payload is None:
            return
        self.delivered.append(payload)
        try:
            self.callback(payload)
        except Exception as exc:  # the subscriber's bug must not half-apply a transition
            self.errors.append(exc)
