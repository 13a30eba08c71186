"""Response bodies as UTF-8 JSON: one C encoder, kept fragments spliced in, keys encoded once.

Benchmarks: P1 and P2 (``benchmarks/run.py``; the figures and what each piece saves are in
``docs/performance.md``, "What makes the hot path fast"). Three things make the output cheap:

- :func:`_make_dumps` builds the C encoder once: ``JSONEncoder.encode`` builds a new one on
  every call, which is a large part of encoding a small body;
- a :class:`Rendered` fragment (an event's rendering, kept by
  :mod:`~pytest_ecs_events.api.speedups.render_cache`) carries its own JSON, which
  :func:`encode_json` splices in instead of encoding it again; only the envelope (the first
  levels of a body) is walked in Python;
- :func:`json_tail` gives a kept answer's JSON without its opening brace, so each call puts
  its RequestId in front with one copy.

Guarded by ``tests/property/test_json_output.py``: :func:`encode_json` and the kept encoder
write exactly what ``json.dumps`` writes, for any JSON value, with or without fragments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Rendered", "encode_json", "json_tail"]


class Rendered(dict[str, Any]):
    """A body fragment that keeps its own UTF-8 JSON, so it is serialised only once.

    :func:`encode_json` splices the JSON in instead of encoding the dict again. Never mutate
    one: its JSON would no longer say what it holds.
    """

    __slots__ = ("json",)

    def __init__(self, body: Mapping[str, Any]) -> None:
        super().__init__(body)
        self.json = _utf8(_dumps(body))


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _make_dumps() -> Callable[[object], str]:
    """``_ENCODER.encode``, without building the C encoder again on every call.

    It is made once here, with the same options (no circular-reference check: our bodies are
    trees); without the C accelerator, the encoder itself is used.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _ENCODER.encode
    iterencode = make(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False,
        True,
    )  # fmt: skip

    def dumps(value: object) -> str:
        return "".join(iterencode(value, 0))

    return dumps


_dumps = _make_dumps()
_encode_str: Callable[[str], str] = json.encoder.encode_basestring


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def encode_json(value: object) -> bytes:
    """A response body as UTF-8 JSON, splicing in :class:`Rendered` fragments.

    Only the envelope (the first levels) is walked in Python, with plain loops; everything
    else is encoded by the C encoder in one go.
    """
    out: list[bytes] = []
    _encode_into(value, 0, out)
    return b"".join(out)


def json_tail(body: Mapping[str, Any]) -> bytes:
    """A dict's JSON without its opening brace, led by a comma unless the dict is empty.

    A kept answer is stored this way, so each call puts its RequestId in front
    (``b'{"RequestId":"…"' + tail``) with one copy instead of encoding again.
    """
    data = encode_json(body)
    return b"}" if data == b"{}" else b"," + data[1:]


def _encode_into(value: object, depth: int, out: list[bytes]) -> None:
    kind = type(value)
    if kind is Rendered:
        out.append(value.json)  # type: ignore[attr-defined]
    elif depth > 2:
        out.append(_utf8(_dumps(value)))
    elif kind is dict:
        if not value:
            out.append(b"{}")
            return
        separator = b"{"
        for key, item in value.items():  # type: ignore[attr-defined]
            out.append(separator)
            out.append(_key(key))
            separator = b","
            item_kind = type(item)
            if item_kind is str:
                out.append(_utf8(_encode_str(item)))
            elif item_kind is int:
                out.append(b"%d" % item)
            elif item_kind is dict or item_kind is list or item_kind is Rendered:
                _encode_into(item, depth + 1, out)
            else:
                out.append(_utf8(_dumps(item)))
        out.append(b"}")
    elif kind is list and value:
        try:  # a list of Rendered fragments (an action's result set), or anything else
            fragments = [item.json for item in value]  # type: ignore[attr-defined]
        except AttributeError:
            out.append(_utf8(_dumps(value)))
            return
        separator = b"["
        for fragment in fragments:
            out.append(separator)
            out.append(fragment)
            separator = b","
        out.append(b"]")
    else:
        out.append(_utf8(_dumps(value)))


#: Keys already encoded, with their colon. An API body has a few dozen distinct keys; the
#: bound only keeps a hostile caller's made-up keys from growing it without end.
_KEYS: dict[str, bytes] = {}
_MAX_KEYS = 4096


def _key(key: str) -> bytes:
    """A key's JSON and its colon, encoded once per distinct key."""
    data = _KEYS.get(key)
    if data is None:
        data = _utf8(_encode_str(key)) + b":"
        if len(_KEYS) < _MAX_KEYS:
            _KEYS[key] = data
    return data
