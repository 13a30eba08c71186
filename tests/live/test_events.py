"""Reading and cancelling events: batches, pages, and every outcome of a cancel."""

from __future__ import annotations

from pytest_ecs_events.live.events import (
    ALL_STATES,
    cancel_events,
    describe_events,
    scheduled_count,
)
from tests.helpers.live import FakeClient


def test_cancel_events_retries_one_by_one_and_sorts_outcomes() -> None:
    client = FakeClient(
        {"e-a": "Scheduled", "e-b": "Executed", "e-c": "Executing", "e-stuck": "Executing"},
        refuse_batches=True,
    )
    client.guard.own(["e-a", "e-b", "e-c", "e-gone", "e-stuck"], "i-web")
    report = cancel_events(client, ["e-a", "e-b", "e-c", "e-gone", "e-stuck"],  # type: ignore[arg-type]
                           region="cn-hangzhou")  # fmt: skip
    assert report.cancelled == ["e-a", "e-c"]
    assert report.finished == ["e-b"]
    assert report.missing == ["e-gone"]
    assert list(report.failed) == ["e-stuck"]
    assert "OperationConflict" in report.failed["e-stuck"]


def test_describe_events_reads_every_state_in_batches_of_the_api_limit() -> None:
    ids = [f"e-{n}" for n in range(150)]
    client = FakeClient(dict.fromkeys(ids, "Scheduled"))
    found = describe_events(client, [*ids, "e-0", "e-unknown"])  # type: ignore[arg-type]
    assert list(found) == ids
    batches = [p for action, p in client.sent if action == "DescribeInstanceHistoryEvents"]
    assert [sum(k.startswith("EventId.") for k in p) for p in batches] == [
        100,
        51,
    ]  # e-0 once, e-unknown asked for too
    assert all(p["RegionId"] == "cn-hangzhou" for p in batches)
    statuses = [v for k, v in batches[0].items() if k.startswith("InstanceEventCycleStatus.")]
    assert tuple(statuses) == ALL_STATES


def test_scheduled_count_is_the_quota_measure() -> None:
    client = FakeClient({}, scheduled=998)
    assert scheduled_count(client, region="cn-beijing") == 998  # type: ignore[arg-type]
    [(action, params)] = client.sent
    assert action == "DescribeInstanceHistoryEvents"
    assert params == {"RegionId": "cn-beijing", "InstanceEventCycleStatus.1": "Scheduled",
                      "MaxResults": "10"}  # fmt: skip
