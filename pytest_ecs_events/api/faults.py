"""Injected faults (``fail_next``): the API errors and transport failures a test asks for.

An API fault answers the next calls of an action with an error body instead of serving
them. A *transport* fault (``fault="timeout"`` or ``"reset"``, or a latency at least the
client's read timeout) gives the client no answer at all: :meth:`EcsApi.handle
<pytest_ecs_events.api.dispatch.EcsApi.handle>` raises :class:`TransportFault`, and each
transport acts it out (the interception raises the exception requests would, the server
closes the connection without an answer).

Faults are strict: the action must be one the simulator implements (or ``"*"``), and a fault
still queued when the test ends fails it (the ``ecs_sim`` fixture lists them with
:func:`describe_fault`), unless it was queued with ``required=False`` or the ini option
``ecs_sim_strict_faults`` is false. A fault the code under test never met is a test that
did not test what it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .calls import ApiCall

__all__ = [
    "TRANSPORT_FAULTS", "Fault", "TransportFault", "describe_fault", "make_fault", "take_fault",
]  # fmt: skip


@dataclass
class Fault:
    """An error to answer instead of serving the next ``times`` calls of an action."""

    action: str
    code: str
    status: int
    message: str
    times: int
    #: ``"timeout"`` or ``"reset"``: a transport fault instead of an API error.
    transport: str | None = None
    #: Whether a test that ends with this fault still queued fails (``fail_next(required=)``).
    required: bool = True


#: Transport faults, and the ``ApiCall.error_code`` a try that met one is recorded with.
TRANSPORT_FAULTS = {"timeout": "Transport.Timeout", "reset": "Transport.ConnectionReset"}


class TransportFault(Exception):
    """The client gets no answer: raised by ``EcsApi.handle`` for a transport fault.

    ``kind`` is ``"timeout"`` (the request was served, but the answer never came back in
    time, as with a real read timeout, where the client cannot know whether it was done) or
    ``"reset"`` (the connection was reset before the request reached the API: nothing was
    done). ``call`` is the recorded try; ``timeout`` the client's read timeout, if known.
    """

    def __init__(
        self, kind: str, call: ApiCall, timeout: float | None = None, cause: str = ""
    ) -> None:
        what = "read timed out" if kind == "timeout" else "connection reset by peer"
        cause = cause or f"fail_next({call.action!r}, fault={kind!r})"
        super().__init__(f"{call.action}: {what} (simulated by pytest-ecs-events: {cause})")
        self.kind = kind
        self.call = call
        self.timeout = timeout


def make_fault(
    action: str, *, code: str = "Throttling", status: int = 400, message: str | None = None,
    times: int = 1, fault: str | None = None, required: bool = True,
) -> Fault:  # fmt: skip
    """The :class:`Fault` that ``fail_next(action, ...)`` queues; bad arguments raise
    ``ValueError`` naming the argument (an action the simulator does not implement too)."""
    # here, not at the top: the transports import this module at every simulator's start,
    # and a test that makes no API call does not need the registry
    from .registry import check_action_name

    check_action_name(action, "fail_next")
    if not isinstance(required, bool):
        raise ValueError(f"fail_next(required=...) must be True or False, got {required!r}")
    if not isinstance(times, int) or times < 1:
        raise ValueError(f"fail_next(times=...) must be a positive integer, got {times!r}")
    if fault is not None:
        if fault not in TRANSPORT_FAULTS:
            raise ValueError(
                f"fail_next(fault=...) must be one of {', '.join(map(repr, TRANSPORT_FAULTS))}"
                f", got {fault!r}"
            )
        if code != "Throttling" or status != 400 or message is not None:
            raise ValueError(
                "fail_next(fault=...) injects a transport fault (no answer at all): it "
                "takes no code, status or message; inject API errors with a separate call"
            )
        return Fault(action, TRANSPORT_FAULTS[fault], 0, "", times, fault, required)
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError(f"fail_next(status=...) must be an HTTP error status, got {status!r}")
    message = message or default_fault_message(code)
    return Fault(action, code, status, message, times, required=required)


def describe_fault(fault: Fault) -> str:
    """A queued fault as the ``fail_next`` call that queued it, with the tries it has left."""
    what = f"fault={fault.transport!r}" if fault.transport else (
        f"code={fault.code!r}, status={fault.status}"
    )  # fmt: skip
    return f"fail_next({fault.action!r}, {what}): {fault.times} time(s) left"


def take_fault(faults: list[Fault], action: str, *, transport: bool = False) -> Fault | None:
    """Consume the first fault queued for ``action`` (or ``"*"``), if it is of the kind asked
    for; the caller holds the lock that guards ``faults``."""
    for fault in faults:
        if fault.action in (action, "*"):
            if (fault.transport is not None) != transport:
                return None  # its turn comes at the other check, in queue order
            fault.times -= 1
            if fault.times <= 0:
                faults.remove(fault)
            return fault
    return None


#: The service's own words for the codes a test injects most.
FAULT_MESSAGES = {
    "Throttling": "Request was denied due to request throttling.",
    "ServiceUnavailable": "The request has failed due to a temporary failure of the server.",
    "InternalError": "The request processing has failed due to some unknown error, exception "
    "or failure.",
}


def default_fault_message(code: str) -> str:
    """The message of an injected ``code`` when the test gives none."""
    return FAULT_MESSAGES.get(code, f"The request failed with {code} (injected by fail_next).")
