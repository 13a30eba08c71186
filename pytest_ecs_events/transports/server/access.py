"""The access log's record of one answered request (``ecs-sim serve`` prints its lines)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...core.clock import format_api_time

__all__ = ["AccessRecord"]


@dataclass(frozen=True)
class AccessRecord:
    """One answered request, as the access log receives it."""

    time: datetime
    client: str
    method: str
    path: str
    action: str
    status: int
    code: str | None
    duration: float

    def line(self) -> str:
        """``2024-05-01T10:00:00Z 127.0.0.1 POST DescribeInstanceHistoryEvents 200 - 0.4ms``."""
        return (
            f"{format_api_time(self.time)} {self.client} {self.method or '-'} "
            f"{self.action or '-'} {self.status} {self.code or '-'} "
            f"{self.duration * 1000:.1f}ms"
        )
