"""pytest-ecs-events: test Alibaba Cloud ECS system-event handlers offline.

Importing this package is cheap: it imports neither an SDK nor ``responses``, and its names
are loaded when first used (pytest imports the plugin in every run, used or not);
interception starts only when a simulator is started (the ``ecs_sim`` fixture does it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__
from .core.lazy import lazy_exports

if TYPE_CHECKING:
    from .api.calls import ApiCall
    from .core.catalog import Catalog, EventState, EventTypeSpec, InstanceStatus
    from .core.cloud_assistant import CommandChange, CommandOutcome, CommandRun
    from .core.errors import EcsApiError
    from .core.lifecycle import InstanceChange, Transition
    from .core.models import Instance, SystemEvent
    from .simulator import EcsSimulator


__all__ = [
    "ApiCall",
    "Catalog",
    "CommandChange",
    "CommandOutcome",
    "CommandRun",
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

__getattr__, __dir__ = lazy_exports(__name__, globals(), {
    "ApiCall": ".api.calls",
    "Catalog": ".core.catalog",
    "CommandChange": ".core.cloud_assistant",
    "CommandOutcome": ".core.cloud_assistant",
    "CommandRun": ".core.cloud_assistant",
    "EcsApiError": ".core.errors",
    "EcsSimulator": ".simulator",
    "EventState": ".core.catalog",
    "EventTypeSpec": ".core.catalog",
    "Instance": ".core.models",
    "InstanceChange": ".core.lifecycle",
    "InstanceStatus": ".core.catalog",
    "SystemEvent": ".core.models",
    "Transition": ".core.lifecycle",
})  # fmt: skip
