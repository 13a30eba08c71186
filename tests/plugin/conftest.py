"""Fixtures of the pytest glue's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def sdk_pytester(ecs_pytester: pytest.Pytester) -> pytest.Pytester:
    """``ecs_pytester`` whose inner tests can import ``ecs_sdk_helpers`` (``SDK_HELPERS``)."""
    pytest.importorskip("aliyunsdkecs")
    pytest.importorskip("alibabacloud_ecs20140526")
    from tests.helpers.sdk import SDK_HELPERS

    ecs_pytester.makepyfile(ecs_sdk_helpers=SDK_HELPERS)
    ecs_pytester.syspathinsert()
    return ecs_pytester
