"""What a CloudMonitor event rule delivers to an MNS queue: the records and the body format.

The bridge itself (``cms/rule_delivery.py``) is an observer above the core; its records and
its opt-in delivery faults are plain data, here, so the handles can name them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["DeliveryPolicy", "RuleDelivery", "decode_body", "encode_body"]


def encode_body(payload: Mapping[str, Any]) -> str:
    """The MNS message body of a payload: the Base64 of its JSON text (UTF-8).

    Our choice, inferred: the consumer of Alibaba's ECS best-practice page reads the queue
    with the MNS SDK's default (Base64) encoding and ``json.loads(message.message_body)``,
    which only works if the body was sent Base64-encoded (docs/fidelity.md).
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode_body(body: str | bytes) -> dict[str, Any]:
    """The payload of a message body :func:`encode_body` made (a test's shortcut)."""
    raw = base64.b64decode(body, validate=True)
    payload: dict[str, Any] = json.loads(raw.decode("utf-8"))
    return payload


@dataclass(frozen=True)
class DeliveryPolicy:
    """Opt-in delivery faults of a rule's MNS targets.

    ``duplicates``: the probability (0 to 1) that a message is delivered twice (the copy
    right after it, same body). ``reorder``: each message gets a random MNS priority (1-16),
    so messages waiting together in the queue are received out of order.
    """

    duplicates: float = 0.0
    reorder: bool = False

    def __post_init__(self) -> None:
        value = self.duplicates
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"duplicates must be a probability from 0 to 1, got {value!r}")
        if not isinstance(self.reorder, bool):
            raise ValueError(f"reorder must be True or False, got {self.reorder!r}")

    @property
    def faulty(self) -> bool:
        return self.duplicates > 0 or self.reorder


@dataclass(frozen=True)
class RuleDelivery:
    """One delivery of a payload to a rule's MNS target, and what came of it."""

    time: datetime  # the virtual time of the change (the message's EnqueueTime)
    rule: str
    target_id: str
    queue: str
    payload: dict[str, Any]
    message_id: str | None  # None if the delivery failed
    error: str | None  # why it failed (None: the message is in the queue)
    duplicate: bool = False  # the extra copy of a duplicated delivery
    priority: int | None = None  # the MNS priority given (reorder); None: the default

    @property
    def ok(self) -> bool:
        return self.error is None
