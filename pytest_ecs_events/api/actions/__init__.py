"""The implemented ECS actions; importing this package registers them with the dispatcher."""

from . import events, instances, regions

__all__ = ["events", "instances", "regions"]
