"""The event lifecycle as data: which trigger moves which state where, and the records of it.

The simulation looks every state change up here; a change that is not in the table does not
happen. Timed triggers (NotBefore reached, execution finished) are the ones the store's heap
holds; the others come from API actions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar, TypeVar

from .catalog import EventState, InstanceStatus

S = EventState
_T = TypeVar("_T")


class Trigger(str, Enum):
    """What moves an event from one state to the next."""

    NOT_BEFORE = "not_before"  # the clock reached NotBefore
    EXECUTION_DONE = "execution_done"  # the execution finished
    AVOID = "avoid"  # the user acted first (e.g. RebootInstance)
    CANCEL = "cancel"  # CancelSimulatedSystemEvents
    ACCEPT = "accept"  # AcceptInquiredSystemEvent
    FAIL = "fail"  # the execution failed (tests can force it)
    RELEASED = "released"  # the user released the instance first (DeleteInstance)

    def __str__(self) -> str:
        return self.value


TRANSITIONS: Mapping[tuple[EventState, Trigger], EventState] = {
    (S.Scheduled, Trigger.NOT_BEFORE): S.Executing,
    (S.Executing, Trigger.EXECUTION_DONE): S.Executed,
    (S.Scheduled, Trigger.AVOID): S.Avoided,
    (S.Inquiring, Trigger.AVOID): S.Avoided,
    (S.Scheduled, Trigger.CANCEL): S.Canceled,
    (S.Executing, Trigger.CANCEL): S.Canceled,
    (S.Inquiring, Trigger.ACCEPT): S.Executing,
    (S.Scheduled, Trigger.FAIL): S.Failed,
    (S.Executing, Trigger.FAIL): S.Failed,
    (S.Inquiring, Trigger.FAIL): S.Failed,
    # A release event (SystemFailure.Delete) is Avoided when the user releases the instance
    # first, even while it is Executing (docs/fidelity.md, "Event lifecycle").
    (S.Scheduled, Trigger.RELEASED): S.Avoided,
    (S.Inquiring, Trigger.RELEASED): S.Avoided,
    (S.Executing, Trigger.RELEASED): S.Avoided,
}

#: The trigger a state's pending timer fires (states without one wait for an action).
TIMED_TRIGGER: Mapping[EventState, Trigger] = {
    S.Scheduled: Trigger.NOT_BEFORE,
    S.Executing: Trigger.EXECUTION_DONE,
}


def next_state(state: EventState, trigger: Trigger) -> EventState | None:
    """The state ``trigger`` leads to from ``state``, or None if it does not apply."""
    return TRANSITIONS.get((state, trigger))


def _setting_slots(cls: type[_T]) -> type[_T]:
    """Give the frozen slots dataclass ``cls`` an ``__init__`` that sets each slot through
    its own descriptor: the dataclass's own goes through ``object.__setattr__`` by name for
    each field (to pass its frozen ``__setattr__``), and a history of a million events makes
    three transitions each. Same signature (every field, no defaults), same instance."""
    params = fields(cls)  # type: ignore[arg-type]
    if any(f.default is not MISSING or f.default_factory is not MISSING for f in params):
        raise TypeError(f"{cls.__name__}: _setting_slots writes no defaults")
    names = [f.name for f in params]
    setters = {f"_set_{name}": getattr(cls, name).__set__ for name in names}
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self, {', '.join(names)}):\n{body}", setters, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def _drafting(cls: type[_T]) -> Callable[..., _T]:
    """A function making ``cls(*fields)`` (a frozen slots dataclass made by
    :func:`_setting_slots`) the cheap way: its fields set as plain slot writes on a draft of
    the same layout, which then becomes a ``cls`` (``__class__`` assignment, which CPython
    allows between classes of one layout). The record made is a ``cls`` like any other:
    equal, hashed, shown and frozen alike. ``advance()`` makes two per event of a history.
    Where the draft cannot become one, ``cls`` itself."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    slots = cls.__dict__.get("__slots__")
    if not isinstance(slots, tuple) or list(slots) != names:
        return cls
    draft = type(f"_{cls.__name__}Draft", (), {"__slots__": slots})
    body = "".join(f"    record.{name} = {name}\n" for name in names)
    namespace: dict[str, Any] = {"Draft": draft, "Record": cls}
    exec(
        f"def new({', '.join(names)}):\n    record = Draft()\n{body}"
        "    record.__class__ = Record\n    return record\n",
        namespace,
    )
    new: Callable[..., _T] = namespace["new"]
    new.__qualname__ = f"new_{cls.__name__.lower()}"
    try:
        probe = new(*range(len(names)))
    except TypeError:
        return cls
    if type(probe) is not cls or probe != cls(*range(len(names))):
        return cls
    return new


@_setting_slots
@dataclass(frozen=True, slots=True)
class Transition:
    """One event state change, as ``advance()`` returns it and observers receive it."""

    kind: ClassVar[str] = "event"

    time: datetime
    event_id: str
    instance_id: str
    event_type: str
    old_state: EventState | None  # None when the event was just created
    new_state: EventState
    simulated: bool
    trigger: str

    def __str__(self) -> str:
        old = self.old_state.value if self.old_state else "(new)"
        return (
            f"{self.time:%Y-%m-%dT%H:%M:%SZ} {self.event_id} {self.event_type} "
            f"{self.instance_id}: {old} -> {self.new_state.value}"
        )


#: ``Transition(...)`` the cheap way (see :func:`_drafting`): how the simulation makes them.
new_transition: Callable[..., Transition] = _drafting(Transition)


@_setting_slots
@dataclass(frozen=True, slots=True)
class InstanceChange:
    """One instance status change; ``new_status`` None means the instance was released."""

    kind: ClassVar[str] = "instance"

    time: datetime
    instance_id: str
    old_status: InstanceStatus | None
    new_status: InstanceStatus | None
    cause: str

    def __str__(self) -> str:
        old = self.old_status.value if self.old_status else "(new)"
        new = self.new_status.value if self.new_status else "Released"
        return f"{self.time:%Y-%m-%dT%H:%M:%SZ} {self.instance_id}: {old} -> {new} ({self.cause})"


#: ``InstanceChange(...)`` the cheap way (see :func:`_drafting`).
new_instance_change: Callable[..., InstanceChange] = _drafting(InstanceChange)
