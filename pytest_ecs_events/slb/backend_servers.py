"""The ``BackendServers`` parameter: one JSON array of backend servers, as every SLB backend
action takes it (``OldBackendServers`` / ``NewBackendServers`` too).

``[{"ServerId": "i-1", "Weight": "100", "Type": "ecs", "Port": "80", "Description": "web"}]``:
``Weight`` (0-100, default 100) and ``Port`` (1-65535) may be numbers or digit strings, as
the documented examples send them; at most 20 entries (documented). Every refusal is the
API's error, never a traceback (``tests/property/test_slb_backend_servers.py``).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from ..core.errors import EcsApiError
from ..core.load_balancers import BACKEND_TYPES, MAX_BACKENDS_PER_CALL, BackendSpec

__all__ = ["parse_backend_servers"]

_DIGITS = re.compile(r"\s*\d{1,9}\s*")
EXAMPLE = '[{"ServerId":"i-1","Weight":"100"}]'


def _invalid(name: str, detail: str) -> EcsApiError:
    return EcsApiError("InvalidParameter", f"The specified {name} is invalid: {detail}", 400)


def _number(value: Any) -> int | None:
    """A JSON number or a digit string as an int; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return None


def parse_backend_servers(
    text: str, name: str = "BackendServers", *, port_required: bool = False
) -> list[BackendSpec]:
    """The entries of a ``BackendServers`` value, in order (duplicates kept: each action
    says what a duplicate means). ``port_required``: the vServer group forms."""
    return list(_parsed(text, name, port_required))


#: A drain sends the same few lists again and again; a parse depends on its text alone and
#: its specs are frozen, so each distinct one is parsed once (a refusal raises every time).
@functools.lru_cache(maxsize=256)
def _parsed(text: str, name: str, port_required: bool) -> tuple[BackendSpec, ...]:
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):
        raise _invalid(
            name, f"expected a JSON array such as {EXAMPLE}, got {text[:80]!r}"
        ) from None
    if not isinstance(items, list) or not items:
        raise _invalid(name, f"expected a non-empty JSON array such as {EXAMPLE}")
    if len(items) > MAX_BACKENDS_PER_CALL:
        raise EcsApiError(
            "TooManyBackendServers",
            "The total number of input real servers exceeds max supported number: "
            f"{MAX_BACKENDS_PER_CALL}",
            400,
        )
    return tuple(_entry(item, name, port_required) for item in items)


def _entry(item: Any, name: str, port_required: bool) -> BackendSpec:
    if not isinstance(item, dict):
        raise _invalid(name, f"each backend server must be a JSON object, got {item!r:.80}")
    server_id = item.get("ServerId")
    if not isinstance(server_id, str) or not server_id.strip():
        raise _invalid(name, f"each backend server needs a ServerId (a string), got {item!r:.80}")
    kind = item.get("Type", "ecs")
    if kind not in BACKEND_TYPES:
        raise _invalid(name, f"Type must be ecs, eni or eci, got {kind!r:.40}")
    if kind != "ecs":  # our choice: ENIs and elastic container instances are not simulated
        raise _invalid(name, f"only ECS instances (Type ecs) are simulated, got {kind!r}")
    weight = None
    if item.get("Weight") is not None:
        weight = _number(item["Weight"])
        if weight is None or not 0 <= weight <= 100:
            raise EcsApiError("InvalidWeight.Malformed", "A specified weight is not valid.", 400)
    port = None
    if item.get("Port") is not None or port_required:
        port = _number(item.get("Port"))
        if port is None or not 1 <= port <= 65535:
            raise EcsApiError(
                "InvalidParameter",
                "The specified BackendServers is invalid, as the Port value should be in "
                "[1, 65535].",
                400,
            )
    description = item.get("Description")
    if description is not None and (
        not isinstance(description, str) or not 1 <= len(description) <= 80
    ):
        raise _invalid(name, "Description must be a string of 1 to 80 characters")
    return BackendSpec(server_id, weight, port, kind, description)
