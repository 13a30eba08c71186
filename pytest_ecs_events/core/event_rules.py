"""CloudMonitor event rules: their records, their bookkeeping, and the pattern matcher.

A CloudMonitor event rule (``PutEventRule``) says which system events it wants (its event
patterns) and where they go (its targets, ``PutEventRuleTargets``: an MNS queue, a webhook,
...). The rules are account state like instances, so they live in the core, under the
simulation's lock; the CloudMonitor API (``pytest_ecs_events/cms/``) reads and writes them
and whoever delivers events asks :meth:`EventRule.matches` which rules want a payload.

Every operation validates everything first and then applies, so a refused call changes
nothing (``EcsApiError`` with CloudMonitor's codes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import EcsApiError

__all__ = [
    "LEVELS",
    "RULE_STATES",
    "TARGET_KINDS",
    "EventPattern",
    "EventRule",
    "EventRuleBook",
    "KeywordFilter",
    "RuleTarget",
    "pattern_matches",
]

#: The documented rule states (PutEventRule ``State``).
RULE_STATES = ("ENABLED", "DISABLED")
#: The documented event levels (``LevelList``); ``*`` means any.
LEVELS = ("CRITICAL", "WARN", "INFO", "*")
#: The target kinds PutEventRuleTargets takes, by their parameter prefix, and the fields
#: each target of that kind has (the SDK models' names).
TARGET_KINDS: Mapping[str, tuple[str, ...]] = {
    "MnsParameters": ("Id", "Region", "Queue", "Topic"),
    "WebhookParameters": ("Id", "Protocol", "Method", "Url"),
    "ContactParameters": ("Id", "ContactGroupName", "Level"),
    "FcParameters": ("Id", "Region", "ServiceName", "FunctionName"),
    "SlsParameters": ("Id", "Region", "Project", "LogStore"),
    "OpenApiParameters": (
        "Id",
        "Region",
        "Product",
        "Action",
        "Version",
        "Role",
        "Arn",
        "JsonParams",
    ),
}
#: At most this many targets of each kind per call ("Valid values of N: 1 to 5").
MAX_TARGETS_PER_KIND = 5
#: At most this many values in each list of a pattern ("Valid values of N: 1 to 50").
MAX_PATTERN_VALUES = 50
#: SilenceTime when PutEventRule leaves it out (our choice: one day, as the console).
DEFAULT_SILENCE_TIME = 86400


def _invalid(message: str) -> EcsApiError:
    return EcsApiError("InvalidParameterValue", message, 400)


@dataclass(frozen=True)
class KeywordFilter:
    """``KeywordFilter``: ``OR`` matches a payload containing any keyword, ``NOT`` one
    containing none of them."""

    keywords: tuple[str, ...] = ()
    relation: str = "OR"


@dataclass(frozen=True)
class EventPattern:
    """One ``EventPattern.N`` of a rule. An empty list, or one holding ``*``, matches all."""

    product: str
    event_type_list: tuple[str, ...] = ()
    level_list: tuple[str, ...] = ()
    name_list: tuple[str, ...] = ()
    status_list: tuple[str, ...] = ()
    keyword_filter: KeywordFilter | None = None
    custom_filters: str = ""
    sql_filter: str = ""

    def matches(self, payload: Mapping[str, Any], *, event_type: str | None = None) -> bool:
        """See :func:`pattern_matches`."""
        return pattern_matches(self, payload, event_type=event_type)


def _any(values: Sequence[str], value: str | None, *, fold: bool = False) -> bool:
    if not values or "*" in values:
        return True
    if value is None:
        return False
    if fold:
        return value.lower() in (v.lower() for v in values)
    return value in values


def payload_status(payload: Mapping[str, Any]) -> str | None:
    """A CloudMonitor payload's status: its ``status`` field, else the last part of its
    ``name`` (``Instance:SystemMaintenance.Reboot:Executed`` -> ``Executed``), else (an
    ``Instance:StateChange``) its ``content.state`` (``Stopping``)."""
    status = payload.get("status")
    if isinstance(status, str):
        return status
    name = payload.get("name")
    if isinstance(name, str) and name.count(":") >= 2:
        return name.rsplit(":", 1)[1]
    content = payload.get("content")
    state = content.get("state") if isinstance(content, Mapping) else None
    # Instance:StateChange carries the instance's new state (our choice: it is its status)
    return state if isinstance(state, str) else None


def pattern_matches(
    pattern: EventPattern, payload: Mapping[str, Any], *, event_type: str | None = None
) -> bool:
    """Whether a CloudMonitor system-event ``payload`` (``product``, ``level``, ``name``,
    ``content``...) is one ``pattern`` wants.

    Product compares without case (patterns say ``ecs``, payloads ``ECS``); the level, name
    and status lists compare exactly. ``event_type`` is the event's CloudMonitor type
    (``Maintenance``, ``Exception``, ``StatusNotification``), which a payload does not carry
    (``payload["eventType"]`` is used when it is there): a pattern with an event-type list
    matches no payload whose type is unknown. Keywords are looked for in the payload's JSON
    text. ``CustomFilters`` and ``SQLFilter`` are kept but not evaluated (docs/cloudmonitor.md).
    """
    product = payload.get("product")
    if not isinstance(product, str) or product.lower() != pattern.product.lower():
        return False
    kind = event_type if event_type is not None else payload.get("eventType")
    if not _any(pattern.event_type_list, kind if isinstance(kind, str) else None):
        return False
    level = payload.get("level")
    if not _any(pattern.level_list, level if isinstance(level, str) else None):
        return False
    name = payload.get("name")
    if not _any(pattern.name_list, name if isinstance(name, str) else None):
        return False
    if not _any(pattern.status_list, payload_status(payload)):
        return False
    keywords = pattern.keyword_filter
    if keywords is not None and keywords.keywords:
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
        found = any(word in text for word in keywords.keywords)
        return not found if keywords.relation == "NOT" else found
    return True


@dataclass(frozen=True)
class RuleTarget:
    """One target of a rule: its kind (``MnsParameters``, ...), Id, and its fields."""

    kind: str
    id: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EventRule:
    """A CloudMonitor event rule (read-only: an update replaces the record)."""

    name: str
    patterns: tuple[EventPattern, ...]
    state: str = "ENABLED"
    description: str = ""
    silence_time: int = DEFAULT_SILENCE_TIME
    group_id: str = ""
    event_type: str = "SYSTEM"
    targets: tuple[RuleTarget, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.state == "ENABLED"

    def matches(self, payload: Mapping[str, Any], *, event_type: str | None = None) -> bool:
        """Whether this rule wants ``payload``: it is enabled and one of its patterns
        matches (patterns are alternatives)."""
        return self.enabled and any(
            pattern_matches(p, payload, event_type=event_type) for p in self.patterns
        )

    def targets_of(self, kind: str) -> list[RuleTarget]:
        return [t for t in self.targets if t.kind == kind]


class EventRuleBook:
    """The account's event rules by name, in creation order. Callers hold the
    simulation's lock."""

    def __init__(self, target_listeners: list[Callable[[EventRule], None]] | None = None) -> None:
        self._rules: dict[str, EventRule] = {}
        #: Called with the rule after each PutEventRuleTargets (whoever delivers to targets
        #: starts watching the account then, and costs nothing before); the list given is
        #: used as it is (the simulation's, filled before the book is made).
        self.target_listeners: list[Callable[[EventRule], None]] = (
            target_listeners if target_listeners is not None else []
        )

    def __len__(self) -> int:
        return len(self._rules)

    def rules(self) -> list[EventRule]:
        return list(self._rules.values())

    def get(self, name: str) -> EventRule | None:
        return self._rules.get(name)

    def require(self, name: str) -> EventRule:
        rule = self._rules.get(name)
        if rule is None:
            raise EcsApiError(
                "ResourceNotFound", f"The event rule {name[:100]!r} does not exist.", 404
            )
        return rule

    def matching(
        self, payload: Mapping[str, Any], *, event_type: str | None = None
    ) -> list[EventRule]:
        """The enabled rules whose patterns match ``payload``, in creation order."""
        return [r for r in self._rules.values() if r.matches(payload, event_type=event_type)]

    def put(
        self,
        name: str,
        patterns: Sequence[EventPattern],
        *,
        state: str | None = None,
        description: str | None = None,
        silence_time: int | None = None,
        group_id: str | None = None,
        event_type: str | None = None,
    ) -> EventRule:
        """Create the rule, or update it (PutEventRule): what is left out keeps its value
        on an update, and its targets stay."""
        if not name:
            raise EcsApiError("InvalidParameterValue", "RuleName must not be empty.", 400)
        if not patterns:
            raise EcsApiError("MissingParameter", "EventPattern.1.Product is mandatory.", 400)
        if state is not None and state not in RULE_STATES:
            raise _invalid(f"State must be ENABLED or DISABLED, got {state!r}.")
        if event_type is not None and event_type not in ("SYSTEM", "CUSTOM"):
            raise _invalid(f"EventType must be SYSTEM or CUSTOM, got {event_type!r}.")
        if silence_time is not None and silence_time < 0:
            raise _invalid(f"SilenceTime must not be negative, got {silence_time}.")
        for pattern in patterns:
            bad = [lv for lv in pattern.level_list if lv not in LEVELS]
            if bad:
                raise _invalid(f"LevelList takes CRITICAL, WARN, INFO or *, got {bad[0]!r}.")
            if pattern.keyword_filter is not None and pattern.keyword_filter.relation not in (
                "OR", "NOT",
            ):  # fmt: skip
                raise _invalid(
                    f"KeywordFilter.Relation must be OR or NOT, got "
                    f"{pattern.keyword_filter.relation!r}."
                )
        old = self._rules.get(name)
        base = old if old is not None else EventRule(name, ())
        rule = replace(
            base,
            patterns=tuple(patterns),
            state=state if state is not None else base.state,
            description=description if description is not None else base.description,
            silence_time=silence_time if silence_time is not None else base.silence_time,
            group_id=group_id if group_id is not None else base.group_id,
            event_type=event_type if event_type is not None else base.event_type,
        )
        self._rules[name] = rule
        return rule

    def put_targets(self, name: str, targets: Sequence[RuleTarget]) -> EventRule:
        """Add targets to a rule, or replace the ones with the same Id (PutEventRuleTargets)."""
        rule = self.require(name)
        ids = [t.id for t in targets]
        if len(set(ids)) != len(ids):
            raise _invalid("Each target of one PutEventRuleTargets call needs its own Id.")
        for target in targets:
            if target.kind not in TARGET_KINDS:
                raise _invalid(f"Unknown target kind {target.kind!r}.")
            if not target.id:
                raise EcsApiError("MissingParameter", f"{target.kind}.N.Id is mandatory.", 400)
        replaced = {t.id for t in targets}
        kept = tuple(t for t in rule.targets if t.id not in replaced)
        updated = replace(rule, targets=kept + tuple(targets))
        self._rules[name] = updated
        for listener in list(self.target_listeners):
            listener(updated)
        return updated

    def delete(self, names: Sequence[str]) -> list[EventRule]:
        """Delete rules (DeleteEventRules); every name must exist, else nothing is deleted."""
        for name in names:
            self.require(name)
        return [self._rules.pop(name) for name in dict.fromkeys(names)]

    def delete_targets(self, name: str, ids: Sequence[str]) -> EventRule:
        """Delete targets of a rule by Id (DeleteEventRuleTargets); each must exist."""
        rule = self.require(name)
        known = {t.id for t in rule.targets}
        for target_id in ids:
            if target_id not in known:
                raise EcsApiError(
                    "ResourceNotFound",
                    f"The event rule {name[:100]!r} has no target {target_id[:100]!r}.",
                    404,
                )
        drop = set(ids)
        updated = replace(rule, targets=tuple(t for t in rule.targets if t.id not in drop))
        self._rules[name] = updated
        return updated

    def set_state(self, names: Sequence[str], state: str) -> list[EventRule]:
        """Enable or disable rules (EnableEventRules / DisableEventRules); all or none."""
        for name in names:
            self.require(name)
        changed = []
        for name in dict.fromkeys(names):
            self._rules[name] = replace(self._rules[name], state=state)
            changed.append(self._rules[name])
        return changed
