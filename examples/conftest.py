"""Settings shared by the examples (each example's own fixtures are in its folder)."""

from __future__ import annotations

import pytest

# On Python 3.12+ the new SDK (alibabacloud_tea_openapi, alibabacloud_credentials) calls
# datetime.utcnow(), which warns; with `filterwarnings = error` the SDK would wrap that
# warning into an UnretryableException. Your own project needs the same line if it turns
# warnings into errors.
SDK_UTCNOW_WARNING = (
    r"ignore:datetime\.datetime\.utcnow\(\) is deprecated:DeprecationWarning:alibabacloud_.*"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", SDK_UTCNOW_WARNING)
