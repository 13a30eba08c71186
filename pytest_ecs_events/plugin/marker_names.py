"""What the plugin needs of its markers at every start-up and for every test: their names,
their help texts, the error a misused one raises, and finding them on a test (the plugin
looks at every collected test). Parsing them (:mod:`.markers`, with the catalog and the
clock) loads only when a test uses one, so a run that never does pays nothing for it."""

from __future__ import annotations

from typing import Any

import pytest

__all__ = [
    "EVENT_MARKER", "EVENT_MARKER_HELP", "SIM_MARKER", "SIM_MARKER_HELP", "MarkerError",
    "item_marks",
]  # fmt: skip

SIM_MARKER = "ecs_sim"
EVENT_MARKER = "ecs_event"

SIM_MARKER_HELP = (
    "ecs_sim(now=None, region=None, instances=None, credentials=None, "
    "execution_duration=None, seed=None, account_id=None, patch_time=None, "
    "strict_commands=None, load_balancers=None): configure the "
    "ecs_sim fixture for this test: start time, default region, instances (ids, or dicts of "
    "add_instance keywords with an instance_id), accepted "
    "AccessKey pairs, how long maintenance events stay Executing, whether time.time() and "
    "datetime.now() follow the virtual clock (needs time-machine), whether a Cloud Assistant "
    "command no on_command() script matches fails the test, Server Load Balancer "
    "instances (dicts of add_load_balancer keywords)."
)
EVENT_MARKER_HELP = (
    "ecs_event(event_type, instance=None, instances=None, not_before='+1h', platform=False, "
    "state=None, reason=None): create a simulated system event (or, with platform=True, a "
    "platform event) before the test body runs."
)


class MarkerError(Exception):
    """A marker used wrongly; the message names the marker and the bad value."""


def item_marks(item: pytest.Item) -> tuple[list[pytest.Mark], list[pytest.Mark]]:
    """The item's ``ecs_sim`` and ``ecs_event`` markers, each closest first, read in one walk
    of its nodes (what ``sim_settings`` and ``event_marks`` would each read in a walk)."""
    sims: list[pytest.Mark] = []
    events: list[pytest.Mark] = []
    plain = _PLAIN_ITEM_CLASSES.get(type(item))
    if plain is None:
        plain = _PLAIN_ITEM_CLASSES[type(item)] = _reads_own_markers(type(item))
    if plain:
        # iter_markers' own walk (pytest's Node.iter_markers_with_node), without its two
        # generators: each node from the item up to the root, its own markers in order
        node: Any = item
        while node is not None:
            for mark in node.own_markers:
                name = getattr(mark, "name", None)  # what iter_markers(name) compares
                if name == SIM_MARKER:
                    sims.append(mark)
                elif name == EVENT_MARKER:
                    events.append(mark)
            node = node.parent
        return sims, events
    for mark in item.iter_markers():  # an item class with a walk of its own
        name = getattr(mark, "name", None)
        if name == SIM_MARKER:
            sims.append(mark)
        elif name == EVENT_MARKER:
            events.append(mark)
    return sims, events


#: Whether an item class reads its markers as pytest's items do (by class).
_PLAIN_ITEM_CLASSES: dict[type, bool] = {}


def _reads_own_markers(cls: type) -> bool:
    """Whether ``cls`` is an item that keeps pytest's ``iter_markers``,
    ``iter_markers_with_node`` and ``iter_parents`` (Node's, the walk :func:`item_marks`
    takes itself)."""
    walk = getattr(pytest.Item, "iter_markers_with_node", None)
    if getattr(walk, "__qualname__", None) != "Node.iter_markers_with_node":
        return False  # a pytest whose walk is not the one this module knows
    return issubclass(cls, pytest.Item) and all(
        getattr(cls, name, None) is getattr(pytest.Item, name, None)
        for name in ("iter_markers", "iter_markers_with_node", "iter_parents")
    )
