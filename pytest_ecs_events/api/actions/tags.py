"""Tag actions: TagResources, UntagResources, ListTagResources, DescribeTags.

The rules of a change (key and value syntax, limits, all-or-nothing) are in
``core/tagging.py``; this module reads the parameters, in the tag service's own error codes
(``MissingParameter.ResourceType`` 404, ``NumberExceed.Tags`` 400...), and renders the lists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from ...core import tagging
from ...core.errors import EcsApiError
from ...core.lazy import pattern_on_first_use
from ...core.simulation import Simulation
from ..paging import page_request
from ..params import Params
from ..registry import ActionContext, Query, action, query_action

_VALUE_FIELD = pattern_on_first_use(r"TagValues\.[0-9]{1,9}")
_TOKEN = pattern_on_first_use(r"[0-9a-f]{32}")
#: Rows of a ListTagResources page (the action has no page-size parameter; our choice).
LIST_PAGE_SIZE = 50
#: The Tag.N pair that selects a resource group instead of a tag (ListTagResources).
RESOURCE_GROUP_KEY = "acs:rm:rgId"
#: ListTagResources' TagFilter.N and TagFilter.N.TagValues.N: at most 5 each.
MAX_FILTERS = 5
#: DescribeTags' ResourceTypeCount members, by resource type.
_COUNT_NAMES = {
    "ddh": "Ddh", "disk": "Disk", "eni": "Eni", "image": "Image", "instance": "Instance",
    "keypair": "KeyPair", "launchtemplate": "LaunchTemplate",
    "reservedinstance": "ReservedInstance", "securitygroup": "Securitygroup",
    "snapshot": "Snapshot", "snapshotpolicy": "SnapshotPolicy", "volume": "Volume",
}  # fmt: skip

Pairs = list[tuple[str | None, str | None]]


def read_tags(p: Params) -> Pairs:
    """Every ``Tag.N.Key`` / ``Tag.N.Value`` in index order, as given (None when absent)."""
    return [
        (entry.get("Key"), entry.get("Value"))
        for entry in p.structs("Tag").values()
        if "Key" in entry or "Value" in entry
    ]


def read_tag_filters(p: Params) -> list[tuple[str | None, list[str]]]:
    """Every ``TagFilter.N.TagKey`` with its ``TagFilter.N.TagValues.M``, in index order."""
    filters: list[tuple[str | None, list[str]]] = []
    for entry in p.structs("TagFilter").values():
        values = sorted(
            (int(field[len("TagValues.") :]), value)
            for field, value in entry.items()
            if _VALUE_FIELD().fullmatch(field) and value != ""
        )
        if "TagKey" in entry or values:
            filters.append((entry.get("TagKey") or None, [v for _, v in values]))
    return filters


def _region(ctx: ActionContext) -> str:
    region = ctx.params.text("RegionId")
    if region is None:
        raise EcsApiError(
            "MissingParameter.RegionId", "The parameter - RegionId should not be null", 404
        )
    return ctx.known_region(region)


def _resource_type(p: Params) -> str:
    resource_type = p.text("ResourceType")
    if resource_type is None:
        raise EcsApiError(
            "MissingParameter.ResourceType", "The parameter - ResourceType should not be null", 404
        )
    return tagging.check_resource_type(resource_type)


def _resource_ids(p: Params, *, required: bool) -> list[str]:
    ids = p.items(
        "ResourceId", limit=tagging.MAX_RESOURCE_IDS,
        limit_code="NumberExceed.ResourceIds", limit_status=400,
    )  # fmt: skip
    if required and not ids:
        raise EcsApiError(
            "MissingParameter.ResourceIds", "The parameter - ResourceIds.N should not be null", 404
        )
    return ids


@action("TagResources")
def tag_resources(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = _region(ctx)
    resource_type = _resource_type(p)
    ids = _resource_ids(p, required=True)
    pairs = read_tags(p)
    if not pairs:
        raise EcsApiError("MissingParameter.Tags", "The parameter - Tags should not be null", 404)
    checked: list[tuple[str, str]] = []
    for key, value in pairs:
        if key is None:
            raise EcsApiError(
                "InvalidTag.Mismatch", "The specified Tag.n.Key and Tag.n.Value are not match.", 400
            )
        checked.append((key, value or ""))
    tags = tagging.check_new_tags(checked)
    ctx.sim.tag_resources(resource_type, ids, tags, region=region)
    return {}


@action("UntagResources")
def untag_resources(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = _region(ctx)
    resource_type = _resource_type(p)
    ids = _resource_ids(p, required=True)
    keys = p.items(
        "TagKey", limit=tagging.MAX_TAGS_PER_CALL, limit_code="NumberExceed.Tags", limit_status=400
    )
    remove_all = p.flag("All")
    if keys and remove_all:
        raise EcsApiError(
            "Param.Conflict", "The specified all is true, but the specified TagKey.N is not empty.",
            403,
        )  # fmt: skip
    if not keys and not remove_all:
        raise EcsApiError("MissingParameter.Tags", "The parameter - Tags should not be null", 404)
    ctx.sim.untag_resources(
        resource_type, ids, None if remove_all else tagging.check_keys(keys), region=region
    )
    return {}


# ------------------------------------------------------------------------ ListTagResources
Match = Callable[[Mapping[str, str], str], bool]


def _pattern(text: str) -> Callable[[str], bool]:
    """``env*`` (prefix), ``*env*`` (infix), ``*env`` (suffix, our choice) or ``env``."""
    if len(text) >= 2 and text.startswith("*") and text.endswith("*"):
        inner = text[1:-1]
        return lambda s: inner in s
    if text.endswith("*"):
        prefix = text[:-1]
        return lambda s: s.startswith(prefix)
    if text.startswith("*"):
        suffix = text[1:]
        return lambda s: s.endswith(suffix)
    return lambda s: s == text


def _exact_filter(p: Params) -> list[Match]:
    pairs = [(k, v) for k, v in read_tags(p) if k or v]
    if len(pairs) > tagging.MAX_TAGS_PER_CALL:
        raise EcsApiError("NumberExceed.Tags", tagging.MSG_TOO_MANY_TAGS, 400)
    keys = [k for k, _ in pairs]
    if any(k is None for k in keys):
        raise EcsApiError(
            "InvalidParameter.TagValue", "A Tag.N.Value was given without its Tag.N.Key.", 400
        )
    if len(set(keys)) != len(keys):
        raise EcsApiError("Duplicate.TagKey", tagging.MSG_DUPLICATE, 400)
    matches: list[Match] = []
    for key, value in pairs:
        assert key is not None
        if key == RESOURCE_GROUP_KEY:
            if len(pairs) > 1:
                raise EcsApiError(
                    "InvalidTag.NotSupported",
                    "You can only specify Tag for either resource tag or resource group.",
                    400,
                )
            if not value:
                raise EcsApiError(
                    "InvalidDefaultResourceGroup.NotSupported",
                    "The specified parameter Tag is not support for default resource group.",
                    400,
                )
            matches.append(_in_group(value))
        else:
            matches.append(_has_tag(key, value))
    return matches


def _in_group(group_id: str) -> Match:
    return lambda _tags, group: group == group_id


def _has_tag(key: str, value: str | None) -> Match:
    if value is None:
        return lambda tags, _group: key in tags
    return lambda tags, _group: tags.get(key) == value


def _value_like(key: str, values: list[str]) -> Match:
    tests = [_pattern(v) for v in values]
    return lambda tags, _group: key in tags and any(test(tags[key]) for test in tests)


def _key_like(pattern: str) -> Match:
    test = _pattern(pattern)
    return lambda tags, _group: any(test(key) for key in tags)


def _fuzzy_filter(p: Params) -> list[Match]:
    filters = read_tag_filters(p)
    if len(filters) > MAX_FILTERS or any(key is None for key, _ in filters):
        raise EcsApiError(
            "InvalidTagFilter.Malformed", "The specified TagFilter is not valid.", 403
        )
    matches: list[Match] = []
    for key, values in filters:
        assert key is not None
        if len(values) > MAX_FILTERS:
            raise EcsApiError(
                "NumberExceed.TagValues",
                "The number of the specified TagValues is beyond permitted range, the max is 5.",
                403,
            )
        matches.append(_value_like(key, values) if values else _key_like(key))
    return matches


@query_action("ListTagResources")
def list_tag_resources(ctx: ActionContext) -> Query:
    p = ctx.params
    region = _region(ctx)
    resource_type = _resource_type(p)
    ids = _resource_ids(p, required=False)
    exact = _exact_filter(p)
    fuzzy = _fuzzy_filter(p)
    if exact and fuzzy:
        raise EcsApiError(
            "InvalidTags.MalFormed",
            "The tags must be empty, when the tagFilters is not empty.",
            400,
        )
    if not (ids or exact or fuzzy):
        raise EcsApiError(
            "BothEmpty.TagsAndResources",
            "The specified Tags and ResourcesIds are not allow to both empty.",
            403,
        )
    token = p.text("NextToken")
    if token is not None and not _TOKEN().fullmatch(token):
        raise EcsApiError("Invalid.NextToken", "The specified NextToken is not valid.", 403)
    offset = int(token, 16) if token is not None else 0
    wanted = set(ids)
    tests = exact or fuzzy
    last: list[dict[str, Any]] = [{}]

    def query(sim: Simulation) -> dict[str, Any]:
        rows: list[dict[str, str]] = []
        with sim.lock:
            for resource_id, resource in tagging.all_resources(sim.store, resource_type):
                if resource.region != region or (wanted and resource_id not in wanted):
                    continue
                tags = resource.tags
                group = str(getattr(resource, "resource_group_id", ""))
                if not all(test(tags, group) for test in tests):
                    continue
                rows += [
                    {"ResourceType": resource_type, "ResourceId": resource_id,
                     "TagKey": key, "TagValue": value}
                    for key, value in tags.items()
                ]  # fmt: skip
        end = offset + LIST_PAGE_SIZE
        body = {
            "TagResources": {"TagResource": rows[offset:end]},
            "NextToken": format(end, "032x") if end < len(rows) else "",
        }
        # The same page as last time: the same body object, so its JSON is kept
        # (speedups/answer_cache.py). Equal bodies are built in the same key order (rows
        # are compared in order), so they encode to the same bytes.
        if body == last[0]:
            return last[0]
        last[0] = body
        return body

    return query


# ---------------------------------------------------------------------------- DescribeTags
@query_action("DescribeTags")
def describe_tags(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    resource_type = p.text("ResourceType")
    if resource_type is not None:
        tagging.check_resource_type(resource_type)
    resource_id = p.text("ResourceId")
    tags = p.tags(limit=tagging.MAX_TAGS_PER_CALL)
    category = p.choice("Category", ("Custom", "System"))
    page = page_request(p, default_size=50, max_size=100)
    types = (resource_type,) if resource_type is not None else tagging.SIMULATED_TYPES

    def query(sim: Simulation) -> dict[str, Any]:
        counts: dict[tuple[str, str], Counter[str]] = {}
        if category != "System":  # every tag a test or a handler adds is a custom tag
            with sim.lock:
                for kind in types:
                    for rid, resource in tagging.all_resources(sim.store, kind):
                        if resource.region != region or resource_id not in (None, rid):
                            continue
                        for pair in resource.tags.items():
                            if _selected(pair, tags):
                                counts.setdefault(pair, Counter())[kind] += 1
        pairs = sorted(counts)
        start = page.offset
        shown = pairs[start : start + page.size]
        return {
            "Tags": {
                "Tag": [
                    {
                        "TagKey": key,
                        "TagValue": value,
                        "ResourceTypeCount": {
                            name: counts[(key, value)][kind] for kind, name in _COUNT_NAMES.items()
                        },
                    }
                    for key, value in shown
                ]
            },
            **page.fields(len(pairs), with_token=False),
        }

    return query


def _selected(pair: tuple[str, str], wanted: list[tuple[str, str | None]]) -> bool:
    """A tag DescribeTags shows: no Tag.N, or one whose key (and value, if given) it matches."""
    if not wanted:
        return True
    key, value = pair
    return any(key == k and (v is None or value == v) for k, v in wanted)
