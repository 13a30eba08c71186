"""Pure simulation of ECS instances and system events; imports neither pytest nor requests."""

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
