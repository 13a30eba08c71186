"""Every timeline query (core/timeline.py) answers what a brute-force filter over the records
answers, for random records of every kind (known kinds and one the timeline never heard of)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from pytest_ecs_events.api.calls import ApiCall
from pytest_ecs_events.core.catalog import InstanceStatus
from pytest_ecs_events.core.changes import Change
from pytest_ecs_events.core.lifecycle import InstanceChange
from pytest_ecs_events.core.timeline import (
    Interval,
    Recorder,
    Timeline,
    instances_of,
    subject_of,
    value_of,
)
from tests.helpers.changes import BackendChange

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
INSTANCES = ["i-1", "i-2", "i-3"]
STATUSES = ["Running", "Stopping", "Starting", "Stopped"]


def _record(kind: str, second: int, instance: int, value: int) -> Change:
    when = T0 + timedelta(seconds=second)
    iid = INSTANCES[instance]
    if kind == "instance":
        return InstanceChange(when, iid, None, InstanceStatus(STATUSES[value]), "test")
    if kind == "backend":
        health = ["normal", "abnormal"][value % 2]
        return BackendChange(when, iid, f"lb-{value % 2}", new_health=health)
    params = {"InstanceId.1": iid, "InstanceId.2": INSTANCES[value % 3]} if value else {}
    return ApiCall("RebootInstances", params, 200, None, when, "r")


records = st.lists(
    st.builds(
        _record,
        st.sampled_from(["instance", "backend", "call"]),
        st.integers(0, 30),
        st.integers(0, 2),
        st.integers(0, 3),
    ),
    max_size=30,
).map(lambda rs: sorted(rs, key=lambda r: r.time))
moments = st.integers(-1, 31).map(lambda s: T0 + timedelta(seconds=s))


def timeline(rs: list[Change]) -> Timeline:
    return Timeline(rs, start=T0, end=T0 + timedelta(seconds=40))


@given(
    records,
    st.sampled_from([None, "instance", "backend", "call"]),
    st.sampled_from([None, *INSTANCES]),
    st.sampled_from([None, "Running", "abnormal", "RebootInstances"]),
)
def test_of_is_a_filter(
    rs: list[Change], kind: str | None, instance: str | None, value: str | None
) -> None:
    got = list(timeline(rs).of(kind=kind, instance=instance, value=value))
    expected = [
        r
        for r in rs
        if (kind is None or r.kind == kind)
        and (instance is None or instance in instances_of(r))
        and (value is None or value_of(r) == value)
    ]
    assert got == expected


@given(records, moments, moments)
def test_between_before_after_are_filters_on_time(
    rs: list[Change], a: datetime, b: datetime
) -> None:
    t = timeline(rs)
    assert list(t.between(a, b)) == [r for r in rs if a <= r.time <= b]
    assert list(t.before(a)) == [r for r in rs if r.time < a]
    assert list(t.after(a)) == [r for r in rs if r.time > a]


@given(records, st.data())
def test_before_and_after_a_record_split_at_its_place(
    rs: list[Change], data: st.DataObject
) -> None:
    if not rs:
        return
    t = timeline(rs)
    i = data.draw(st.integers(0, len(rs) - 1))
    assert list(t.before(rs[i])) == rs[:i]
    assert list(t.after(rs[i])) == rs[i + 1 :]
    view = t.of(kind="call")
    assert list(view.before(rs[i])) == [r for r in rs[:i] if r.kind == "call"]


@given(records, moments, st.sampled_from(INSTANCES))
def test_status_at_is_the_last_status_so_far(rs: list[Change], when: datetime, iid: str) -> None:
    so_far = [r for r in rs if r.kind == "instance" and r.instance_id == iid and r.time <= when]
    expected = value_of(so_far[-1]) if so_far else None
    assert timeline(rs).status_at(iid, when) == expected


def brute_intervals(rs: list[Change], kind: str, values: set[str]) -> list[Interval]:
    """Unmerged intervals: each record of a subject to the next one."""
    out = []
    keys = {(r.instance_id, subject_of(r)) for r in rs if r.kind == kind}
    for key in keys:
        mine = [r for r in rs if r.kind == kind and (r.instance_id, subject_of(r)) == key]
        for n, r in enumerate(mine):
            end = mine[n + 1].time if n + 1 < len(mine) else None
            value = value_of(r)
            if value in values:
                out.append(Interval(kind, key[0], key[1], (value,), r.time, end))
    return sorted(out, key=lambda i: (i.start, i.instance_id, i.subject, i.end or T0))


@given(records, st.sets(st.sampled_from([*STATUSES, "normal", "abnormal"]), min_size=1))
def test_intervals_overlaps_and_peaks_agree_with_brute_force(
    rs: list[Change], values: set[str]
) -> None:
    t = timeline(rs)
    for kind in ("instance", "backend"):
        got = t.intervals(kind, value=values, merge=False)
        expected = brute_intervals(rs, kind, values)
        key = lambda i: (i.start, i.instance_id, i.subject, i.end or T0)  # noqa: E731
        assert sorted(got, key=key) == expected
        merged = t.intervals(kind, value=values)
        # merging joins intervals, never loses or adds a moment
        for moment in range(-1, 42):
            when = T0 + timedelta(seconds=moment)
            assert {(i.instance_id, i.subject) for i in got if i.contains(when)} == {
                (i.instance_id, i.subject) for i in merged if i.contains(when)
            }
        # most_at_once is the largest count of intervals containing a moment
        peak = max(
            (sum(1 for i in got if i.contains(T0 + timedelta(seconds=s))) for s in range(42)),
            default=0,
        )
        assert t.most_at_once(got) == peak
        pairs = t.overlapping(got)
        assert all((a.instance_id, a.subject) != (b.instance_id, b.subject) for a, b in pairs)
        assert all(a.overlaps(b) for a, b in pairs)


@given(records)
def test_the_recorder_gives_back_what_it_was_given(rs: list[Change]) -> None:
    calls: list[Change] = []
    recorder = Recorder(T0, calls)
    for r in rs:
        if r.kind == "call":
            calls.append(r)
        else:
            recorder.record(r)
    assert recorder.records() == rs
    assert list(recorder.timeline(T0)) == rs  # already in time order
