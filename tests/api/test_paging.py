"""Paging (api/paging.py): PageNumber/PageSize, or MaxResults/NextToken, as the API does it."""

from __future__ import annotations

import pytest

from pytest_ecs_events.api.paging import PageRequest, page_request, take_page
from pytest_ecs_events.api.params import Params
from pytest_ecs_events.core.errors import EcsApiError


def test_page_number_and_size() -> None:
    page = page_request(Params({"PageNumber": "3", "PageSize": "5"}))
    assert page == PageRequest(offset=10, size=5, page_number=3, token_mode=False)
    assert page_request(Params({})) == PageRequest(0, 10, 1, False)
    assert page_request(Params({}), default_size=50).size == 50


@pytest.mark.parametrize("params", [{"PageSize": "101"}, {"PageSize": "0"}, {"PageNumber": "0"}])
def test_out_of_range_pages_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(EcsApiError) as info:
        page_request(Params(params, {"InvalidParameter": 403}))
    assert (info.value.code, info.value.status) == ("InvalidParameter", 403)


def test_tokens_only_where_the_action_takes_them() -> None:
    ignored = page_request(Params({"MaxResults": "50", "NextToken": "x"}))
    assert ignored == PageRequest(0, 10, 1, False)
    first = page_request(Params({"MaxResults": "15"}), tokens=True)
    assert first == PageRequest(0, 15, 1, True)
    token = format(45, "032x")
    later = page_request(Params({"MaxResults": "15", "NextToken": token}), tokens=True)
    assert later == PageRequest(45, 15, 4, True)


@pytest.mark.parametrize(
    ("given", "size"), [("1", 10), ("9", 10), ("10", 10), ("100", 100), ("101", 100), ("0", 10),
                        ("-5", 10), (str(10**17), 100)],
)  # fmt: skip
def test_max_results_is_clamped_into_10_to_100(given: str, size: int) -> None:
    """DescribeInstances: "less than 10 -> 10, greater than 100 -> 100" (SDK request model)."""
    assert page_request(Params({"MaxResults": given}), tokens=True).size == size


@pytest.mark.parametrize(("given", "size"), [("1", 10), ("9", 10), ("250", 100)])
def test_history_max_results_is_clamped_when_positive(given: str, size: int) -> None:
    page = page_request(Params({"MaxResults": given}), tokens=True, positive_results=True)
    assert page.size == size


@pytest.mark.parametrize("given", ["0", "-1", "ten", "1.5"])
def test_history_max_results_of_zero_or_less_or_no_integer_is_refused(given: str) -> None:
    with pytest.raises(EcsApiError) as info:
        page_request(Params({"MaxResults": given}, {"InvalidParameter": 403}), tokens=True,
                     positive_results=True)  # fmt: skip
    assert (info.value.code, info.value.status) == ("InvalidParameter", 403)


def test_a_next_token_not_ours_is_refused() -> None:
    with pytest.raises(EcsApiError) as info:
        page_request(Params({"NextToken": "abc"}), tokens=True)
    assert info.value.code == "InvalidParameter"
    assert "NextToken" in info.value.message


def test_fields_with_and_without_a_next_token() -> None:
    page = PageRequest(0, 5, 1, True)
    assert page.fields(12, with_token=False) == {"TotalCount": 12, "PageNumber": 1, "PageSize": 5}
    assert page.fields(12, with_token=True)["NextToken"] == format(5, "032x")
    assert PageRequest(10, 5, 3, True).fields(12, with_token=True)["NextToken"] == ""


def test_take_page_keeps_the_page_and_counts_every_match() -> None:
    page = PageRequest(offset=2, size=3, page_number=1, token_mode=False)
    items, total = take_page(range(20), lambda n: n % 2 == 0, page)
    assert items == [4, 6, 8]
    assert total == 10
    assert take_page([], lambda n: True, page) == ([], 0)
