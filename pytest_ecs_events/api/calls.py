"""The record of one call the simulator answered (``EcsSimulator.calls``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .speedups.frozen_init import one_step_init

__all__ = ["ApiCall"]


@one_step_init  # one per call: see speedups/frozen_init.py
@dataclass(frozen=True)
class ApiCall:
    """One call the simulator answered, in the order they came."""

    action: str
    params: Mapping[str, str]
    status: int
    error_code: str | None
    time: datetime
    request_id: str
    host: str = ""
    #: ``"timeout"`` or ``"reset"`` when the client got no answer (an injected transport
    #: fault); then ``status`` is 0 and ``error_code`` is ``Transport.Timeout`` or
    #: ``Transport.ConnectionReset``.
    fault: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None
