"""The virtual clock and every parser of times and durations.

All times inside the simulator are timezone-aware UTC datetimes. Nothing in the core reads the
wall clock except :func:`wall_clock_now`, which callers use explicitly to seed a clock.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from typing import TYPE_CHECKING

from .lazy import pattern_on_first_use

UTC = timezone.utc

__all__ = [
    "UTC",
    "TimeFormatError",
    "VirtualClock",
    "format_api_time",
    "parse_api_time",
    "parse_datetime",
    "parse_duration",
    "parse_time",
    "wall_clock_now",
]


class TimeFormatError(ValueError):
    """A time or duration that cannot be understood; the message says what was expected."""


_UNIT_SECONDS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_COMPACT_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|w|d|h|m|s)", re.ASCII)
_COMPACT_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|w|d|h|m|s))+", re.ASCII)
_ISO_DURATION = pattern_on_first_use(
    r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?",
    re.ASCII,
)
_API_TIME = pattern_on_first_use(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?Z", re.ASCII)

DURATION_HELP = (
    "a duration such as '45s', '90m', '1h30m', '2d', '1w', ISO 8601 'PT2H', "
    "a number of seconds, or a datetime.timedelta"
)
TIME_HELP = (
    "an ISO 8601 timestamp such as '2018-09-01T00:00:00Z', a relative time such as '+2h', "
    "a timezone-aware datetime, or a timedelta (relative to now)"
)


def wall_clock_now() -> datetime:
    """The real current time, whole seconds, UTC (the API's time fields have no fractions)."""
    return datetime.now(UTC).replace(microsecond=0)


def parse_duration(value: object) -> timedelta:
    """Parse a non-negative duration: ``"2h"``, ``"1h30m"``, ``"PT2H"``, ``90``, ``timedelta``."""
    if type(value) is str:  # the usual case first: a str is none of the types below
        result = _parse_duration_text(value)
    elif isinstance(value, timedelta):
        result = value
    elif isinstance(value, bool):
        raise TimeFormatError(f"expected {DURATION_HELP}, got {value!r}")
    elif isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TimeFormatError(f"expected {DURATION_HELP}, got {value!r}")
        try:
            result = timedelta(seconds=value)
        except OverflowError:
            raise TimeFormatError(f"duration {value!r} is too large") from None
    elif isinstance(value, str):
        result = _parse_duration_text(value)
    else:
        raise TimeFormatError(f"expected {DURATION_HELP}, got {value!r}")
    if result < _ZERO:
        raise TimeFormatError(f"a duration cannot be negative, got {value!r}")
    return result


_ZERO = timedelta(0)


@functools.lru_cache(maxsize=256)
def _parse_duration_text(value: str) -> timedelta:
    """Kept per text: a suite gives the same few texts in every test (markers, advance)."""
    text = value.strip().replace(" ", "")
    lowered = text.lower()
    try:
        if _COMPACT_WHOLE.fullmatch(lowered):
            seconds = sum(
                float(number) * _UNIT_SECONDS[unit]
                for number, unit in _COMPACT_PART.findall(lowered)
            )
            return timedelta(seconds=seconds)
        iso = _ISO_DURATION().fullmatch(text.upper())
        if iso and text.upper() not in ("P", "PT") and not text.upper().endswith("T"):
            parts = {k: float(v) for k, v in iso.groupdict().items() if v is not None}
            return timedelta(**parts)
        if re.fullmatch(r"\d+(?:\.\d+)?", lowered, re.ASCII):
            return timedelta(seconds=float(lowered))
    except OverflowError as exc:
        raise TimeFormatError(f"duration {value!r} is too large") from exc
    raise TimeFormatError(f"expected {DURATION_HELP}, got {value!r}")


def parse_datetime(value: object) -> datetime:
    """Parse an absolute time into aware UTC; a naive value is taken to be UTC."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise TimeFormatError(f"expected {TIME_HELP}, got an empty string")
        # Here, not at the top: dateutil's parser package (with its tz and six) is the
        # largest import of the plugin's start-up, and a run that never parses an absolute
        # time (most never do) should not load it.
        from dateutil.parser import isoparse

        try:
            result = isoparse(text)
        except (ValueError, OverflowError) as exc:
            raise TimeFormatError(f"expected {TIME_HELP}, got {value!r}") from exc
    else:
        raise TimeFormatError(f"expected {TIME_HELP}, got {value!r}")
    if result.tzinfo is None:
        return result.replace(tzinfo=UTC)
    try:
        return result.astimezone(UTC)
    except OverflowError as exc:
        raise TimeFormatError(f"time {value!r} is out of range") from exc


def parse_time(value: object, *, now: datetime) -> datetime:
    """Parse an absolute or relative time: ISO 8601, ``"+2h"``, ``timedelta``, ``datetime``."""
    try:
        if isinstance(value, timedelta):
            return now + value
        if isinstance(value, str):
            relative = (_kept_offset if type(value) is str else _relative_offset)(value)
            if relative is not None:
                later, delta = relative
                return now + delta if later else now - delta
        return parse_datetime(value)
    except OverflowError as exc:
        raise TimeFormatError(f"time {value!r} is out of range") from exc
    except TimeFormatError as exc:
        raise TimeFormatError(f"expected {TIME_HELP}, got {value!r}") from exc


def _relative_offset(value: str) -> tuple[bool, timedelta] | None:
    """``"+<duration>"`` as (True, the duration), ``"-<duration>"`` as (False, the duration);
    None for text that is not relative."""
    text = value.strip()
    if not text.startswith(("+", "-")):
        return None
    return text[0] == "+", parse_duration(text[1:])


#: :func:`_relative_offset` kept per text (a plain str: a subclass may strip its own way): a
#: suite gives the same few in every test (the markers' ``not_before``). A bad duration
#: raises, and is not kept.
_kept_offset = functools.lru_cache(maxsize=256)(_relative_offset)


def parse_api_time(value: str) -> datetime:
    """Parse the API's own UTC format ``yyyy-MM-ddTHH:mm:ssZ`` (seconds may be left out)."""
    match = _API_TIME().fullmatch(value)
    if not match:
        raise TimeFormatError(
            f"expected the UTC format yyyy-MM-ddTHH:mm:ssZ, for example "
            f"2018-09-01T00:00:00Z, got {value!r}"
        )
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise TimeFormatError(f"{value!r} is not a valid date and time: {exc}") from exc


def format_api_time(value: datetime) -> str:
    """Format as the API does: ``2018-09-01T00:00:00Z``.

    Rendering an event formats up to four times, and the same times come back again and
    again (an event's are fixed once set): the simulator's own times, plain UTC datetimes,
    are each formatted once and kept. Any other (a local or naive time, a subclass) is
    formatted afresh: its text may depend on the zone's rules or on its own methods.
    """
    if value.tzinfo is not UTC or type(value) is not datetime:
        return _format_utc(value if value.tzinfo is UTC else value.astimezone(UTC))
    text = _FORMATTED.get(value)
    if text is None:
        text = _format_utc(value)
        if len(_FORMATTED) >= 4096:
            _FORMATTED.clear()
        _FORMATTED[value] = text
    return text


def _format_utc(value: datetime) -> str:
    return value.isoformat(timespec="seconds")[:19] + "Z"


#: Formatted UTC times.
_FORMATTED: dict[datetime, str] = {}


class VirtualClock:
    """A clock that only moves when told to; it never goes backwards."""

    __slots__ = ("_now",)

    def __init__(self, start: datetime) -> None:
        self._now = parse_datetime(start)

    if TYPE_CHECKING:

        @property
        def now(self) -> datetime: ...

    else:
        #: Read-only. attrgetter reads the slot in C: advance() reads the clock several times
        #: for every transition, and a property's Python getter is a frame per read.
        now = property(attrgetter("_now"), doc="The virtual time now (read-only).")

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError(
                f"the virtual clock cannot go backwards: it is {format_api_time(self._now)}, "
                f"asked for {format_api_time(when)}"
            )
        self._now = when
