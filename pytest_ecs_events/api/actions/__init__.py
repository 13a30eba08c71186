"""The implemented ECS actions; importing this package registers them with the dispatcher."""

from . import events, instance_types, instances, regions, tags

__all__ = ["events", "instance_types", "instances", "regions", "tags"]
