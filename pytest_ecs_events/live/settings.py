"""The options of a live run, parsed and checked (no secret: the credentials are kept apart).

The pytest options (``--ecs-live-instances``, ``--ecs-live-endpoint``, ...) and ``ecs-sim
live-cleanup`` both parse their text here, so the two say the same about a bad value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core.clock import TimeFormatError, parse_duration
from ..core.regions import default_endpoint

__all__ = [
    "DEFAULT_JOURNAL_DIR",
    "DEFAULT_TIMEOUT",
    "LiveSettings",
    "parse_endpoint",
    "parse_instance_map",
    "parse_timeout",
]

#: Seconds ``advance()`` may wait for the cloud (``--ecs-live-timeout``).
DEFAULT_TIMEOUT = 600.0
#: Where the journals go when pytest's cache directory is the default one.
DEFAULT_JOURNAL_DIR = Path(".pytest_cache") / "d" / "ecs-live"


def parse_instance_map(text: str) -> dict[str, str]:
    """``"web=i-2ze1,db=i-2ze2"`` -> ``{"web": "i-2ze1", "db": "i-2ze2"}``.

    A bare id (``i-2ze1``) is its own alias.
    """
    mapping: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        alias, sep, instance_id = part.partition("=")
        alias, instance_id = alias.strip(), instance_id.strip()
        if not sep:
            alias, instance_id = part, part
        if not alias or not instance_id:
            raise ValueError(f"expected ALIAS=INSTANCE_ID, got {part!r}")
        if not instance_id.startswith("i-") or any(c.isspace() for c in instance_id):
            raise ValueError(
                f"{alias}={instance_id!r}: an ECS instance id starts with 'i-' "
                "(for example web=i-2zeXXXXXXXXXXXXXXXXX)"
            )
        if alias in mapping and mapping[alias] != instance_id:
            raise ValueError(f"alias {alias!r} is mapped twice ({mapping[alias]}, {instance_id})")
        mapping[alias] = instance_id
    if not mapping:
        raise ValueError("no instance given")
    return mapping


def parse_endpoint(text: str) -> str:
    """``HOST[:PORT]`` without a scheme (the protocol is a separate option)."""
    value = text.strip()
    if "://" in value:
        raise ValueError(
            f"give HOST[:PORT] without a scheme, got {text!r}; "
            "choose the scheme with --ecs-live-protocol http|https"
        )
    if not value or "/" in value or any(c.isspace() for c in value):
        raise ValueError(
            f"expected HOST[:PORT], for example ecs.cn-beijing.aliyuncs.com, got {text!r}"
        )
    port = ""
    if value.startswith("["):  # [::1]:8080
        _, _, rest = value.partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    elif value.count(":") == 1:
        port = value.partition(":")[2]
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"the port of {text!r} must be a number from 1 to 65535")
    return value


def parse_timeout(text: str | float) -> float:
    """Seconds, as a number (``"90"``) or a duration (``"90s"``, ``"10m"``)."""
    try:
        seconds = parse_duration(float(text) if _is_number(text) else text).total_seconds()
    except (TimeFormatError, ValueError):
        raise ValueError(
            f"expected seconds (e.g. 600) or a duration (e.g. 10m), got {text!r}"
        ) from None
    if seconds <= 0:
        raise ValueError(f"the timeout must be positive, got {text!r}")
    return seconds


def _is_number(text: object) -> bool:
    if isinstance(text, int | float):
        return True
    try:
        float(str(text))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class LiveSettings:
    """The live options of a run (no secret: the credentials are kept apart)."""

    aliases: Mapping[str, str]
    region: str = "cn-hangzhou"
    endpoint: str | None = None
    protocol: str = "https"
    timeout: float = DEFAULT_TIMEOUT
    journal_dir: Path = DEFAULT_JOURNAL_DIR

    @property
    def allowlist(self) -> frozenset[str]:
        return frozenset(self.aliases.values())

    @property
    def resolved_endpoint(self) -> str:
        return self.endpoint or default_endpoint(self.region)

    def alias_text(self) -> str:
        return ", ".join(
            alias if alias == real else f"{alias}={real}" for alias, real in self.aliases.items()
        )
