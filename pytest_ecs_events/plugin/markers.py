"""The ``ecs_sim`` and ``ecs_event`` markers: reading, merging and checking them.

Each marker is checked by calling a function with the marker's signature, so a wrong
argument gets Python's own precise message; every problem becomes a :class:`MarkerError` that
the fixture turns into a setup failure naming the test, the marker and the bad value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from ..core.catalog import DEFAULT_CATALOG, Catalog, EventState
from ..core.clock import TimeFormatError, parse_datetime, parse_duration, parse_time
from .marker_names import (
    EVENT_MARKER,
    EVENT_MARKER_HELP,
    SIM_MARKER,
    SIM_MARKER_HELP,
    MarkerError,
    item_marks,
)

__all__ = [  # the names, help texts, error and walk live in .marker_names (cheap at start-up)
    "EVENT_MARKER",
    "EVENT_MARKER_HELP",
    "SIM_MARKER",
    "SIM_MARKER_HELP",
    "EventMark",
    "MarkerError",
    "SimSettings",
    "event_marks",
    "item_marks",
    "sim_settings",
]


@dataclass(frozen=True)
class SimSettings:
    now: datetime | None = None
    region: str | None = None
    instances: tuple[str, ...] = ()
    #: The attributes of the instances given as dicts (``add_instance`` keywords), by id.
    instance_attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict)
    execution_duration: timedelta | None = None
    seed: int | None = None
    account_id: str | None = None
    patch_time: bool | None = None
    strict_commands: bool | None = None
    live_only_keys: tuple[str, ...] = ()
    #: Server Load Balancer instances: ``add_load_balancer`` keywords, one dict each.
    load_balancers: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class EventMark:
    event_type: str
    instances: tuple[str, ...]
    not_before: Any
    platform: bool
    state: EventState | None
    reason: str | None
    #: The marker as written (its text is spelled out only for an error message).
    mark: pytest.Mark = field(repr=False, compare=False)

    @property
    def text(self) -> str:
        """The marker as written: ``@pytest.mark.ecs_event(...)``."""
        return _describe(self.mark)


def _sim_signature(
    *,
    now: Any = None,
    region: Any = None,
    instances: Any = None,
    credentials: Any = None,
    execution_duration: Any = None,
    seed: Any = None,
    account_id: Any = None,
    patch_time: Any = None,
    strict_commands: Any = None,
    load_balancers: Any = None,
) -> dict[str, Any]:
    return {k: v for k, v in locals().items() if v is not None}


def _event_signature(
    event_type: Any,
    instance: Any = None,
    instances: Any = None,
    not_before: Any = "+1h",
    *,
    platform: Any = False,
    state: Any = None,
    reason: Any = None,
) -> dict[str, Any]:
    return dict(locals())


def _describe(mark: pytest.Mark) -> str:
    args = [repr(a) for a in mark.args] + [f"{k}={v!r}" for k, v in mark.kwargs.items()]
    return f"@pytest.mark.{mark.name}({', '.join(args)})"


def _bind(mark: pytest.Mark, signature: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = signature(*mark.args, **mark.kwargs)
    except TypeError as exc:
        message = str(exc).replace(signature.__name__ + "()", "the marker")
        raise MarkerError(f"{_describe(mark)}: {message}") from None
    return result


def _str_list(value: Any, what: str, mark: pytest.Mark) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, Mapping):
        raise MarkerError(f"{_describe(mark)}: {what} must be a str or a list of str, "
                          f"got {value!r}")  # fmt: skip
    result = tuple(items)
    bad = [i for i in result if not isinstance(i, str) or not i.strip()]
    if bad or not result:
        raise MarkerError(f"{_describe(mark)}: {what} must hold non-empty strings, got {value!r}")
    return result


def sim_settings(item: pytest.Item, marks: Iterable[pytest.Mark] | None = None) -> SimSettings:
    """Merge every ``ecs_sim`` marker of the item; the closest one wins for each key.
    ``marks``: those markers, closest first, if already read (:func:`item_marks`)."""
    merged: dict[str, Any] = {}
    for mark in item.iter_markers(SIM_MARKER) if marks is None else marks:
        for key, value in _bind(mark, _sim_signature).items():
            merged.setdefault(key, (value, mark))
    if not merged:  # no ecs_sim marker, or empty ones: the defaults, made once
        return _DEFAULT_SETTINGS
    values: dict[str, Any] = {}
    for key, (value, mark) in merged.items():
        try:
            values[key] = _convert_sim_value(key, value, mark)
        except (TimeFormatError, TypeError, ValueError) as exc:
            raise MarkerError(f"{_describe(mark)}: {key}={value!r} is not valid: {exc}") from None
    instances = values.pop("instances", None)
    if instances is not None:
        values["instances"] = tuple(i for i, _ in instances)
        values["instance_attributes"] = {i: a for i, a in instances if a}
    return SimSettings(**values, live_only_keys=tuple(k for k in ("now",) if k in values))


#: The settings of a test without ``ecs_sim`` marker values (frozen; its mappings are only
#: read, never changed).
_DEFAULT_SETTINGS = SimSettings()


def instance_keys() -> tuple[str, ...]:
    """The keys an ``instances=`` dict may hold besides ``instance_id``: ``add_instance``'s.
    Read when a dict is given, so that loading the plugin does not import the instance
    tables (a suite that never uses the plugin must not pay for them)."""
    from ..core.provisioning import INSTANCE_ATTRIBUTES

    return ("name", "region", "zone", "status", "tags", *INSTANCE_ATTRIBUTES)


def _instances(value: Any, mark: pytest.Mark) -> tuple[tuple[str, dict[str, Any]], ...]:
    """``instances=``: ids and dicts of ``add_instance`` keywords, as (id, attributes)."""
    items = [value] if isinstance(value, (str, Mapping)) else value
    if not isinstance(items, Iterable):
        raise MarkerError(f"{_describe(mark)}: instances must be a str, a dict or a list of "
                          f"them, got {value!r}")  # fmt: skip
    result: list[tuple[str, dict[str, Any]]] = []
    for item in items:
        if isinstance(item, str) and item.strip():
            result.append((item, {}))
            continue
        if not isinstance(item, Mapping):
            raise MarkerError(f"{_describe(mark)}: instances must hold instance ids or dicts, "
                              f"got {item!r}")  # fmt: skip
        attributes = dict(item)
        instance_id = attributes.pop("instance_id", None)
        if not isinstance(instance_id, str) or not instance_id.strip():
            raise MarkerError(f"{_describe(mark)}: the instance {item!r} needs an "
                              '"instance_id" (a non-empty string)')  # fmt: skip
        keys = instance_keys()
        unknown = sorted(set(attributes) - set(keys))
        if unknown:
            raise MarkerError(f"{_describe(mark)}: the instance {item!r} has unknown key(s) "
                              f"{', '.join(unknown)}; it may have instance_id, "
                              f"{', '.join(keys)}")  # fmt: skip
        result.append((instance_id, attributes))
    if not result:
        raise MarkerError(f"{_describe(mark)}: instances must not be empty, got {value!r}")
    return tuple(result)


#: The keys of a ``load_balancers=`` dict: ``add_load_balancer``'s keywords.
LOAD_BALANCER_KEYS = (
    "name", "listeners", "backends", "vserver_groups", "health_check", "region",
    "load_balancer_id",
)  # fmt: skip


def _load_balancers(value: Any, mark: pytest.Mark) -> tuple[dict[str, Any], ...]:
    """``load_balancers=``: a dict of ``add_load_balancer`` keywords, or a list of them."""
    items = [value] if isinstance(value, Mapping) else value
    if not isinstance(items, Iterable) or isinstance(items, str):
        raise TypeError("expected a dict of add_load_balancer keywords, or a list of them")
    result = []
    for item in items:
        if not isinstance(item, Mapping):
            raise TypeError(f"expected dicts of add_load_balancer keywords, got {item!r}")
        unknown = sorted(set(item) - set(LOAD_BALANCER_KEYS))
        if unknown:
            raise TypeError(f"unknown key(s) {', '.join(unknown)}; a load balancer may have "
                            f"{', '.join(LOAD_BALANCER_KEYS)}")  # fmt: skip
        result.append(dict(item))
    return tuple(result)


def _convert_sim_value(key: str, value: Any, mark: pytest.Mark) -> Any:
    if key == "now":
        return parse_datetime(value)
    if key == "execution_duration":
        return parse_duration(value)
    if key == "instances":
        return _instances(value, mark)
    if key == "load_balancers":
        return _load_balancers(value, mark)
    if key in ("region", "account_id"):
        if not isinstance(value, str) or not value.strip():
            raise TypeError("expected a non-empty string")
        return value
    if key in ("patch_time", "strict_commands"):
        if not isinstance(value, bool):
            raise TypeError("expected True or False")
        return value
    if key == "seed":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("expected an integer")
        return value
    if key == "credentials":
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in value.items()
        ):
            raise TypeError('expected a dict of AccessKeyId to secret, e.g. {"AK": "SECRET"}')
        return dict(value)
    raise AssertionError(key)  # pragma: no cover - the signature admits no other key


def event_marks(
    item: pytest.Item,
    *,
    now: datetime,
    catalog: Catalog = DEFAULT_CATALOG,
    marks: Iterable[pytest.Mark] | None = None,
) -> list[EventMark]:
    """The item's ``ecs_event`` markers, checked, in the order they are written (top first).
    ``marks``: those markers, closest first, if already read (:func:`item_marks`)."""
    found = list(item.iter_markers(EVENT_MARKER) if marks is None else marks)
    # iter_markers yields the closest first; within one function, the bottom decorator first.
    result = []
    for mark in reversed(found):
        known = _CHECKED_EVENTS.get(id(mark))
        if known is not None and known[0] is mark and known[1] is catalog:
            checked, shift = known[2], known[3]
            if shift is not None:  # the one check that reads now: a relative not_before
                try:
                    now + shift[1] if shift[0] > 0 else now - shift[1]
                except Exception:  # out of range from this now: the full check names it
                    _check_not_before(mark, checked.not_before, now)
            result.append(checked)
            continue
        checked = _event_mark(mark, now, catalog)
        if len(_CHECKED_EVENTS) >= _CHECKED_EVENTS_MAX:
            _CHECKED_EVENTS.clear()
        _CHECKED_EVENTS[id(mark)] = (mark, catalog, checked, _shift(checked.not_before))
        result.append(checked)
    return result


#: Each ``ecs_event`` marker checked, by the marker object (held, so its id stays its own),
#: with the catalog it was checked against and its ``not_before`` shift (:func:`_shift`): a
#: parametrized test's items share their function's marker objects, so it is read once, not
#: once per item. A marker that fails a check is not kept (its error comes again). EventMark
#: is frozen.
_CHECKED_EVENTS: dict[
    int, tuple[pytest.Mark, Catalog, EventMark, tuple[int, timedelta] | None]
] = {}
_CHECKED_EVENTS_MAX = 1024


def _shift(not_before: Any) -> tuple[int, timedelta] | None:
    """What ``parse_time`` adds to (1) or takes from (-1) ``now`` for a ``not_before`` that
    passed the check once, or None for an absolute time (its check does not read ``now``,
    so it passes at any ``now``)."""
    if isinstance(not_before, timedelta):
        return 1, not_before
    if isinstance(not_before, str):
        text = not_before.strip()
        if text.startswith(("+", "-")):
            return (1 if text[0] == "+" else -1), parse_duration(text[1:])
    return None


def _check_not_before(mark: pytest.Mark, not_before: Any, now: datetime) -> None:
    try:
        parse_time(not_before, now=now)
    except TimeFormatError as exc:
        raise MarkerError(
            f"{_describe(mark)}: not_before={not_before!r} is not valid: {exc}"
        ) from None


def _event_mark(mark: pytest.Mark, now: datetime, catalog: Catalog) -> EventMark:
    """One ``ecs_event`` marker, checked (in this order: the first problem is the one named)."""
    args = _bind(mark, _event_signature)
    event_type = args["event_type"]
    if not isinstance(event_type, str) or event_type not in catalog.event_types:
        known = ", ".join(catalog.simulatable)
        raise MarkerError(
            f"{_describe(mark)}: unknown event type {event_type!r}; simulated events can "
            f"be {known} (others with platform=True)"
        )
    platform = args["platform"]
    if not isinstance(platform, bool):
        raise MarkerError(f"{_describe(mark)}: platform must be True or False")
    if not platform and not catalog.spec(event_type).simulatable:
        raise MarkerError(
            f"{_describe(mark)}: {event_type!r} cannot be simulated with "
            f"CreateSimulatedSystemEvents; add platform=True to inject it as a platform "
            f"event"
        )
    if args["instance"] is not None and args["instances"] is not None:
        raise MarkerError(f"{_describe(mark)}: give instance= or instances=, not both")
    raw = args["instance"] if args["instance"] is not None else args["instances"]
    instances = _str_list(raw, "instance(s)", mark) if raw is not None else ()
    _check_not_before(mark, args["not_before"], now)
    state = None
    if args["state"] is not None:
        if not platform:
            raise MarkerError(f"{_describe(mark)}: state= needs platform=True")
        try:
            state = EventState(args["state"])
        except ValueError:
            raise MarkerError(
                f"{_describe(mark)}: state={args['state']!r} is not one of "
                f"{', '.join(s.value for s in EventState)}"
            ) from None
    reason = args["reason"]
    if reason is not None and not isinstance(reason, str):
        raise MarkerError(f"{_describe(mark)}: reason must be a string")
    return EventMark(event_type, instances, args["not_before"], platform, state, reason, mark)
