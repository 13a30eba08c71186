"""What live mode raises: API errors are EcsApiError; skips and timeouts are outcomes."""

from __future__ import annotations

import pytest

from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.live.errors import LiveApiError, LiveOutcome, LiveTimeout, LiveUnsupported


def test_api_errors_are_ecs_api_errors() -> None:
    error = LiveApiError("Throttling", "slow down", 400, "REQ-1")
    assert isinstance(error, EcsApiError)
    assert (error.code, error.status, error.request_id) == ("Throttling", 400, "REQ-1")


@pytest.mark.parametrize("outcome", [LiveUnsupported, LiveTimeout])
def test_outcomes_are_not_swallowed_by_except_exception(outcome: type[LiveOutcome]) -> None:
    """As pytest's own outcomes: a handler's broad ``except Exception`` lets them through."""

    def handler() -> None:
        try:
            raise outcome("why")
        except Exception:  # pragma: no cover - the point: never taken
            pytest.fail("caught as an Exception")

    with pytest.raises(outcome) as info:
        handler()
    assert info.value.reason == "why"


def test_how_outcomes_read() -> None:
    assert str(LiveUnsupported("offline only")) == "live mode: offline only"
    assert str(LiveTimeout("advance('1h'): too long")) == "advance('1h'): too long"
