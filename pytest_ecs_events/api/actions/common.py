"""Lookups and filters that several actions share."""

from __future__ import annotations

from collections.abc import Sequence

from ...core.models import Instance
from ...core.simulation import Simulation

Tags = Sequence[tuple[str, str | None]]


def has_tags(instance: Instance | None, tags: Tags) -> bool:
    """The instance carries every ``Tag.N.Key`` (with ``Tag.N.Value`` when one is given)."""
    if instance is None:
        return False
    return all(
        key in instance.tags and (value is None or instance.tags[key] == value)
        for key, value in tags
    )


def instances_in_region(sim: Simulation, region: str, ids: Sequence[str] | None) -> list[Instance]:
    """The region's live instances, or just those of ``ids`` that exist there (in order)."""
    if not ids:
        return sim.instances(region)
    with sim.lock:
        found = (sim.store.live_instance(i) for i in dict.fromkeys(ids))
        return [i for i in found if i is not None and i.region == region]
