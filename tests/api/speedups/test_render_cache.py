"""The rendering cache (api/speedups/render_cache.py): each event rendered once per change,
by the dispatcher that renders it, and nothing kept on the records."""

from __future__ import annotations

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.api import render
from pytest_ecs_events.api.speedups.json_output import Rendered
from pytest_ecs_events.api.speedups.render_cache import RenderCache
from pytest_ecs_events.core.models import SystemEvent


def sim_with_events() -> EcsSimulator:
    sim = EcsSimulator(now="2024-05-01T00:00:00Z", instances=["i-1", "i-2"], seed=3)
    sim.create_events("SystemMaintenance.Reboot", ["i-1", "i-2"], "+1h")
    return sim


def test_a_rendering_is_kept_until_the_event_changes() -> None:
    sim = sim_with_events()
    cache = RenderCache()
    events = sim.events()
    catalog = sim.simulation.catalog
    first = cache.history_events(events, catalog)
    assert all(type(r) is Rendered for r in first)
    assert first == [render.history_event(e, catalog) for e in events]
    again = cache.history_events(events, catalog)
    assert all(a is b for a, b in zip(first, again, strict=True))
    sim.advance("2h")  # both events change state
    after = cache.history_events(events, catalog)
    assert all(a is not b for a, b in zip(first, after, strict=True))
    assert after == [render.history_event(e, catalog) for e in events]


def test_each_kind_is_kept_apart() -> None:
    sim = sim_with_events()
    cache = RenderCache()
    (event, _) = sim.events()
    catalog = sim.simulation.catalog
    history = cache.history_events([event], catalog)[0]
    scheduled = cache.scheduled_events([event], catalog)[0]
    assert history == render.history_event(event, catalog)
    assert scheduled == render.scheduled_event(event, catalog)
    assert len(cache) == 2


def test_records_hold_no_api_cache() -> None:
    sim = sim_with_events()
    sim.call("DescribeInstanceHistoryEvents", RegionId=sim.region,
             **{"InstanceEventCycleStatus.1": "Scheduled"})  # fmt: skip
    assert not hasattr(SystemEvent, "rendered")
    assert len(sim.api._renderings) == 2  # the dispatcher holds them
