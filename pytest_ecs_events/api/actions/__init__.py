"""The implemented ECS actions; importing this package registers them with the dispatcher."""

from . import disks, events, instance_types, instances, regions, tags

__all__ = ["disks", "events", "instance_types", "instances", "regions", "tags"]
