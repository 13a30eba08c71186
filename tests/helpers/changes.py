"""A change record of an area the timeline does not know, for the timeline's tests.

It has the shape every area's change has (``core/changes.py``): a ``kind`` of its own, a
time, an instance, and fields of its own; the real load-balancer record is not used so
that these tests hold for any area.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

__all__ = ["BackendChange"]


@dataclass(frozen=True)
class BackendChange:
    kind: ClassVar[str] = "backend"
    time: datetime
    instance_id: str
    load_balancer_id: str
    old_health: str | None = None
    new_health: str = "normal"
    weight: int = 100
    reason: str = ""
