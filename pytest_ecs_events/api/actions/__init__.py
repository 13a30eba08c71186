"""The implemented ECS actions; importing this package registers them with the dispatcher."""

from . import disks, events, instances, regions

__all__ = ["disks", "events", "instances", "regions"]
