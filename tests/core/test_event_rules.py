"""CloudMonitor event rules (core/event_rules.py): bookkeeping and the pattern matcher."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.event_rules import (
    EventPattern,
    EventRuleBook,
    KeywordFilter,
    RuleTarget,
    pattern_matches,
)

PAYLOAD: dict[str, Any] = {
    "product": "ECS",
    "level": "CRITICAL",
    "name": "Instance:SystemMaintenance.Reboot:Executed",
    "content": {"instanceId": "i-1", "eventType": "SystemMaintenance.Reboot"},
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (EventPattern("ecs"), True),
        (EventPattern("rds"), False),
        (EventPattern("ECS", level_list=("WARN",)), False),
        (EventPattern("ECS", level_list=("*",)), True),
        (EventPattern("ecs", name_list=("Instance:SystemMaintenance.Reboot:Executed",)), True),
        (EventPattern("ecs", status_list=("Scheduled",)), False),
        (EventPattern("ecs", status_list=("Executed",)), True),
        (EventPattern("ecs", keyword_filter=KeywordFilter(("i-1",))), True),
        (EventPattern("ecs", keyword_filter=KeywordFilter(("i-1",), "NOT")), False),
        (EventPattern("ecs", event_type_list=("Maintenance",)), False),  # type unknown
    ],
)
def test_pattern_matches(pattern: EventPattern, expected: bool) -> None:
    assert pattern_matches(pattern, PAYLOAD) is expected


def test_the_event_type_comes_from_the_caller() -> None:
    pattern = EventPattern("ecs", event_type_list=("Maintenance",))
    assert pattern.matches(PAYLOAD, event_type="Maintenance")
    assert not pattern.matches(PAYLOAD, event_type="Exception")


def test_put_creates_then_updates_keeping_what_is_left_out() -> None:
    book = EventRuleBook()
    book.put("r", [EventPattern("ecs")], description="first", silence_time=60)
    book.put_targets("r", [RuleTarget("MnsParameters", "1", {"Queue": "q"})])
    rule = book.put("r", [EventPattern("ecs", level_list=("WARN",))], state="DISABLED")
    assert (rule.description, rule.silence_time, rule.state) == ("first", 60, "DISABLED")
    assert [t.id for t in rule.targets] == ["1"]
    assert not rule.matches({**PAYLOAD, "level": "WARN"})  # disabled
    assert book.set_state(["r"], "ENABLED")[0].matches({**PAYLOAD, "level": "WARN"})
    assert [r.name for r in book.matching({**PAYLOAD, "level": "WARN"})] == ["r"]


def test_targets_with_the_same_id_are_replaced() -> None:
    book = EventRuleBook()
    book.put("r", [EventPattern("ecs")])
    book.put_targets("r", [RuleTarget("MnsParameters", "1", {"Queue": "a"})])
    rule = book.put_targets("r", [RuleTarget("MnsParameters", "1", {"Queue": "b"})])
    assert [t.fields["Queue"] for t in rule.targets] == ["b"]
    assert book.delete_targets("r", ["1"]).targets == ()


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda b: b.put("x", [EventPattern("ecs")], state="ON"), "InvalidParameterValue"),
        (lambda b: b.put("x", [EventPattern("ecs", level_list=("LOUD",))]),
         "InvalidParameterValue"),
        (lambda b: b.put("x", []), "MissingParameter"),
        (lambda b: b.put_targets("nope", [RuleTarget("MnsParameters", "1")]), "ResourceNotFound"),
        (lambda b: b.delete(["r", "nope"]), "ResourceNotFound"),
        (lambda b: b.delete_targets("r", ["9"]), "ResourceNotFound"),
        (lambda b: b.set_state(["nope"], "ENABLED"), "ResourceNotFound"),
    ],
)  # fmt: skip
def test_refused_calls_change_nothing(call: Any, code: str) -> None:
    book = EventRuleBook()
    book.put("r", [EventPattern("ecs")])
    before = book.rules()
    with pytest.raises(EcsApiError) as raised:
        call(book)
    assert raised.value.code == code
    assert book.rules() == before
