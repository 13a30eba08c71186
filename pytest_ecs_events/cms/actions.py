"""CloudMonitor's actions: the system-event queries and the event rules.

Every answer carries CloudMonitor's ``Code`` ("200"), ``Message`` and ``Success``, with
times in epoch milliseconds (the captured ``DescribeSystemEventHistogram`` sample). Errors
go through the shared dispatcher, which adds ``Success: false`` for this product.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from ..api.registry import ActionContext, action
from ..api.speedups.json_output import Rendered
from ..core.errors import EcsApiError
from ..core.event_rules import (
    MAX_PATTERN_VALUES,
    MAX_TARGETS_PER_KIND,
    TARGET_KINDS,
    EventPattern,
    EventRule,
    KeywordFilter,
    RuleTarget,
)
from .system_events import CmsSystemEvent, EventFilter, system_events

CMS = "cms"
#: DescribeSystemEventHistogram's number of buckets over the asked range (the captured
#: sample: 15 minutes in 30-second buckets, the first and last cut at the range's ends).
HISTOGRAM_BUCKETS = 30
#: The range the queries cover when StartTime / EndTime are left out (our choice).
DEFAULT_RANGE = timedelta(days=1)
_EPOCH_MS = re.compile(r"\s*\d{1,15}\s*")


def _ok(**fields: Any) -> dict[str, Any]:
    return {"Code": "200", "Message": "success", "Success": True, **fields}


def _invalid(name: str, detail: str) -> EcsApiError:
    return EcsApiError("InvalidParameterValue", f"Illegal parameters: {name} {detail}.", 400)


def _epoch_ms(ctx: ActionContext, name: str) -> datetime | None:
    value = ctx.params.text(name)
    if value is None:
        return None
    if not _EPOCH_MS.fullmatch(value):
        raise _invalid(name, f"must be a Unix time in milliseconds, got {value[:40]!r}")
    return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _filter(ctx: ActionContext, *, default_range: bool = False) -> EventFilter:
    p = ctx.params
    p.text("RegionId")  # accepted: CloudMonitor is one service for every region
    start = _epoch_ms(ctx, "StartTime")
    end = _epoch_ms(ctx, "EndTime")
    if default_range:
        end = end if end is not None else ctx.sim.now
        start = start if start is not None else end - DEFAULT_RANGE
    if start is not None and end is not None and end < start:
        raise _invalid("EndTime", "must not be before StartTime")
    return EventFilter(
        product=p.text("Product"),
        event_type=p.text("EventType"),
        name=p.text("Name"),
        level=p.text("Level"),
        status=p.text("Status"),
        group_id=p.text("GroupId"),
        search=p.text("SearchKeywords"),
        start=start,
        end=end,
    )


def _page(ctx: ActionContext, *, size_limit: int = 100) -> tuple[int, int]:
    p = ctx.params
    number = p.integer(
        "PageNumber", default=1, minimum=1, maximum=100_000_000, code="InvalidParameterValue"
    )
    size = p.integer(
        "PageSize", default=10, minimum=1, maximum=size_limit, code="InvalidParameterValue"
    )
    return number, size


def _event_fields(event: CmsSystemEvent) -> dict[str, Any]:
    return {
        "Content": event.content,
        "GroupId": event.group_id,
        "InstanceName": event.instance_name,
        "Level": event.level,
        "Name": event.name,
        "Product": event.product,
        "RegionId": event.region,
        "ResourceId": event.resource_id,
        "Status": event.status,
        "Time": event.time_ms,
    }


# -- the system-event queries ----------------------------------------------------------------
@action("DescribeSystemEventAttribute", product=CMS)
def describe_system_event_attribute(ctx: ActionContext) -> dict[str, Any]:
    events_filter = _filter(ctx)
    number, size = _page(ctx)
    events = system_events(ctx.sim)
    renderings = ctx.renderings

    def build() -> list[Rendered]:
        page = events_filter.select(events)[(number - 1) * size : number * size]
        return renderings.replaced("cms-attribute", page, _event_id, _attribute_fields)

    # The same list while no event changed: the page found in it last time is the page.
    rendered = renderings.derived("cms-attribute", events, (events_filter, number, size), build)
    return _ok(SystemEvents={"SystemEvent": list(rendered)})


def _event_id(event: CmsSystemEvent) -> str:
    return event.id


def _attribute_fields(event: CmsSystemEvent) -> dict[str, Any]:
    return {"Id": event.id, **_event_fields(event)}


@action("DescribeSystemEventCount", product=CMS)
def describe_system_event_count(ctx: ActionContext) -> dict[str, Any]:
    events_filter = _filter(ctx)
    events = system_events(ctx.sim)

    def build() -> list[dict[str, Any]]:
        groups: dict[tuple[str, str, str], list[CmsSystemEvent]] = {}
        for event in events_filter.select(events):  # newest first: a group's first is its latest
            groups.setdefault((event.product, event.name, event.resource_id), []).append(event)
        return [{**_event_fields(group[0]), "Num": len(group)} for group in groups.values()]

    # The same list while no event changed: the counts found in it last time are the counts
    # (each a Content JSON to encode again otherwise).
    counts = ctx.renderings.derived("cms-count", events, events_filter, build)
    return _ok(SystemEventCounts={"SystemEventCount": list(counts)})


@action("DescribeSystemEventHistogram", product=CMS)
def describe_system_event_histogram(ctx: ActionContext) -> dict[str, Any]:
    events_filter = _filter(ctx, default_range=True)
    assert events_filter.start is not None
    assert events_filter.end is not None
    start, end = _ms(events_filter.start), _ms(events_filter.end)
    events = system_events(ctx.sim)

    def build() -> Rendered:
        times = sorted(e.time_ms for e in events_filter.select(events))
        return Rendered({"SystemEventHistogram": histogram(start, end, times)})

    # The same list while no event changed: the buckets found in it last time, as JSON.
    buckets = ctx.renderings.derived("cms-histogram", events, events_filter, build)
    return _ok(SystemEventHistograms=buckets)


def histogram(start: int, end: int, times: list[int]) -> list[dict[str, int]]:
    """Buckets over ``[start, end]`` (epoch ms): each :data:`HISTOGRAM_BUCKETS`-th of the
    range, rounded up to a whole second, on boundaries that are multiples of that width
    (the first and last bucket cut at ``start`` and ``end``), as the capture shows.
    Each event counts in the bucket whose ``[StartTime, EndTime)`` holds it; the last
    bucket also holds ``end``. ``times`` is sorted."""
    if end <= start:
        return [{"EndTime": end, "StartTime": start, "Count": len(times)}]
    width = max(1000, math.ceil((end - start) / HISTOGRAM_BUCKETS / 1000) * 1000)
    edges = [start]
    edge = (start // width + 1) * width
    while edge < end:
        edges.append(edge)
        edge += width
    edges.append(end)
    # ``times`` is sorted: a bucket's count is the distance between two bisections (the
    # last bucket's upper bound is inclusive), not a pass over every time per bucket.
    buckets = []
    for low, high in itertools.pairwise(edges):
        upper = bisect.bisect_right(times, end) if high == end else bisect.bisect_left(times, high)
        count = upper - bisect.bisect_left(times, low)
        buckets.append({"EndTime": high, "StartTime": low, "Count": count})
    return buckets


# -- the event rules -----------------------------------------------------------------------------
def _pattern_lists(ctx: ActionContext, prefix: str, name: str) -> tuple[str, ...]:
    values = ctx.params.items(
        f"{prefix}.{name}", limit=MAX_PATTERN_VALUES, limit_code="InvalidParameterValue"
    )
    return tuple(values)


def _patterns(ctx: ActionContext) -> list[EventPattern]:
    indexes = list(ctx.params.structs("EventPattern"))
    if len(indexes) > MAX_PATTERN_VALUES:
        raise _invalid("EventPattern", f"takes at most {MAX_PATTERN_VALUES} patterns")
    patterns = []
    for index in indexes:
        prefix = f"EventPattern.{index}"
        product = ctx.params.text(f"{prefix}.Product")
        if product is None:
            raise EcsApiError(
                "MissingParameter", f"{prefix}.Product is mandatory for this action.", 400
            )
        keywords = _pattern_lists(ctx, prefix, "KeywordFilter.Keywords")
        relation = ctx.params.text(f"{prefix}.KeywordFilter.Relation")
        keyword_filter = KeywordFilter(keywords, relation or "OR") if keywords or relation else None
        patterns.append(
            EventPattern(
                product=product,
                event_type_list=_pattern_lists(ctx, prefix, "EventTypeList"),
                level_list=_pattern_lists(ctx, prefix, "LevelList"),
                name_list=_pattern_lists(ctx, prefix, "NameList"),
                status_list=_pattern_lists(ctx, prefix, "StatusList"),
                keyword_filter=keyword_filter,
                custom_filters=ctx.params.text(f"{prefix}.CustomFilters") or "",
                sql_filter=ctx.params.text(f"{prefix}.SQLFilter") or "",
            )
        )
    if not patterns:
        raise EcsApiError(
            "MissingParameter", "EventPattern.1.Product is mandatory for this action.", 400
        )
    return patterns


@action("PutEventRule", product=CMS)
def put_event_rule(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    p.text("RegionId")
    name = p.required("RuleName", max_length=256)
    patterns = _patterns(ctx)
    silence = p.text("SilenceTime")
    if silence is not None and not re.fullmatch(r"\s*\d{1,12}\s*", silence):
        raise _invalid("SilenceTime", f"must be a number of seconds, got {silence[:40]!r}")
    ctx.sim.event_rules.put(
        name,
        patterns,
        state=p.text("State"),
        description=p.text("Description"),
        silence_time=int(silence) if silence is not None else None,
        group_id=p.text("GroupId"),
        event_type=p.text("EventType"),
    )
    return _ok(Data="1")


def _targets(ctx: ActionContext) -> list[RuleTarget]:
    raw = ctx.params.raw
    targets: list[RuleTarget] = []
    for kind, fields in TARGET_KINDS.items():
        indexes = list(ctx.params.structs(kind))
        if len(indexes) > MAX_TARGETS_PER_KIND:
            raise _invalid(kind, f"takes at most {MAX_TARGETS_PER_KIND} targets")
        for index in indexes:
            values = {f: raw.get(f"{kind}.{index}.{f}", "") for f in fields}
            if not values["Id"]:
                raise EcsApiError(
                    "MissingParameter", f"{kind}.{index}.Id is mandatory for this action.", 400
                )
            if kind == "MnsParameters":
                if not values["Region"]:
                    raise EcsApiError(
                        "MissingParameter", f"{kind}.{index}.Region is mandatory.", 400
                    )
                if not (values["Queue"] or values["Topic"]):
                    raise EcsApiError(
                        "MissingParameter", f"{kind}.{index}.Queue (or Topic) is mandatory.", 400
                    )
            if kind == "WebhookParameters" and not values["Url"]:
                raise EcsApiError("MissingParameter", f"{kind}.{index}.Url is mandatory.", 400)
            kept = {f: v for f, v in values.items() if f != "Id" and v}
            targets.append(RuleTarget(kind, values["Id"], kept))
    return targets


@action("PutEventRuleTargets", product=CMS)
def put_event_rule_targets(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    p.text("RegionId")
    name = p.required("RuleName", max_length=256)
    targets = _targets(ctx)
    if not targets:
        raise EcsApiError(
            "MissingParameter",
            "At least one target (MnsParameters.N, WebhookParameters.N, ContactParameters.N, "
            "FcParameters.N, SlsParameters.N or OpenApiParameters.N) is mandatory.",
            400,
        )
    ctx.sim.event_rules.put_targets(name, targets)
    return _ok(FailedParameterCount="0")


def _listed(values: tuple[str, ...], key: str) -> dict[str, list[str]]:
    return {key: list(values)}


def _render_rule(rule: EventRule) -> dict[str, Any]:
    patterns = []
    for pattern in rule.patterns:
        rendered: dict[str, Any] = {
            "Product": pattern.product,
            "EventTypeList": _listed(pattern.event_type_list, "EventTypeList"),
            "LevelList": _listed(pattern.level_list, "LevelList"),
            "NameList": _listed(pattern.name_list, "NameList"),
            "CustomFilters": pattern.custom_filters,
            "SQLFilter": pattern.sql_filter,
        }
        if pattern.keyword_filter is not None:
            rendered["KeywordFilter"] = {
                "Keywords": {"Keywords": list(pattern.keyword_filter.keywords)},
                "Relation": pattern.keyword_filter.relation,
            }
        patterns.append(rendered)
    return {
        "Name": rule.name,
        "Description": rule.description,
        "EventType": rule.event_type,
        "GroupId": rule.group_id,
        "SilenceTime": rule.silence_time,
        "State": rule.state,
        "EventPattern": {"EventPattern": patterns},
    }


@action("DescribeEventRuleList", product=CMS)
def describe_event_rule_list(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    p.text("RegionId")
    prefix = p.text("NamePrefix") or ""
    group = p.text("GroupId")
    enabled = p.text("IsEnable")
    if enabled is not None and enabled.lower() not in ("true", "false"):
        raise _invalid("IsEnable", f"must be true or false, got {enabled[:40]!r}")
    number, size = _page(ctx, size_limit=100_000)
    rules = [
        r
        for r in ctx.sim.event_rules.rules()
        if r.name.startswith(prefix)
        and (group is None or r.group_id == group)
        and (enabled is None or r.enabled == (enabled.lower() == "true"))
    ]
    page = rules[(number - 1) * size : number * size]
    return _ok(Total=len(rules), EventRules={"EventRule": [_render_rule(r) for r in page]})


def _target_arn(ctx: ActionContext, target: RuleTarget) -> str:
    fields = target.fields
    region = fields.get("Region", ctx.sim.config.region)
    account = ctx.sim.config.account_id
    if target.kind == "MnsParameters":
        if fields.get("Queue"):
            return f"acs:mns:{region}:{account}:/queues/{fields['Queue']}/messages"
        return f"acs:mns:{region}:{account}:/topics/{fields.get('Topic', '')}/messages"
    if target.kind == "FcParameters":
        return (
            f"acs:fc:{region}:{account}:services/{fields.get('ServiceName', '')}"
            f"/functions/{fields.get('FunctionName', '')}"
        )
    if target.kind == "SlsParameters":
        return (
            f"acs:log:{region}:{account}:project/{fields.get('Project', '')}"
            f"/logstore/{fields.get('LogStore', '')}"
        )
    return fields.get("Arn", "")


#: DescribeEventRuleTargetList's key of each kind's list, and of its items.
_TARGET_LISTS = {
    "MnsParameters": "MnsParameter",
    "WebhookParameters": "WebhookParameter",
    "ContactParameters": "ContactParameter",
    "FcParameters": "FCParameter",
    "SlsParameters": "SlsParameter",
    "OpenApiParameters": "OpenApiParameters",
}
#: The fields each kind shows (the response model's), besides Id.
_TARGET_FIELDS = {
    "MnsParameters": ("Arn", "Queue", "Region", "Topic"),
    "WebhookParameters": ("Method", "Protocol", "Url"),
    "ContactParameters": ("ContactGroupName", "Level"),
    "FcParameters": ("Arn", "FunctionName", "Region", "ServiceName"),
    "SlsParameters": ("Arn", "LogStore", "Project", "Region"),
    "OpenApiParameters": ("Action", "Arn", "Product", "Region", "Role", "Version"),
}


@action("DescribeEventRuleTargetList", product=CMS)
def describe_event_rule_target_list(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    p.text("RegionId")
    name = p.required("RuleName", max_length=256)
    rule = ctx.sim.event_rules.require(name)
    body: dict[str, Any] = {"Code": "200", "Message": "success"}
    for kind, item in _TARGET_LISTS.items():
        rendered = []
        for target in rule.targets_of(kind):
            values = {**target.fields, "Arn": _target_arn(ctx, target)}
            shown = {f: values.get(f, "") for f in _TARGET_FIELDS[kind]}
            rendered.append({"Id": target.id, **shown})
        body[kind] = {item: rendered}
    return body


def _rule_names(ctx: ActionContext) -> list[str]:
    return ctx.params.items(
        "RuleNames", limit=100, limit_code="InvalidParameterValue", required=True
    )


@action("DeleteEventRules", product=CMS)
def delete_event_rules(ctx: ActionContext) -> dict[str, Any]:
    ctx.sim.event_rules.delete(_rule_names(ctx))
    return _ok()


@action("DeleteEventRuleTargets", product=CMS)
def delete_event_rule_targets(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    p.text("RegionId")
    name = p.required("RuleName", max_length=256)
    ids = p.items("Ids", limit=100, limit_code="InvalidParameterValue", required=True)
    ctx.sim.event_rules.delete_targets(name, ids)
    return _ok()


@action("EnableEventRules", product=CMS)
def enable_event_rules(ctx: ActionContext) -> dict[str, Any]:
    ctx.params.text("RegionId")
    ctx.sim.event_rules.set_state(_rule_names(ctx), "ENABLED")
    return _ok()


@action("DisableEventRules", product=CMS)
def disable_event_rules(ctx: ActionContext) -> dict[str, Any]:
    ctx.params.text("RegionId")
    ctx.sim.event_rules.set_state(_rule_names(ctx), "DISABLED")
    return _ok()
