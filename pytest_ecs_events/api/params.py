"""Reading an action's parameters with the API's validation and error codes.

Every accessor raises :class:`EcsApiError` in the API's own words: ``MissingParameter`` naming
the parameter, ``InvalidParameter`` saying what was expected. The HTTP status of those codes
differs between actions (CreateSimulatedSystemEvents answers MissingParameter with 404), so
each :class:`Params` carries its action's status table. :func:`param_text` goes the other
way: a Python value as a parameter's text, for the handles' ``call()`` and live mode's client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..core.clock import TimeFormatError, format_api_time, parse_api_time
from ..core.errors import EcsApiError
from ..core.lazy import pattern_on_first_use

_INDEX = pattern_on_first_use(r"[0-9]{1,9}")
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def param_text(value: Any) -> str:
    """A Python value as the API's query parameter text: ``True`` as ``"true"``, a
    ``datetime`` in UTC, a list or tuple as a JSON array (``InstanceIds=["i-1"]``)."""
    if isinstance(value, list | tuple):
        return json.dumps([param_text(v) for v in value])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_api_time(value)
    return str(value)


def missing_message(name: str) -> str:
    return (
        f'The input parameter "{name}" that is mandatory for processing this request is not '
        f"supplied."
    )


def invalid_message(name: str, detail: str) -> str:
    return f'The specified parameter "{name}" is not valid: {detail}'


class Params:
    """The flat parameters of one call (``InstanceId.1``, ``Tag.1.Key``...)."""

    def __init__(self, raw: Mapping[str, str], statuses: Mapping[str, int] | None = None) -> None:
        self.raw = raw
        self.statuses = statuses or {}
        self._lists: dict[str, list[tuple[int, str, str]]] | None = None

    def error(self, code: str, message: str, default_status: int = 400) -> EcsApiError:
        return EcsApiError(code, message, self.statuses.get(code, default_status))

    def missing(self, name: str) -> EcsApiError:
        return self.error("MissingParameter", missing_message(name))

    def invalid(self, name: str, detail: str, code: str = "InvalidParameter") -> EcsApiError:
        return self.error(code, invalid_message(name, detail))

    # -- scalars ---------------------------------------------------------------------------
    def text(self, name: str, *, required: bool = False, max_length: int = 1024) -> str | None:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                raise self.missing(name)
            return None
        if len(value) > max_length:
            raise self.invalid(name, f"at most {max_length} characters are allowed")
        return value

    def required(self, name: str, *, max_length: int = 1024) -> str:
        value = self.text(name, required=True, max_length=max_length)
        assert value is not None
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.text(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise self.invalid(name, f"expected true or false, got {value!r}")

    def integer(
        self, name: str, *, default: int, minimum: int, maximum: int, code: str = "InvalidParameter"
    ) -> int:
        value = self.text(name)
        if value is None:
            return default
        if not re.fullmatch(r"\s*[+-]?\d{1,18}\s*", value):
            raise self.invalid(name, f"expected an integer, got {value!r}", code)
        number = int(value)
        if not minimum <= number <= maximum:
            raise self.invalid(
                name, f"expected a value from {minimum} to {maximum}, got {number}", code
            )
        return number

    def choice(
        self, name: str, allowed: Iterable[str], *, default: str | None = None
    ) -> str | None:
        value = self.text(name)
        if value is None:
            return default
        options = list(allowed)
        if value not in options:
            raise self.invalid(name, f"expected one of {', '.join(options)}, got {value!r}")
        return value

    def time(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return parse_api_time(value.strip())
        except TimeFormatError as exc:
            raise self.invalid(name, str(exc)) from None

    def time_range(self, prefix: str) -> tuple[datetime | None, datetime | None]:
        """``<prefix>.Start`` and ``<prefix>.End``; End before Start is refused."""
        start = self.time(f"{prefix}.Start")
        end = self.time(f"{prefix}.End")
        if start is not None and end is not None and end < start:
            raise self.error(
                "InvalidParameter.TimeEndBeforeStart",
                f"The end time of {prefix} ({self.raw[prefix + '.End']}) is before its start "
                f"time ({self.raw[prefix + '.Start']}).",
                403,
            )
        return start, end

    # -- lists -----------------------------------------------------------------------------
    def _indexed(self) -> dict[str, list[tuple[int, str, str]]]:
        """Every ``Name.N`` parameter by name, read in one pass over the parameters."""
        if self._lists is None:
            lists: dict[str, list[tuple[int, str, str]]] = {}
            is_index = _INDEX().fullmatch
            for key, value in self.raw.items():
                name, dot, index = key.rpartition(".")
                if dot and is_index(index):
                    lists.setdefault(name, []).append((int(index), key, value))
            self._lists = lists
        return self._lists

    def items(
        self,
        name: str,
        *,
        limit: int,
        limit_code: str = "InvalidParameter",
        limit_status: int | None = None,
        required: bool = False,
    ) -> list[str]:
        """``Name.1``, ``Name.2``... in index order (gaps allowed); empty values dropped."""
        indexed: list[tuple[int, str]] = []
        for index, key, value in self._indexed().get(name, ()):
            if index < 1:
                raise self.invalid(key, "list indexes start at 1")
            if value != "":
                indexed.append((index, value))
        indexed.sort()
        values = [v for _, v in indexed]
        if not values and required:
            raise self.missing(f"{name}.1")
        if len(values) > limit:
            message = f"At most {limit} values of {name}.N are allowed; {len(values)} were given."
            status = limit_status if limit_status is not None else self.statuses.get(limit_code)
            raise EcsApiError(limit_code, message, status if status is not None else 400)
        return values

    def json_list(self, name: str, *, limit: int) -> list[str] | None:
        """A parameter holding one JSON array of strings, e.g. ``InstanceIds``."""
        value = self.text(name, max_length=100_000)
        if value is None:
            return None
        try:
            items = json.loads(value)
        except (ValueError, RecursionError):
            detail = f'expected a JSON array such as ["i-1","i-2"], got {value!r}'
            raise self.invalid(name, detail) from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise self.invalid(name, "expected a JSON array of strings")
        if len(items) > limit:
            raise self.invalid(name, f"at most {limit} values are allowed, got {len(items)}")
        return items

    def structs(self, prefix: str) -> dict[int, dict[str, str]]:
        """Every ``Prefix.N.Field`` parameter grouped by N, in index order:
        ``{N: {Field: value}}``, where ``Field`` is the rest of the name (``TagValues.2``)."""
        start = prefix + "."
        found: dict[int, dict[str, str]] = {}
        for key, value in self.raw.items():
            if key.startswith(start):
                index, dot, field = key[len(start) :].partition(".")
                if dot and field and _INDEX().fullmatch(index):
                    found.setdefault(int(index), {})[field] = value
        return dict(sorted(found.items()))

    def tags(self, *, limit: int = 20) -> list[tuple[str, str | None]]:
        """``Tag.N.Key`` / ``Tag.N.Value`` pairs in index order."""
        pairs: list[tuple[str, str | None]] = []
        for index, entry in self.structs("Tag").items():
            if not entry.get("Key"):
                if entry.get("Value"):
                    raise self.invalid(f"Tag.{index}.Key", "a tag value needs a key")
                continue
            pairs.append((entry["Key"], entry.get("Value")))
        if len(pairs) > limit:
            raise self.invalid("Tag", f"at most {limit} tags are allowed, got {len(pairs)}")
        return pairs
