"""Reading an action's parameters (api/params.py): the API's codes, messages and statuses."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pytest_ecs_events.api.params import Params, invalid_message, missing_message
from pytest_ecs_events.core.errors import EcsApiError


def refusal(call: object) -> EcsApiError:
    with pytest.raises(EcsApiError) as info:
        call()  # type: ignore[operator]
    return info.value


def test_missing_and_invalid_messages_name_the_parameter() -> None:
    assert missing_message("EventId") == (
        'The input parameter "EventId" that is mandatory for processing this request is not '
        "supplied."
    )
    assert invalid_message("PageSize", "too big") == (
        'The specified parameter "PageSize" is not valid: too big'
    )


def test_the_action_status_table_decides_a_codes_status() -> None:
    p = Params({}, {"MissingParameter": 404})
    error = refusal(lambda: p.required("EventId"))
    assert (error.code, error.status) == ("MissingParameter", 404)
    error = refusal(lambda: Params({}).required("EventId"))
    assert (error.code, error.status) == ("MissingParameter", 400)


def test_text_treats_empty_as_absent_and_bounds_the_length() -> None:
    p = Params({"A": "", "B": "x" * 11, "C": "ok"})
    assert p.text("A") is None
    assert p.text("Z") is None
    assert p.text("C") == "ok"
    assert refusal(lambda: p.text("A", required=True)).code == "MissingParameter"
    error = refusal(lambda: p.text("B", max_length=10))
    assert error.code == "InvalidParameter"
    assert "at most 10 characters" in error.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), (" 1 ", True), ("false", False), ("0", False)],
)
def test_flag_reads_true_and_false(value: str, expected: bool) -> None:
    assert Params({"F": value}).flag("F") is expected


def test_flag_default_and_refusal() -> None:
    assert Params({}).flag("F", default=True) is True
    assert "expected true or false" in refusal(lambda: Params({"F": "yes"}).flag("F")).message


def test_integer_range_and_form() -> None:
    p = Params({"N": " +7 ", "Big": "101", "Bad": "1.5", "Long": "9" * 19})
    assert p.integer("N", default=1, minimum=1, maximum=100) == 7
    assert p.integer("Absent", default=3, minimum=1, maximum=100) == 3
    assert (
        "from 1 to 100, got 101"
        in refusal(lambda: p.integer("Big", default=1, minimum=1, maximum=100)).message
    )
    assert (
        "expected an integer"
        in refusal(lambda: p.integer("Bad", default=1, minimum=1, maximum=100)).message
    )
    assert (
        "expected an integer"
        in refusal(lambda: p.integer("Long", default=1, minimum=1, maximum=10**30)).message
    )
    error = refusal(lambda: p.integer("Big", default=1, minimum=1, maximum=100, code="X.Y"))
    assert error.code == "X.Y"


def test_choice() -> None:
    p = Params({"S": "Running"})
    assert p.choice("S", ("Running", "Stopped")) == "Running"
    assert p.choice("T", ("a",), default="a") == "a"
    assert (
        "expected one of Stopped, got 'Running'"
        in refusal(lambda: p.choice("S", ("Stopped",))).message
    )


def test_time_and_time_range() -> None:
    p = Params({"NotBefore.Start": "2024-05-01T00:00:00Z", "NotBefore.End": "2024-04-30T00:00:00Z",
                "T": "2024-05-01T10:00:00Z", "Bad": "yesterday"})  # fmt: skip
    assert p.time("T") == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert p.time("Absent") is None
    assert refusal(lambda: p.time("Bad")).code == "InvalidParameter"
    error = refusal(lambda: p.time_range("NotBefore"))
    assert (error.code, error.status) == ("InvalidParameter.TimeEndBeforeStart", 403)
    assert Params({"X.Start": "2024-05-01T00:00:00Z"}).time_range("X") == (
        datetime(2024, 5, 1, tzinfo=timezone.utc),
        None,
    )


def test_items_in_index_order_with_gaps_and_blanks() -> None:
    p = Params({"Id.3": "c", "Id.1": "a", "Id.2": "", "Id.10": "j", "Other.1": "x"})
    assert p.items("Id", limit=10) == ["a", "c", "j"]
    assert p.items("None", limit=10) == []
    assert refusal(lambda: p.items("None", limit=10, required=True)).message == missing_message(
        "None.1"
    )


def test_items_refuse_index_zero_and_too_many() -> None:
    assert (
        "list indexes start at 1"
        in refusal(lambda: Params({"Id.0": "a"}).items("Id", limit=5)).message
    )
    p = Params({f"Id.{n}": str(n) for n in range(1, 4)}, {"IdLimit": 403})
    error = refusal(lambda: p.items("Id", limit=2, limit_code="IdLimit"))
    assert (error.code, error.status) == ("IdLimit", 403)
    assert error.message == "At most 2 values of Id.N are allowed; 3 were given."
    error = refusal(lambda: p.items("Id", limit=2, limit_code="IdLimit", limit_status=400))
    assert error.status == 400


def test_json_list() -> None:
    assert Params({"Ids": '["i-1","i-2"]'}).json_list("Ids", limit=5) == ["i-1", "i-2"]
    assert Params({}).json_list("Ids", limit=5) is None
    for bad in ("[1]", "{}", "not json", "[" * 5000):
        assert refusal(lambda bad=bad: Params({"Ids": bad}).json_list("Ids", limit=5)).code == (
            "InvalidParameter"
        )
    assert (
        "at most 1 values"
        in refusal(lambda: Params({"Ids": '["a","b"]'}).json_list("Ids", limit=1)).message
    )


def test_tags_pairs_in_index_order() -> None:
    p = Params({"Tag.2.Key": "b", "Tag.1.Key": "a", "Tag.1.Value": "1", "Tag.3.Value": ""})
    assert p.tags() == [("a", "1"), ("b", None)]
    assert Params({"RegionId": "x"}).tags() == []
    assert "a tag value needs a key" in refusal(lambda: Params({"Tag.1.Value": "v"}).tags()).message
    many = Params({f"Tag.{n}.Key": f"k{n}" for n in range(1, 4)})
    assert "at most 2 tags" in refusal(lambda: many.tags(limit=2)).message
