"""pytest-ecs-events: test Alibaba Cloud ECS system-event handlers offline.

Importing this package is cheap: it imports neither an SDK nor ``responses``; interception
starts only when a simulator is started (the ``ecs_sim`` fixture does it for you).
"""

from .api.dispatch import ApiCall
from .core.catalog import Catalog, EventState, EventTypeSpec, InstanceStatus
from .core.errors import EcsApiError
from .core.lifecycle import InstanceChange, Transition
from .core.models import Instance, SystemEvent
from .simulator import EcsSimulator

__version__ = "0.1.0"

__all__ = [
    "ApiCall",
    "Catalog",
    "EcsApiError",
    "EcsSimulator",
    "EventState",
    "EventTypeSpec",
    "Instance",
    "InstanceChange",
    "InstanceStatus",
    "SystemEvent",
    "Transition",
    "__version__",
]
