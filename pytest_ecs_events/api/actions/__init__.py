"""The implemented ECS actions; importing this package registers them with the dispatcher.

Cloud Assistant's actions (:mod:`.commands`) are listed without importing their module (and
the core's Cloud Assistant it needs): each is a
:class:`~pytest_ecs_events.api.registry.LazyActionSpec` until its first use imports it.
"""

from __future__ import annotations

import importlib
import types

from ..registry import defer_actions

# Listed before the other modules register theirs: the registry keeps the order it had when
# every module was imported here (commands first).
defer_actions("ecs", f"{__name__}.commands", (
    "CreateCommand", "RunCommand", "InvokeCommand", "DeleteCommand", "StopInvocation",
    "DescribeCommands", "DescribeInvocations", "DescribeInvocationResults",
    "DescribeCloudAssistantStatus",
))  # fmt: skip

from . import disks, events, instance_types, instances, regions, tags  # noqa: E402

__all__ = ["commands", "disks", "events", "instance_types", "instances", "regions", "tags"]


def __getattr__(name: str) -> types.ModuleType:
    """``actions.commands``, imported on first access (see the module docstring)."""
    if name == "commands":
        return importlib.import_module(f"{__name__}.commands")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
