"""The event-type catalog, the states, and the one table of numeric codes.

Everything the lifecycle needs to know about an event type is data here: its category, its
start state, what avoids it, what executing it does to the instance. Numeric codes that a
source confirms (``docs/fidelity.md``, "Numeric codes") are used as they are; the others are
our choice and are marked ``confirmed=False``. A :class:`Catalog` can be copied with
overrides, so a conftest (or the ``pytest_ecs_events_configure_catalog`` hook) can change any
code or add a type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType


class EventState(str, Enum):
    """The ``EventCycleStatus`` names, so ``event.state == "Avoided"`` holds."""

    Scheduled = "Scheduled"
    Inquiring = "Inquiring"
    Executing = "Executing"
    Executed = "Executed"
    Avoided = "Avoided"
    Canceled = "Canceled"
    Failed = "Failed"

    def __str__(self) -> str:
        return self.value

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


FINAL_STATES = frozenset(
    {EventState.Executed, EventState.Avoided, EventState.Canceled, EventState.Failed}
)
ACTIVE_STATES = frozenset({EventState.Scheduled, EventState.Inquiring, EventState.Executing})


class InstanceStatus(str, Enum):
    """Instance statuses as DescribeInstanceStatus names them."""

    Pending = "Pending"
    Starting = "Starting"
    Running = "Running"
    Stopping = "Stopping"
    Stopped = "Stopped"

    def __str__(self) -> str:
        return self.value


class Category(str, Enum):
    """How a type behaves when simulated: maintenance waits, failure is already under way."""

    MAINTENANCE = "maintenance"
    FAILURE = "failure"
    OTHER = "other"


#: Members read once for :attr:`EventTypeSpec.start_state`, read at every create: an enum's
#: members are attributes of a class with a ``__getattr__`` (EnumType's), a slow lookup each
#: time on Python 3.11.
_FAILURE = Category.FAILURE
_EXECUTING = EventState.Executing
_SCHEDULED = EventState.Scheduled


@dataclass(frozen=True)
class InstanceEffect:
    """What executing a platform event does to its instance.

    ``during`` is the status while the event is Executing (None: unchanged); ``after`` the status
    once it is Executed; ``release`` means the instance is gone afterwards.
    """

    during: InstanceStatus | None
    after: InstanceStatus | None
    release: bool = False


RESTART = InstanceEffect(InstanceStatus.Starting, InstanceStatus.Running)
STOP = InstanceEffect(InstanceStatus.Stopping, InstanceStatus.Stopped)
REDEPLOY = InstanceEffect(InstanceStatus.Stopping, InstanceStatus.Running)
RELEASE = InstanceEffect(InstanceStatus.Stopping, None, release=True)
NO_EFFECT = InstanceEffect(None, None)


@dataclass(frozen=True)
class EventTypeSpec:
    """One instance event type and the rules the lifecycle applies to it."""

    name: str
    code: int
    code_confirmed: bool
    category: Category
    #: CreateSimulatedSystemEvents accepts it.
    simulatable: bool = False
    #: Actions that move a Scheduled/Inquiring *simulated* event of this type to Avoided.
    simulated_avoided_by: frozenset[str] = frozenset()
    #: Actions that move a Scheduled/Inquiring *platform* event of this type to Avoided.
    platform_avoided_by: frozenset[str] = frozenset()
    #: What executing a platform event of this type does to the instance.
    effect: InstanceEffect = NO_EFFECT
    #: CloudMonitor notification level.
    level: str = "CRITICAL"
    #: The documented start state when it is not the category's (the ``*ErrorDisk`` types ask
    #: first: Inquiring).
    initial_state: EventState | None = None
    #: AcceptInquiredSystemEvent accepts an Inquiring event of this type (the documented
    #: ``:Inquiring`` types); for any other type it is ``OperationDenied.AcceptNotSupported``.
    acceptable: bool = False
    #: A platform event of this type fails (``Failed``) if, at NotBefore, its instance is in
    #: the middle of a user's action (Starting or Stopping) instead of being executed.
    fails_if_instance_busy: bool = False

    @property
    def start_state(self) -> EventState:
        """The documented start state; else maintenance waits (Scheduled) and a failure is
        already under way (Executing)."""
        if self.initial_state is not None:
            return self.initial_state
        if self.category is _FAILURE:
            return _EXECUTING
        return _SCHEDULED


def _spec(
    name: str,
    code: int,
    confirmed: bool,
    category: Category,
    *,
    simulatable: bool = False,
    simulated_avoided_by: Iterable[str] = (),
    platform_avoided_by: Iterable[str] = (),
    effect: InstanceEffect = NO_EFFECT,
    level: str = "CRITICAL",
    initial: EventState | None = None,
    acceptable: bool = False,
    fails_if_busy: bool = False,
) -> EventTypeSpec:
    return EventTypeSpec(
        name,
        code,
        confirmed,
        category,
        simulatable,
        frozenset(simulated_avoided_by),
        frozenset(platform_avoided_by),
        effect,
        level,
        initial,
        acceptable,
        fails_if_busy,
    )


M, F, OTHER = Category.MAINTENANCE, Category.FAILURE, Category.OTHER
REBOOT_ACTIONS = ("RebootInstance", "RebootInstances")
ASKS = EventState.Inquiring
#: Releasing the instance yourself (DeleteInstance) avoids a creation-failure release.
RELEASE_ACTIONS = ("DeleteInstance",)

# Codes with confirmed=True come from Alibaba's documentation examples and real captures
# (docs/fidelity.md, "Numeric codes"); every
# other code is our choice, picked so as not to clash with a confirmed one.
DEFAULT_EVENT_TYPES: tuple[EventTypeSpec, ...] = (
    _spec(
        "SystemMaintenance.Reboot", 1, True, M, simulatable=True,
        simulated_avoided_by=REBOOT_ACTIONS,
        platform_avoided_by=(*REBOOT_ACTIONS, "RedeployInstance"), effect=RESTART,
        acceptable=True,
    ),
    _spec("SystemMaintenance.Stop", 2, False, M, simulatable=True,
          platform_avoided_by=("StopInstance",), effect=STOP, fails_if_busy=True),
    _spec("SystemMaintenance.RebootAndIsolateErrorDisk", 3, True, M, effect=RESTART,
          initial=ASKS, acceptable=True),
    _spec("SystemMaintenance.RebootAndReInitErrorDisk", 4, False, M, effect=RESTART,
          initial=ASKS, acceptable=True),
    _spec("SystemMaintenance.IsolateErrorDisk", 5, False, M, initial=ASKS, acceptable=True),
    _spec("SystemMaintenance.ReInitErrorDisk", 6, False, M, initial=ASKS, acceptable=True),
    _spec(
        "SystemMaintenance.Redeploy", 9, True, M, simulatable=True,
        platform_avoided_by=("RedeployInstance",), effect=REDEPLOY, acceptable=True,
    ),
    _spec("SystemMaintenance.CleanInactiveDisks", 10, False, M),
    _spec("SystemMaintenance.PerformanceImpact", 11, False, F, level="WARN"),
    _spec("SystemMaintenance.CleanReleasedDisks", 12, False, M),
    _spec("SystemMaintenance.StopAndRepair", 13, False, M, effect=STOP, initial=ASKS,
          platform_avoided_by=("StopInstance",), acceptable=True),
    _spec("SystemUpgrade.Migrate", 14, False, M, effect=REDEPLOY,
          platform_avoided_by=("RedeployInstance",)),
    _spec("InstanceExpiration.Stop", 34, True, OTHER, effect=STOP),
    _spec("InstanceExpiration.Delete", 35, False, OTHER, effect=RELEASE),
    _spec("AccountUnbalanced.Stop", 36, False, OTHER, effect=STOP),
    _spec("AccountUnbalanced.Delete", 37, False, OTHER, effect=RELEASE),
    _spec("SecurityPunish.Locked", 48, False, F),
    _spec("SecurityPunish.WebsiteBanned", 49, False, F),
    _spec("SystemFailure.Reboot", 65, True, F, simulatable=True, effect=RESTART),
    _spec("SystemFailure.Delete", 66, True, F, effect=RELEASE,
          platform_avoided_by=RELEASE_ACTIONS),
    _spec(
        "SystemFailure.Redeploy", 67, False, F, simulatable=True,
        platform_avoided_by=("RedeployInstance",), effect=REDEPLOY,
    ),
    _spec("SystemFailure.Stop", 68, False, F, simulatable=True, effect=STOP),
    _spec("InstanceFailure.Reboot", 69, False, F, simulatable=True, effect=RESTART),
    _spec("InstanceFailure.Alert", 70, False, F, level="WARN"),
    _spec("Security.TpmAlert", 71, False, F, level="WARN"),
)  # fmt: skip

#: EventCycleStatus codes: (code, confirmed).
DEFAULT_STATE_CODES: Mapping[EventState, tuple[int, bool]] = {
    EventState.Executed: (0, True),
    EventState.Avoided: (8, True),
    EventState.Scheduled: (24, True),
    EventState.Inquiring: (28, True),
    EventState.Executing: (16, False),
    EventState.Canceled: (4, False),
    EventState.Failed: (2, False),
}

#: DescribeInstancesFullStatus ``Status`` codes: (code, confirmed).
DEFAULT_INSTANCE_STATUS_CODES: Mapping[InstanceStatus, tuple[int, bool]] = {
    InstanceStatus.Running: (1, True),
    InstanceStatus.Pending: (0, False),
    InstanceStatus.Starting: (2, False),
    InstanceStatus.Stopping: (3, False),
    InstanceStatus.Stopped: (4, False),
}

#: ``HealthStatus`` codes: (code, confirmed).
DEFAULT_HEALTH_CODES: Mapping[str, tuple[int, bool]] = {
    "Ok": (0, True),
    "Warning": (64, True),
    "Impaired": (128, True),
    "Maintaining": (32, False),
    "Initializing": (1, False),
    "InsufficientData": (2, False),
    "NotApplicable": (4, False),
}


class UnknownEventType(KeyError):
    """An event type name that the catalog does not hold."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown event type"


@dataclass(frozen=True)
class Catalog:
    """Event types and numeric codes; immutable, copy with :meth:`with_changes`."""

    event_types: Mapping[str, EventTypeSpec]
    state_codes: Mapping[EventState, tuple[int, bool]] = field(
        default_factory=lambda: dict(DEFAULT_STATE_CODES)
    )
    instance_status_codes: Mapping[InstanceStatus, tuple[int, bool]] = field(
        default_factory=lambda: dict(DEFAULT_INSTANCE_STATUS_CODES)
    )
    health_codes: Mapping[str, tuple[int, bool]] = field(
        default_factory=lambda: dict(DEFAULT_HEALTH_CODES)
    )

    def __post_init__(self) -> None:
        # Read-only views: a catalog is shared by every simulator of a run.
        for name in ("event_types", "state_codes", "instance_status_codes", "health_codes"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def spec(self, name: str) -> EventTypeSpec:
        try:
            return self.event_types[name]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self.event_types))
            raise UnknownEventType(f"unknown event type {name!r}; known types: {known}") from None

    @property
    def simulatable(self) -> tuple[str, ...]:
        return tuple(n for n, s in self.event_types.items() if s.simulatable)

    def state_code(self, state: EventState) -> int:
        return self.state_codes[state][0]

    def instance_status_code(self, status: InstanceStatus) -> int:
        return self.instance_status_codes[status][0]

    def health_code(self, health: str) -> int:
        return self.health_codes[health][0]

    def with_changes(
        self,
        *,
        event_types: Iterable[EventTypeSpec] = (),
        event_type_codes: Mapping[str, int] | None = None,
        state_codes: Mapping[EventState | str, int] | None = None,
        instance_status_codes: Mapping[InstanceStatus | str, int] | None = None,
        health_codes: Mapping[str, int] | None = None,
    ) -> Catalog:
        """A new catalog with types added or replaced and codes overridden (marked confirmed)."""
        types = dict(self.event_types)
        for spec in event_types:
            types[spec.name] = spec
        for name, code in (event_type_codes or {}).items():
            types[name] = dataclasses.replace(self.spec(name), code=code, code_confirmed=True)
        states = dict(self.state_codes)
        for state, code in (state_codes or {}).items():
            states[EventState(state)] = (code, True)
        statuses = dict(self.instance_status_codes)
        for status, code in (instance_status_codes or {}).items():
            statuses[InstanceStatus(status)] = (code, True)
        health = dict(self.health_codes)
        for name, code in (health_codes or {}).items():
            health[name] = (code, True)
        return Catalog(types, states, statuses, health)


DEFAULT_CATALOG = Catalog({spec.name: spec for spec in DEFAULT_EVENT_TYPES})
