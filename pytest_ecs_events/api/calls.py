"""The record of one call the simulator answered (``EcsSimulator.calls``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from .speedups.frozen_init import one_step_init

__all__ = ["ApiCall"]


@one_step_init  # one per call: see speedups/frozen_init.py
@dataclass(frozen=True)
class ApiCall:
    """One call the simulator answered, in the order they came.

    It is also a change of kind ``"call"`` (:mod:`pytest_ecs_events.core.changes`), so that
    ``ecs_sim.timeline`` holds calls beside the changes they made.
    """

    kind: ClassVar[str] = "call"

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

    @property
    def instance_ids(self) -> tuple[str, ...]:
        """The instances the call names (``InstanceId``, then ``InstanceId.N`` in order)."""
        params = self.params
        single = params.get("InstanceId")
        numbered = sorted(
            (int(key[11:]), value)
            for key, value in params.items()
            if key.startswith("InstanceId.") and key[11:].isdigit()
        )
        ids = [single] if single else []
        ids.extend(value for _, value in numbered if value and value != single)
        return tuple(ids)

    @property
    def instance_id(self) -> str:
        """The first instance the call names, "" when it names none (a change's shape)."""
        ids = self.instance_ids
        return ids[0] if ids else ""
