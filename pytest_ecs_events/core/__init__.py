"""Pure simulation of ECS instances and system events; imports neither pytest nor requests.

Its public names are loaded when first used (see :mod:`.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_exports

if TYPE_CHECKING:
    from .catalog import DEFAULT_CATALOG, Catalog, EventState, EventTypeSpec, InstanceStatus
    from .clock import TimeFormatError, VirtualClock, parse_datetime, parse_duration, parse_time
    from .errors import EcsApiError
    from .lifecycle import InstanceChange, Transition
    from .models import Instance, SystemEvent
    from .simulation import Simulation, SimulationConfig

__all__ = [
    "DEFAULT_CATALOG",
    "Catalog",
    "EcsApiError",
    "EventState",
    "EventTypeSpec",
    "Instance",
    "InstanceChange",
    "InstanceStatus",
    "Simulation",
    "SimulationConfig",
    "SystemEvent",
    "TimeFormatError",
    "Transition",
    "VirtualClock",
    "parse_datetime",
    "parse_duration",
    "parse_time",
]

__getattr__, __dir__ = lazy_exports(__name__, globals(), {
    **dict.fromkeys(["DEFAULT_CATALOG", "Catalog", "EventState", "EventTypeSpec",
                     "InstanceStatus"], ".catalog"),
    **dict.fromkeys(["TimeFormatError", "VirtualClock", "parse_datetime", "parse_duration",
                     "parse_time"], ".clock"),
    "EcsApiError": ".errors",
    "InstanceChange": ".lifecycle",
    "Transition": ".lifecycle",
    "Instance": ".models",
    "SystemEvent": ".models",
    "Simulation": ".simulation",
    "SimulationConfig": ".simulation",
})  # fmt: skip
