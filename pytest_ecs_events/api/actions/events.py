"""System-event actions: create/cancel drills, history, full status, accept, reschedule."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from ...core.catalog import ACTIVE_STATES, FINAL_STATES, EventState
from ...core.models import Instance, SystemEvent
from ...core.simulation import Simulation
from ...core.store import Store
from ..paging import page_request, take_page
from ..params import Params
from ..registry import ActionContext, Query, action, query_action
from ..render import health, instance_status
from ..speedups.answer_cache import LastPage
from .common import has_tags, instances_in_region

#: Finished events can be queried for the last 30 days (ECS documentation).
HISTORY_RETENTION = timedelta(days=30)
EVENT_TYPE_LIMIT = 30
#: ``InstanceEventCycleStatus.N``: N from 1 to 7 (the new SDK's request model).
STATUS_LIMIT = 7


@action(
    "CreateSimulatedSystemEvents",
    MissingParameter=404,
    InvalidParameter=403,
    InstanceIdLimitExceeded=403,
)
def create_simulated_system_events(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    event_type = p.required("EventType")
    not_before = p.time("NotBefore", required=True)
    assert not_before is not None
    ids = p.items("InstanceId", limit=ctx.sim.config.max_ids_per_call,
                  limit_code="InstanceIdLimitExceeded", required=True)  # fmt: skip
    if p.flag("TriggerRealOps"):
        raise p.invalid(
            "TriggerRealOps",
            "the simulator never performs real operations; drills with TriggerRealOps=true "
            "stop or release real instances",
        )
    events = ctx.sim.create_simulated_events(event_type, ids, not_before, region=region)
    return {"EventIdSet": {"EventId": [e.event_id for e in events]}}


@action("CancelSimulatedSystemEvents", MissingParameter=404, InvalidParameter=403)
def cancel_simulated_system_events(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    ids = p.items("EventId", limit=ctx.sim.config.max_ids_per_call,
                  limit_code="EventIdLimitExceeded", limit_status=400, required=True)  # fmt: skip
    ctx.sim.cancel_simulated_events(ids, region=region)
    return {}


def _list_or_single(p: Params, list_name: str, single: str, limit: int) -> list[str]:
    """A filter given as ``<list_name>.N`` or as the single ``single``; the list wins."""
    values = p.items(list_name, limit=limit)
    if values:
        return values
    one = p.text(single)
    return [one] if one is not None else []


def _event_types(ctx: ActionContext) -> set[str] | None:
    names = _list_or_single(ctx.params, "InstanceEventType", "EventType", EVENT_TYPE_LIMIT)
    for name in names:
        if name not in ctx.sim.catalog.event_types:
            field = "EventType" if ctx.params.text("EventType") == name else "InstanceEventType"
            raise ctx.params.invalid(field, f"unknown event type {name!r}")
    return set(names) or None


def _states(ctx: ActionContext) -> set[EventState] | None:
    names = _list_or_single(
        ctx.params, "InstanceEventCycleStatus", "EventCycleStatus", STATUS_LIMIT
    )
    states = set()
    for name in names:
        try:
            states.add(EventState(name))
        except ValueError:
            allowed = ", ".join(s.value for s in EventState)
            raise ctx.params.invalid(
                "EventCycleStatus", f"expected one of {allowed}, got {name!r}"
            ) from None
    return states or None


def _in_range(value: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    if start is None and end is None:
        return True
    if value is None:
        return False
    return (start is None or value >= start) and (end is None or value <= end)


def _event_filter(
    ctx: ActionContext, *, types: set[str] | None
) -> Callable[[SystemEvent], bool] | None:
    """The filters both describe actions share: time ranges and types (None: no filter)."""
    nb_start, nb_end = ctx.params.time_range("NotBefore")
    pub_start, pub_end = ctx.params.time_range("EventPublishTime")
    if types is None and nb_start is nb_end is pub_start is pub_end is None:
        return None

    def keep(event: SystemEvent) -> bool:
        return (
            (types is None or event.event_type in types)
            and _in_range(event.not_before, nb_start, nb_end)
            and _in_range(event.publish_time, pub_start, pub_end)
        )

    return keep


def _tag_filter(ctx: ActionContext) -> Callable[[Instance | None], bool] | None:
    tags = ctx.params.tags()
    if not tags:
        return None

    return lambda instance: has_tags(instance, tags)


@query_action(
    "DescribeInstanceHistoryEvents",
    MissingParameter=404,
    InvalidParameter=403,
    EventIdLimitExceeded=403,
)
def describe_instance_history_events(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    event_ids = p.items("EventId", limit=100, limit_code="EventIdLimitExceeded")
    resource_ids = p.items("ResourceId", limit=100)  # wins over InstanceId
    if not resource_ids and (single := p.text("InstanceId")) is not None:
        resource_ids = [single]
    resource_type = p.choice("ResourceType", ("instance", "ddh", "managedhost"),
                             default="instance")  # fmt: skip
    types = _event_types(ctx)
    states = _states(ctx)
    wanted = frozenset(states if states is not None else FINAL_STATES)
    impact = p.text("ImpactLevel")
    p.text("ResourceGroupId")  # accepted; simulated instances have no resource group
    page = page_request(p, default_size=10, max_size=100, tokens=True, positive_results=True)
    # NextToken only when the caller pages with tokens: the captures paged by PageNumber
    # have none (tests/data/samples/DescribeInstanceHistoryEvents*.json).
    with_token = page.token_mode
    event_filter = _event_filter(ctx, types=types)
    tag_filter = _tag_filter(ctx)
    by_state_only = (
        not event_ids and not resource_ids and impact is None and event_filter is None
        and tag_filter is None
    )  # fmt: skip

    if resource_type != "instance":
        empty = {**page.fields(0, with_token=with_token), "InstanceSystemEventSet": {
            "InstanceSystemEventType": []}}  # fmt: skip
        return lambda sim: empty

    last = LastPage()
    renderings = ctx.renderings

    def query(sim: Simulation) -> dict[str, Any]:
        store = sim.store
        now = sim.now
        if by_state_only and _none_expired(store, wanted, now):
            # The common poll: the counters give the total, and the page is the first
            # events of those states, newest first.
            total = store.count(wanted, region=region)
            items = _newest(store, wanted, region, page.offset, page.size)
        else:
            cutoff = now - HISTORY_RETENTION
            items, total = take_page(candidates(store), keep_for(store, cutoff), page)
        rendered = renderings.history_events(items, sim.catalog)
        unchanged = last.get(total, rendered)
        if unchanged is not None:
            return unchanged
        return last.keep(total, rendered, {
            **page.fields(total, with_token=with_token),
            "InstanceSystemEventSet": {"InstanceSystemEventType": rendered},
        })  # fmt: skip

    def candidates(store: Store) -> Iterable[SystemEvent]:
        if event_ids:
            found = (store.events.get(i) for i in dict.fromkeys(event_ids))
            return sorted((e for e in found if e is not None), key=lambda e: -e.seq)
        if resource_ids:
            return sorted(
                (e for i in dict.fromkeys(resource_ids) for e in store.events_of_instance(i)),
                key=lambda e: -e.seq,
            )
        return store.newest_first()

    def keep_for(store: Store, cutoff: datetime) -> Callable[[SystemEvent], bool]:
        def keep(event: SystemEvent) -> bool:
            if event.region != region or event.state not in wanted:
                return False
            if (
                event.state in FINAL_STATES
                and event.finish_time is not None
                and event.finish_time < cutoff
            ):
                return False
            if impact is not None and event.impact_level != impact:
                return False
            if event_filter is not None and not event_filter(event):
                return False
            return tag_filter is None or tag_filter(store.instances.get(event.instance_id))

        return keep

    return query


def _none_expired(store: Store, states: frozenset[EventState], now: datetime) -> bool:
    """True if no finished event in ``states`` is past retention (counters are exact then).

    Events enter a final state in time order, so the first of each state's index is the
    oldest, and nothing finished before the store's first finish.
    """
    first = store.first_finish
    if first is None or now - first <= HISTORY_RETENTION:
        return True
    cutoff = now - HISTORY_RETENTION
    for state in states & FINAL_STATES:
        oldest = store.first_in_state(state)
        if oldest is not None and oldest.finish_time is not None and oldest.finish_time < cutoff:
            return False
    return True


def _newest(
    store: Store, states: frozenset[EventState], region: str, offset: int, size: int
) -> list[SystemEvent]:
    """Events ``offset`` to ``offset + size`` of ``states`` in ``region``, newest first: the
    counted poll's page, where the total is known and the walk stops once the page is full
    (:func:`~..paging.take_page` counts every match)."""
    items: list[SystemEvent] = []
    # A plain loop, not islice over a generator: this is the poll's inner loop
    # (docs/performance.md, "What makes the hot path fast").
    for event in store.newest_first():
        if event.state in states and event.region == region:
            if offset:
                offset -= 1
                continue
            items.append(event)
            if len(items) == size:
                break
    return items


@query_action(
    "DescribeInstancesFullStatus",
    MissingParameter=404,
    InvalidParameter=403,
    InstanceIdLimitExceeded=403,
    EventIdLimitExceeded=403,
)
def describe_instances_full_status(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    instance_ids = p.items("InstanceId", limit=100, limit_code="InstanceIdLimitExceeded")
    event_ids = frozenset(p.items("EventId", limit=100, limit_code="EventIdLimitExceeded"))
    status = p.choice("Status", ("Starting", "Running", "Stopped"))
    health_filter = p.choice("HealthStatus", tuple(ctx.sim.catalog.health_codes))
    types = _event_types(ctx)
    event_filter = _event_filter(ctx, types=types)
    page = page_request(p, default_size=10, max_size=100)
    filters_events = bool(event_ids) or event_filter is not None
    renderings = ctx.renderings

    def query(sim: Simulation) -> dict[str, Any]:
        store = sim.store
        candidates = instances_in_region(sim, region, instance_ids)
        rows: dict[str, tuple[list[SystemEvent], str]] = {}

        def keep(instance: Instance) -> bool:
            if status is not None and instance.status.value != status:
                return False
            events = store.events_of_instance(instance.instance_id)
            scheduled = [
                e for e in events
                if e.state is EventState.Scheduled
                and (not event_ids or e.event_id in event_ids)
                and (event_filter is None or event_filter(e))
            ]  # fmt: skip
            if filters_events and not scheduled:
                return False
            active = [e for e in events if e.state in ACTIVE_STATES]
            name = health(instance, scheduled, active)
            if health_filter is not None and name != health_filter:
                return False
            rows[instance.instance_id] = (scheduled, name)
            return True

        items, total = take_page(candidates, keep, page)
        catalog = sim.catalog
        return {
            **page.fields(total, with_token=False),
            # The real answer carries an empty NextToken although the action pages by
            # PageNumber only (tests/data/samples/DescribeInstancesFullStatus_empty.json).
            "NextToken": "",
            "InstanceFullStatusSet": {
                "InstanceFullStatusType": [
                    {
                        "InstanceId": i.instance_id,
                        "Status": instance_status(i, catalog),
                        "HealthStatus": {
                            "Code": catalog.health_code(rows[i.instance_id][1]),
                            "Name": rows[i.instance_id][1],
                        },
                        "ScheduledSystemEventSet": {
                            "ScheduledSystemEventType": renderings.scheduled_events(
                                rows[i.instance_id][0], catalog
                            )
                        },
                    }
                    for i in items
                ]
            },
        }

    return query


@action("AcceptInquiredSystemEvent")
def accept_inquired_system_event(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    event_id = p.required("EventId")
    p.text("Choice")
    ctx.sim.accept_inquired_event(event_id, region=region)
    return {}


@action("ModifySystemEventAttribute")
def modify_system_event_attribute(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    event_id = p.required("EventId")
    instance_id = p.required("InstanceId")
    not_before = p.time("NotBefore", required=True)
    assert not_before is not None
    ctx.sim.reschedule_event(event_id, instance_id, not_before, region=region)
    return {}
