"""What live mode raises: a refused call, a call without an answer, the API's own errors,
and the two outcomes of a test that live mode cannot run (or wait for) as asked.

:class:`LiveUnsupported` and :class:`LiveTimeout` are outcomes, not errors of the code under
test: like pytest's own outcomes they derive from :class:`BaseException`, so that a handler's
``except Exception`` does not swallow them. The pytest plugin turns them into a skip and a
failure (:mod:`pytest_ecs_events.plugin.live`); plain code sees them as they are.
"""

from __future__ import annotations

from ..core.errors import EcsApiError

__all__ = [
    "LiveApiError",
    "LiveConnectionError",
    "LiveGuardError",
    "LiveOutcome",
    "LiveTimeout",
    "LiveUnsupported",
]


class LiveGuardError(Exception):
    """The guard refused a call before it was sent (the message says what and why)."""


class LiveConnectionError(Exception):
    """A call got no answer (network, TLS, timeout): whether it took effect is unknown."""


class LiveApiError(EcsApiError):
    """An error the real API answered (code, HTTP status, message; plus the RequestId)."""

    def __init__(self, code: str, message: str, status: int, request_id: str | None = None):
        super().__init__(code, message, status)
        self.request_id = request_id


class LiveOutcome(BaseException):
    """A test cannot go on against a real account; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LiveUnsupported(LiveOutcome):
    """What the test asks for is offline only (or outside this run's instances or region):
    the test is to be skipped, never run on something else."""

    def __str__(self) -> str:
        return f"live mode: {self.reason}"


class LiveTimeout(LiveOutcome):
    """``advance()`` gave up: the cloud would not, or did not, reach the time in time."""
