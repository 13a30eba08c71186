"""The virtual clock and the parsers of times and durations (core/clock.py)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.clock import (
    UTC,
    TimeFormatError,
    VirtualClock,
    format_api_time,
    parse_api_time,
    parse_datetime,
    parse_duration,
    parse_time,
)

FAST = settings(max_examples=150, deadline=None, database=None, derandomize=True)
NOW = datetime(2018, 8, 22, 10, 39, 49, tzinfo=UTC)

UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}

# Whole-second datetimes the API format can carry (years with four digits).
api_datetimes = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
).map(lambda d: d.replace(microsecond=0, tzinfo=UTC))

fixed_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


# --------------------------------------------------------------------------- parse_duration
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2h", timedelta(hours=2)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("250ms", timedelta(milliseconds=250)),
        ("1m500ms", timedelta(minutes=1, milliseconds=500)),
        ("1.5h", timedelta(minutes=90)),
        ("2H", timedelta(hours=2)),
        (" 1h 30m ", timedelta(hours=1, minutes=30)),
        ("30m1h", timedelta(hours=1, minutes=30)),
        ("0s", timedelta(0)),
        ("PT2H", timedelta(hours=2)),
        ("pt2h", timedelta(hours=2)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("PT45S", timedelta(seconds=45)),
        ("P1D", timedelta(days=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("PT0.5H", timedelta(minutes=30)),
        ("90", timedelta(seconds=90)),
        ("2.5", timedelta(seconds=2.5)),
    ],
)
def test_parse_duration_text(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, timedelta(0)), (90, timedelta(seconds=90)), (1.5, timedelta(seconds=1.5))],
)
def test_parse_duration_number_is_seconds(number: float, expected: timedelta) -> None:
    assert parse_duration(number) == expected


@given(st.timedeltas(min_value=timedelta(0)))
@FAST
def test_parse_duration_passes_a_timedelta_through(value: timedelta) -> None:
    assert parse_duration(value) == value


@st.composite
def compact_durations(draw: st.DrawFn) -> tuple[str, timedelta]:
    parts = draw(
        st.lists(
            st.tuples(st.sampled_from("wdhms"), st.integers(min_value=0, max_value=1000)),
            min_size=1,
            max_size=6,
        )
    )
    text = ""
    total = 0
    for unit, number in parts:
        spelled = draw(st.sampled_from([unit, unit.upper()]))
        separator = draw(st.sampled_from(["", " "]))
        text += f"{separator}{number}{spelled}"
        total += number * UNIT_SECONDS[unit]
    return text, timedelta(seconds=total)


@given(compact_durations())
@FAST
def test_compact_durations_sum_their_parts(case: tuple[str, timedelta]) -> None:
    text, expected = case
    assert parse_duration(text) == expected


@given(
    st.integers(min_value=0, max_value=100_000),
    st.integers(min_value=0, max_value=999),
)
@FAST
def test_compact_durations_with_milliseconds(seconds: int, millis: int) -> None:
    assert parse_duration(f"{seconds}s{millis}ms") == timedelta(
        seconds=seconds, milliseconds=millis
    )


@st.composite
def iso_durations(draw: st.DrawFn) -> tuple[str, timedelta]:
    numbers = st.none() | st.integers(min_value=0, max_value=500)
    weeks, days, hours, minutes, seconds = (draw(numbers) for _ in range(5))
    if all(v is None for v in (weeks, days, hours, minutes, seconds)):
        hours = draw(st.integers(min_value=0, max_value=500))
    text = "P"
    if weeks is not None:
        text += f"{weeks}W"
    if days is not None:
        text += f"{days}D"
    if any(v is not None for v in (hours, minutes, seconds)):
        text += "T"
        text += f"{hours}H" if hours is not None else ""
        text += f"{minutes}M" if minutes is not None else ""
        text += f"{seconds}S" if seconds is not None else ""
    expected = timedelta(
        weeks=weeks or 0, days=days or 0, hours=hours or 0, minutes=minutes or 0,
        seconds=seconds or 0,
    )  # fmt: skip
    return text, expected


@given(iso_durations())
@FAST
def test_iso_8601_durations(case: tuple[str, timedelta]) -> None:
    text, expected = case
    assert parse_duration(text) == expected


@given(st.integers(min_value=-(10**9), max_value=-1))
@FAST
def test_negative_seconds_rejected_naming_the_value(value: int) -> None:
    with pytest.raises(TimeFormatError) as info:
        parse_duration(value)
    assert repr(value) in str(info.value)


@given(st.floats(min_value=-1e9, max_value=-1e-3))
@FAST
def test_negative_float_seconds_rejected(value: float) -> None:
    with pytest.raises(TimeFormatError) as info:
        parse_duration(value)
    assert repr(value) in str(info.value)


@given(st.timedeltas(max_value=timedelta(microseconds=-1)))
@FAST
def test_negative_timedelta_rejected(value: timedelta) -> None:
    with pytest.raises(TimeFormatError) as info:
        parse_duration(value)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        math.nan,
        math.inf,
        -math.inf,
        "",
        "   ",
        "-5m",
        "-PT2H",
        "two hours",
        "2 hours",
        "1h30",
        "h",
        "P",
        "PT",
        "P1DT",
        "1e3s",
        "2x",
        "+2h",
        [1],
        {"h": 2},
        object,
    ],
    ids=repr,
)
def test_garbage_durations_rejected_naming_the_value(value: object) -> None:
    with pytest.raises(TimeFormatError) as info:
        parse_duration(value)
    assert repr(value) in str(info.value)


@given(st.text(alphabet="abcefgijklnoqruvxyz!?@#,;:_-+=", min_size=1, max_size=12))
@FAST
def test_random_non_duration_text_rejected(value: str) -> None:
    with pytest.raises(TimeFormatError) as info:
        parse_duration(value)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("value", ["999999999999w", "P999999999999D", 10**20, 1e20])
def test_huge_durations_are_time_format_errors(value: object) -> None:
    # An overflow must surface as the documented TimeFormatError, not as OverflowError.
    with pytest.raises(TimeFormatError) as info:
        parse_duration(value)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("value", ["٣h", "PT٢H", "١٢"])
def test_non_ascii_digits_rejected_in_durations(value: str) -> None:
    with pytest.raises(TimeFormatError):
        parse_duration(value)


def test_time_format_error_is_a_value_error() -> None:
    assert issubclass(TimeFormatError, ValueError)


# --------------------------------------------------------------------------- parse_datetime
@given(st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)))
@FAST
def test_naive_datetime_is_taken_as_utc(value: datetime) -> None:
    parsed = parse_datetime(value)
    assert parsed == value.replace(tzinfo=UTC)
    assert parsed.tzinfo is UTC


@given(
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    fixed_offsets,
)
@FAST
def test_aware_datetime_converted_to_utc(value: datetime, offset: timezone) -> None:
    aware = value.replace(tzinfo=offset)
    parsed = parse_datetime(aware)
    assert parsed == aware
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.tzinfo is UTC
    assert parsed.replace(tzinfo=None) == (aware - offset.utcoffset(None)).replace(tzinfo=None)


@given(
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    fixed_offsets,
)
@FAST
def test_iso_strings_with_offsets_converted_to_utc(value: datetime, offset: timezone) -> None:
    aware = value.replace(tzinfo=offset)
    parsed = parse_datetime(aware.isoformat())
    assert parsed == aware
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-08-22T10:39:49Z", datetime(2018, 8, 22, 10, 39, 49, tzinfo=UTC)),
        ("2018-08-22T10:39:49+08:00", datetime(2018, 8, 22, 2, 39, 49, tzinfo=UTC)),
        ("2018-08-22T10:39:49-05:30", datetime(2018, 8, 22, 16, 9, 49, tzinfo=UTC)),
        ("2018-08-22T10:39:49", datetime(2018, 8, 22, 10, 39, 49, tzinfo=UTC)),
        ("2018-08-22", datetime(2018, 8, 22, tzinfo=UTC)),
        ("  2018-08-22T10:39Z  ", datetime(2018, 8, 22, 10, 39, tzinfo=UTC)),
    ],
)
def test_parse_datetime_strings(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [None, 0, 1.5, True, "", "garbage", "2018-13-01T00:00:00Z", "2018-02-30", "yesterday",
     timedelta(hours=1), [2018, 1, 1]],
    ids=repr,
)  # fmt: skip
def test_parse_datetime_rejects_garbage_naming_it(value: object) -> None:
    with pytest.raises(TimeFormatError) as info:
        parse_datetime(value)
    if value != "":
        assert repr(value) in str(info.value)
    else:
        assert "empty" in str(info.value)


def test_parse_datetime_out_of_range_after_conversion() -> None:
    value = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(TimeFormatError) as info:
        parse_datetime(value)
    assert "out of range" in str(info.value)


# ------------------------------------------------------------------------------- parse_time
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+2h", NOW + timedelta(hours=2)),
        ("+90m", NOW + timedelta(minutes=90)),
        (" +1h30m", NOW + timedelta(hours=1, minutes=30)),
        ("+PT2H", NOW + timedelta(hours=2)),
        ("+0s", NOW),
        ("-30m", NOW - timedelta(minutes=30)),
        (timedelta(minutes=5), NOW + timedelta(minutes=5)),
        ("2018-09-01T00:00:00Z", datetime(2018, 9, 1, tzinfo=UTC)),
        (datetime(2018, 9, 1, 8, tzinfo=timezone(timedelta(hours=8))),
         datetime(2018, 9, 1, tzinfo=UTC)),
        (datetime(2018, 9, 1), datetime(2018, 9, 1, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_parse_time(value: object, expected: datetime) -> None:
    parsed = parse_time(value, now=NOW)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@given(compact_durations())
@FAST
def test_plus_relative_times_are_now_plus_the_duration(case: tuple[str, timedelta]) -> None:
    text, expected = case
    assert parse_time("+" + text.strip(), now=NOW) == NOW + expected


@given(st.timedeltas(min_value=timedelta(days=-1000), max_value=timedelta(days=1000)))
@FAST
def test_timedelta_is_relative_to_now(delta: timedelta) -> None:
    assert parse_time(delta, now=NOW) == NOW + delta


@pytest.mark.parametrize(
    "value", [None, True, "+", "+2x", "+-2h", "soon", "", 12, "+999999999d"], ids=repr
)
def test_parse_time_rejects_garbage_naming_it(value: object) -> None:
    with pytest.raises(TimeFormatError) as info:
        parse_time(value, now=NOW)
    assert repr(value) in str(info.value)


def test_parse_time_overflowing_timedelta() -> None:
    with pytest.raises(TimeFormatError) as info:
        parse_time(timedelta(days=999_999_999), now=NOW)
    assert "out of range" in str(info.value)


# ------------------------------------------------------------------- API time format
@given(api_datetimes)
@FAST
def test_api_time_round_trip_from_datetime(value: datetime) -> None:
    text = format_api_time(value)
    assert len(text) == 20
    assert parse_api_time(text) == value


@given(api_datetimes, st.integers(-14 * 60, 14 * 60))
@FAST
def test_api_time_is_the_utc_instant_in_any_zone(value: datetime, minutes: int) -> None:
    """Formatted times are kept by instant: the same instant seen from another zone, first
    or second, formats the same, and a naive time is never taken for an aware one."""
    zone = timezone(timedelta(minutes=minutes))
    expected = value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        elsewhere = value.astimezone(zone)
    except OverflowError:  # the instant does not exist in that zone's calendar
        return
    assert format_api_time(elsewhere) == expected
    assert format_api_time(value) == expected
    naive = value.replace(tzinfo=None)
    try:
        naive_expected = naive.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError):
        return
    assert format_api_time(naive) == naive_expected


class _Folding(tzinfo):
    """A zone whose clocks go back an hour: 01:30 happens twice (fold 0, then fold 1)."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=-5 if dt is not None and dt.fold else -4)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)


class _Shifted(datetime):
    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "1999-01-01T00:00:00+00:00"


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_api_time_of_a_repeated_local_hour_is_its_own_instant(order: tuple[int, int]) -> None:
    """Datetimes that compare equal can be different instants (the same wall time in one zone,
    before and after the clocks go back): neither may take the other's text."""
    texts = {0: "2021-11-07T05:30:00Z", 1: "2021-11-07T06:30:00Z"}
    first = datetime(2021, 11, 7, 1, 30, tzinfo=_Folding())
    for fold in order:
        assert format_api_time(first.replace(fold=fold)) == texts[fold]


def test_api_time_of_a_datetime_subclass_is_not_kept_for_plain_ones() -> None:
    plain = datetime(2024, 5, 1, tzinfo=timezone.utc)
    odd = _Shifted(2024, 5, 1, tzinfo=timezone.utc)
    assert format_api_time(odd) == "1999-01-01T00:00:00Z"  # its own isoformat, as before
    assert format_api_time(plain) == "2024-05-01T00:00:00Z"


@st.composite
def api_time_strings(draw: st.DrawFn) -> str:
    value = draw(api_datetimes)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


@given(api_time_strings())
@FAST
def test_api_time_round_trip_from_text(text: str) -> None:
    assert format_api_time(parse_api_time(text)) == text


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00Z", "0999-12-31T23:59:59Z"])
def test_api_time_round_trip_for_years_before_1000(text: str) -> None:
    # parse_api_time accepts any four-digit year, so format_api_time must give four digits back.
    assert format_api_time(parse_api_time(text)) == text


def test_parse_api_time_without_seconds() -> None:
    assert parse_api_time("2018-09-01T10:20Z") == datetime(2018, 9, 1, 10, 20, tzinfo=UTC)


def test_format_api_time_converts_to_utc() -> None:
    value = datetime(2018, 9, 1, 8, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=8)))
    assert format_api_time(value) == "2018-09-01T00:00:00Z"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2018-09-01",
        "2018-09-01T00:00:00",
        "2018-09-01T00:00:00+08:00",
        "2018-09-01 00:00:00Z",
        "2018-09-01T00:00:00.000Z",
        "2018-9-1T00:00:00Z",
        "2018-09-01T00:00:00z",
        " 2018-09-01T00:00:00Z",
        "2018-13-01T00:00:00Z",
        "2018-02-30T00:00:00Z",
        "2018-09-01T24:00:00Z",
        "2018-09-01T00:60:00Z",
        "0000-01-01T00:00:00Z",
        "٢٠١٨-09-01T00:00:00Z",
    ],
)
def test_parse_api_time_rejects_other_formats_naming_the_value(text: str) -> None:
    with pytest.raises(TimeFormatError) as info:
        parse_api_time(text)
    assert repr(text) in str(info.value)


# ---------------------------------------------------------------------------- VirtualClock
def test_clock_naive_start_is_utc() -> None:
    clock = VirtualClock(datetime(2018, 8, 22, 10, 0))
    assert clock.now == datetime(2018, 8, 22, 10, 0, tzinfo=UTC)
    assert clock.now.tzinfo is UTC


def test_clock_offset_start_converted_to_utc() -> None:
    clock = VirtualClock(datetime(2018, 8, 22, 18, 0, tzinfo=timezone(timedelta(hours=8))))
    assert clock.now == datetime(2018, 8, 22, 10, 0, tzinfo=UTC)
    assert clock.now.utcoffset() == timedelta(0)


def test_clock_moves_forward_and_refuses_backwards() -> None:
    clock = VirtualClock(NOW)
    clock.set(NOW)
    assert clock.now == NOW
    later = NOW + timedelta(hours=1)
    clock.set(later)
    assert clock.now == later
    with pytest.raises(ValueError, match="backwards") as info:
        clock.set(later - timedelta(seconds=1))
    assert format_api_time(later) in str(info.value)
    assert clock.now == later


@given(st.lists(st.integers(min_value=-3600, max_value=3600), max_size=30))
@FAST
def test_clock_never_goes_backwards(steps: list[int]) -> None:
    clock = VirtualClock(NOW)
    for step in steps:
        before = clock.now
        target = before + timedelta(seconds=step)
        if step < 0:
            with pytest.raises(ValueError):
                clock.set(target)
            assert clock.now == before
        else:
            clock.set(target)
            assert clock.now == target
        assert clock.now >= before
    assert clock.now == NOW + timedelta(seconds=sum(s for s in steps if s >= 0))
