"""The implemented ECS actions; importing this package registers them with the dispatcher."""

from . import commands, disks, events, instance_types, instances, regions, tags

__all__ = ["commands", "disks", "events", "instance_types", "instances", "regions", "tags"]
