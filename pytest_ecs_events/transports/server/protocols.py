"""What the loopback server needs of the account it serves, as small structural Protocols.

The server is a transport: it never builds or imports a handle. Whoever starts it passes an
object with these members (``EcsSimulator`` has all of them), so the layers stay one-way:
the handle knows the transports, never the reverse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from ...api.calls import ApiCall
from ...api.messages import ApiRequest, ApiResponse
from ...core.lifecycle import Transition
from ...core.models import Instance, SystemEvent
from ...core.simulation import Simulation
from ...core.timeline import Recorder
from .access import AccessRecord

__all__ = [
    "ClockFollower",
    "Clocked",
    "MetadataFormatter",
    "ServedAccount",
    "ServerHost",
    "SimulatedAccount",
]


@runtime_checkable
class Clocked(Protocol):
    """A virtual clock that only moves forward (what the wall-clock follower drives)."""

    @property
    def now(self) -> datetime: ...

    def advance(
        self, by: timedelta | str | None = None, *, to: datetime | str | None = None
    ) -> Sequence[Transition]: ...


@runtime_checkable
class SimulatedAccount(Clocked, Protocol):
    """What the ``/_sim/`` control API and the instance metadata service read and change."""

    @property
    def instances(self) -> Sequence[Instance]: ...

    @property
    def calls(self) -> Sequence[ApiCall]: ...

    @property
    def simulation(self) -> Simulation: ...

    @property
    def recorder(self) -> Recorder:
        """Every change since the account was made (the console's ``/_sim/timeline``)."""
        ...

    def instance(self, instance_id: str) -> Instance: ...

    @property
    def add_instance(self) -> Callable[..., Instance]:
        """``add_instance(instance_id, *, name, region, zone, status, tags, **attributes)``,
        as the handle has it (the control API passes those keywords)."""
        ...

    def events(
        self,
        *,
        instance_id: str | None = None,
        state: str | Iterable[str] | None = None,
        event_type: str | None = None,
    ) -> Sequence[SystemEvent]: ...

    def create_events(
        self, event_type: str, instance_ids: Sequence[str], not_before: str = ...
    ) -> Sequence[SystemEvent]: ...

    def inject_event(
        self,
        event_type: str,
        instance_id: str,
        *,
        not_before: str | None = None,
        state: str | None = None,
        reason: str | None = None,
    ) -> SystemEvent: ...

    # What the console's forms do (the control API's cancel and instance actions).
    def cancel_events(
        self, event_ids: str | Sequence[str], *, region: str | None = None
    ) -> Sequence[SystemEvent]: ...

    def reboot_instance(self, instance_id: str) -> Instance: ...

    def stop_instance(self, instance_id: str) -> Instance: ...

    def start_instance(self, instance_id: str) -> Instance: ...


@runtime_checkable
class ServedAccount(SimulatedAccount, Protocol):
    """An account the server answers API calls for: :attr:`handle` is its API handler."""

    def handle(self, request: ApiRequest) -> ApiResponse: ...


#: Builds the body of ``/latest/maintenance/active-system-events`` from ``(account,
#: instance, active events)``: a str is sent as text/plain, anything else as JSON. The account
#: is typed ``Any`` so that a formatter written for ``EcsSimulator`` type-checks as it is.
MetadataFormatter = Callable[[Any, Instance, list[SystemEvent]], Any]


class ClockFollower(Protocol):
    """Moves an account's clock with the wall clock (:class:`~.wallclock.WallClockFollower`)."""

    @property
    def offset(self) -> timedelta: ...

    def sync(self) -> None: ...

    def advance(
        self, by: timedelta | str | None = None, *, to: datetime | str | None = None
    ) -> Sequence[Transition]: ...

    def reset(self, simulator: Clocked) -> None: ...


class ServerHost(Protocol):
    """What a request handler reads of the server it works for (:class:`~.ecs_server.EcsServer`).

    Read on every request, not copied: a test may swap the formatter, and a reset swaps the
    account, while the server runs.
    """

    @property
    def simulator(self) -> ServedAccount: ...

    @property
    def clock(self) -> ClockFollower | None: ...

    @property
    def endpoint(self) -> str: ...

    @property
    def max_body(self) -> int: ...

    @property
    def timeout_hold(self) -> float: ...

    @property
    def max_connections(self) -> int: ...

    @property
    def header_timeout(self) -> float: ...

    @property
    def body_timeout(self) -> float: ...

    @property
    def idle_timeout(self) -> float: ...

    @property
    def metadata_formatter(self) -> MetadataFormatter: ...

    @property
    def factory(self) -> Callable[[], ServedAccount] | None: ...

    def reset_account(self) -> ServedAccount: ...

    #: Where the access records go (None: nowhere, and the handlers make none).
    access_log: Callable[[AccessRecord], None] | None

    def log_access(self, record: AccessRecord) -> None: ...

    def record_error(self, exc: BaseException) -> None: ...
