"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import types

import pytest


@pytest.fixture
def backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The legacy SDK's retry back-off, recorded instead of slept.

    Only the ``time`` module that ``aliyunsdkcore.client`` sees is replaced: nothing else in
    the process stops sleeping.
    """
    import aliyunsdkcore.client

    sleeps: list[float] = []
    monkeypatch.setattr(aliyunsdkcore.client, "time", types.SimpleNamespace(sleep=sleeps.append))
    return sleeps
