"""Hypothesis: the CloudMonitor pattern matcher and the system-event query filters."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pytest_ecs_events.cms.system_events import keywords_match
from pytest_ecs_events.core.event_rules import EventPattern, pattern_matches

LEVELS = st.sampled_from(["CRITICAL", "WARN", "INFO"])
STATES = st.sampled_from(["Scheduled", "Executing", "Executed", "Canceled"])
TYPES = st.sampled_from(["SystemMaintenance.Reboot", "SystemFailure.Reboot"])
WORD = st.text(alphabet="abcxyz", min_size=1, max_size=4)


@st.composite
def payloads(draw: Any) -> dict[str, Any]:
    return {
        "product": draw(st.sampled_from(["ECS", "ecs", "RDS"])),
        "level": draw(LEVELS),
        "name": f"Instance:{draw(TYPES)}:{draw(STATES)}",
        "content": {"instanceId": "i-1"},
    }


@given(payloads(), st.lists(LEVELS, max_size=3), st.lists(STATES, max_size=3))
def test_the_matcher_is_the_conjunction_of_its_lists(
    payload: dict[str, Any], levels: list[str], states: list[str]
) -> None:
    pattern = EventPattern("ecs", level_list=tuple(levels), status_list=tuple(states))
    expected = (
        payload["product"].lower() == "ecs"
        and (not levels or payload["level"] in levels)
        and (not states or payload["name"].rsplit(":", 1)[1] in states)
    )
    assert pattern_matches(pattern, payload) is expected


@given(payloads())
def test_a_bare_product_pattern_matches_every_event_of_that_product(
    payload: dict[str, Any],
) -> None:
    assert pattern_matches(EventPattern(payload["product"].upper()), payload)
    assert pattern_matches(EventPattern("ecs", level_list=("*",)), payload) is (
        payload["product"].lower() == "ecs"
    )


@given(st.lists(WORD, min_size=1, max_size=5), st.lists(WORD, min_size=1, max_size=3))
def test_search_keywords_and_or(words: list[str], query: list[str]) -> None:
    text = " ".join(words)
    assert keywords_match(text, " and ".join(query)) is all(q in text for q in query)
    assert keywords_match(text, " or ".join(query)) is any(q in text for q in query)
