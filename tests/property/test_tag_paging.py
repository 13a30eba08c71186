"""ListTagResources pages: following NextToken returns each (resource, tag) pair exactly
once, whatever the tags and filters."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.simulator import EcsSimulator

R = "cn-hangzhou"
IDS = [f"i-bp1{n:017d}" for n in range(6)]

tag_sets = st.lists(
    st.dictionaries(
        st.sampled_from(["env", "team", "app", "k1", "k2"])
        | st.text("abc", min_size=1, max_size=4),
        st.text("xyz", max_size=3),
        max_size=20,
    ),
    min_size=len(IDS),
    max_size=len(IDS),
)


def _all_pages(sim: EcsSimulator, **params: Any) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    token = None
    while True:
        extra = {"NextToken": token} if token else {}
        body = sim.call("ListTagResources", RegionId=R, ResourceType="instance", **params, **extra)
        rows += [
            (r["ResourceId"], r["TagKey"], r["TagValue"])
            for r in body["TagResources"]["TagResource"]
        ]
        token = body["NextToken"]
        if not token:
            return rows


@settings(max_examples=40, deadline=None)
@given(tags=tag_sets, key=st.sampled_from(["env", "e*", "*a*", "k1"]))
def test_pages_hold_each_pair_once(tags: list[dict[str, str]], key: str) -> None:
    sim = EcsSimulator(now="2024-05-01T00:00:00Z", instances=IDS)
    for instance_id, mapping in zip(IDS, tags, strict=True):
        for n, (k, v) in enumerate(mapping.items(), start=1):
            pair = {"ResourceId.1": instance_id, f"Tag.{n}.Key": k, f"Tag.{n}.Value": v}
            sim.call("TagResources", RegionId=R, ResourceType="instance", **pair)
    expected = {(i, k, v) for i, mapping in zip(IDS, tags, strict=True) for k, v in mapping.items()}
    by_id = _all_pages(sim, **{f"ResourceId.{n}": i for n, i in enumerate(IDS, start=1)})
    assert len(by_id) == len(set(by_id))
    assert set(by_id) == expected

    filtered = _all_pages(sim, **{"TagFilter.1.TagKey": key})
    assert len(filtered) == len(set(filtered))
    wanted = {i for i, k, _ in expected if _like(key, k)}
    assert set(filtered) == {row for row in expected if row[0] in wanted}


def _like(pattern: str, key: str) -> bool:
    if pattern.startswith("*") and pattern.endswith("*"):
        return pattern[1:-1] in key
    if pattern.endswith("*"):
        return key.startswith(pattern[:-1])
    return key == pattern
