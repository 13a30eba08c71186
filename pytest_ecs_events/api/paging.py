"""Paging as the API does it: PageNumber/PageSize, or MaxResults/NextToken."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..core.lazy import pattern_on_first_use
from .params import Params

T = TypeVar("T")

_TOKEN = pattern_on_first_use(r"[0-9a-f]{32}")
#: The documented MaxResults range: a smaller value counts as the minimum, a larger one as the
#: maximum (the new SDK's request models of DescribeInstances and
#: DescribeInstanceHistoryEvents say so).
MIN_RESULTS, MAX_RESULTS = 10, 100
_LIMIT = 10**18


@dataclass(frozen=True)
class PageRequest:
    offset: int
    size: int
    page_number: int
    #: True when the caller pages with MaxResults/NextToken.
    token_mode: bool

    def fields(self, total: int, *, with_token: bool) -> dict[str, Any]:
        """TotalCount, PageNumber, PageSize (and NextToken) for the response."""
        body: dict[str, Any] = {
            "TotalCount": total,
            "PageNumber": self.page_number,
            "PageSize": self.size,
        }
        if with_token:
            end = self.offset + self.size
            body["NextToken"] = format(end, "032x") if end < total else ""
        return body


def page_request(
    params: Params,
    *,
    default_size: int = 10,
    max_size: int = 100,
    tokens: bool = False,
    positive_results: bool = False,
    results_range: tuple[int, int] = (MIN_RESULTS, MAX_RESULTS),
) -> PageRequest:
    """Read the paging parameters.

    ``PageSize``/``PageNumber`` out of range are refused (InvalidParameter). ``MaxResults`` is
    clamped into ``results_range`` (10..100 unless an action documents another) as documented;
    with ``positive_results`` (DescribeInstanceHistoryEvents,
    whose documentation speaks only of values "greater than 0") a value of 0 or less is refused.
    """
    token = params.text("NextToken") if tokens else None
    has_max_results = tokens and params.text("MaxResults") is not None
    if token is not None or has_max_results:
        size = max_results(
            params, default=default_size, positive=positive_results, bounds=results_range
        )
        offset = 0
        if token is not None:
            if not _TOKEN().fullmatch(token):
                raise params.invalid("NextToken", "use the NextToken of the previous response")
            offset = int(token, 16)
        return PageRequest(offset, size, offset // size + 1, True)
    number = params.integer("PageNumber", default=1, minimum=1, maximum=10**9)
    size = params.integer("PageSize", default=default_size, minimum=1, maximum=max_size)
    return PageRequest((number - 1) * size, size, number, False)


def max_results(
    params: Params,
    *,
    default: int = MIN_RESULTS,
    positive: bool = False,
    bounds: tuple[int, int] = (MIN_RESULTS, MAX_RESULTS),
) -> int:
    """``MaxResults`` clamped into ``bounds``; refused only if it is no integer (or, with
    ``positive``, 0 or less)."""
    value = params.integer(
        "MaxResults", default=default, minimum=1 if positive else -_LIMIT, maximum=_LIMIT
    )
    low, high = bounds
    return min(max(value, low), high)


def take_page(
    candidates: Iterable[T],
    keep: Callable[[T], bool],
    page: PageRequest,
) -> tuple[list[T], int]:
    """The page of kept candidates, and how many were kept in all."""
    items: list[T] = []
    start, end = page.offset, page.offset + page.size
    seen = 0
    for item in candidates:
        if not keep(item):
            continue
        if start <= seen < end:
            items.append(item)
        seen += 1
    return items, seen
