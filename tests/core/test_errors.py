"""``EcsApiError`` (core/errors.py): its members, text and pickling."""

from __future__ import annotations

import pickle

from pytest_ecs_events.core.errors import EcsApiError


def test_ecs_api_error() -> None:
    error = EcsApiError("InvalidEventId.NotFound", "Cannot find EventId.", 403)
    assert (error.code, error.status, error.message) == (
        "InvalidEventId.NotFound", 403, "Cannot find EventId.",
    )  # fmt: skip
    assert "InvalidEventId.NotFound" in str(error)
    assert "403" in str(error)
    assert EcsApiError("Throttling", "slow down").status == 400
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.status, copy.message) == (error.code, error.status, error.message)
    assert repr(copy) == repr(error)
