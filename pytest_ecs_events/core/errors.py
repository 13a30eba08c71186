"""The one exception type of the simulator: an ECS API error (code, HTTP status, message).

The core raises it for every refused operation, the API layer turns it into the API's error
body, and the handle's methods let it through to the test, so a test sees the same code and
status that an SDK would.
"""

from __future__ import annotations


class EcsApiError(Exception):
    """An error as the ECS API would answer it: ``code``, HTTP ``status``, ``message``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code} (HTTP {status}): {message}")
        self.code = code
        self.status = status
        self.message = message

    def __repr__(self) -> str:
        return f"EcsApiError(code={self.code!r}, status={self.status}, message={self.message!r})"

    def __reduce__(self) -> tuple[type[EcsApiError], tuple[str, str, int]]:
        return (type(self), (self.code, self.message, self.status))
