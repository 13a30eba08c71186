"""Exact fast paths for reading a request's URL and query: what ``urlsplit`` and
``parse_qsl`` answer, without their cost on the inputs SDKs send.

Benchmark: P1 (``benchmarks/run.py``; figures in ``docs/performance.md``, "What makes the
hot path fast"). Every SDK call arrives with a dozen plain parameters, and only a few values
(a timestamp's ``%3A``, a signature's ``%2B``) hold escapes, all of ASCII characters: those
are decoded directly, and anything else falls back to the standard library. The new SDK asks
the same question at the same URL again and again (its signature is in a header), so a URL is
split once.

Guarded by ``tests/property/test_fast_parse.py``: :func:`parse_query` equals
``parse_qsl(query, keep_blank_values=True)`` and :func:`split_url` equals ``urlsplit`` (host
lower-cased), on arbitrary text and on text dense in escapes and URL punctuation.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote_plus, urlsplit

from ...core.lazy import pattern_on_first_use

__all__ = ["parse_query", "split_url", "unquote_query_part"]


def parse_query(query: str) -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(query, keep_blank_values=True)``, read by string methods.

    Only parts that hold ``%`` or ``+`` are unquoted (with the same rules and the same
    ``errors="replace"``): most parts of an SDK's query need no decoding at all.
    """
    if "%" not in query and "+" not in query:
        return [(key, value) for key, _, value in (p.partition("=") for p in query.split("&") if p)]
    pairs = []
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            if "%" in part or "+" in part:
                key, value = unquote_query_part(key), unquote_query_part(value)
            pairs.append((key, value))
    return pairs


@functools.lru_cache(maxsize=256)
def split_url(url: str) -> tuple[str, str, str]:
    """``(host, path, query)`` as ``urlsplit(url)`` reads them (host lower-cased, ``""`` if
    none), without its cost.

    Kept per URL: the new SDK asks the same question with the same URL. The legacy SDK signs
    in the URL, so its URLs never repeat; a miss costs little next to what a hit saves.
    """
    scheme, sep, rest = url.partition("://")
    if sep and scheme in _SCHEMES and url.isprintable() and " " not in url:
        end = len(rest)
        for mark in "/?#":
            at = rest.find(mark, 0, end)
            if at != -1:
                end = at
        netloc, tail = rest[:end], rest[end:]
        if "@" not in netloc and "[" not in netloc and "]" not in netloc:
            path, _, query = tail.partition("#")[0].partition("?")
            return netloc.partition(":")[0].lower(), path, query
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.path, parts.query


_SCHEMES = frozenset({"http", "https"})

_ASCII_ESCAPE = pattern_on_first_use(r"%([0-7][0-9A-Fa-f])")


def _ascii_char(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def unquote_query_part(text: str) -> str:
    """``unquote_plus(text)``; escapes of ASCII characters (a timestamp's ``%3A``, a
    signature's ``%2B``) are decoded without the UTF-8 round trip."""
    if "%" not in text and "+" not in text:
        return text
    plain = text.replace("+", " ")
    decoded = _ASCII_ESCAPE().sub(_ascii_char, plain)
    if "%" in decoded:  # a non-ASCII or malformed escape, or a decoded "%": the full rules
        return unquote_plus(text)
    return decoded
