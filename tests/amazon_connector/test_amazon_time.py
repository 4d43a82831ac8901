"""amazon_time: Amazon's ISO 8601 date-times to naive UTC and back."""

from datetime import datetime, timedelta, timezone

import pytest

from amazon_connector.core import amazon_time


@pytest.mark.parametrize(
    "text, expected",
    [
        # The forms Amazon's models and replies use.
        ("2024-12-22T15:30:00Z", datetime(2024, 12, 22, 15, 30)),
        ("2019-05-07T15:42:57.058Z", datetime(2019, 5, 7, 15, 42, 57, 58000)),
        ("2024-12-22T15:30:00z", datetime(2024, 12, 22, 15, 30)),
        # An offset is converted to UTC, across midnight and the year.
        ("2024-12-31T23:30:00-05:00", datetime(2025, 1, 1, 4, 30)),
        ("2026-03-02T09:00:00+09:00", datetime(2026, 3, 2, 0, 0)),
        # No offset: already UTC.
        ("2024-12-22T15:30:00", datetime(2024, 12, 22, 15, 30)),
    ],
)
def test_parse_gives_naive_utc(text, expected):
    moment = amazon_time.parse(text)
    assert moment == expected
    assert moment.tzinfo is None


@pytest.mark.parametrize("empty", [None, ""])
def test_parse_of_nothing_is_none(empty):
    assert amazon_time.parse(empty) is None


def test_parse_normalises_datetimes():
    aware = datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert amazon_time.parse(aware) == datetime(2023, 12, 31, 23, 0)
    naive = datetime(2024, 1, 1, 1, 0)
    assert amazon_time.parse(naive) == naive


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01T00:00:00Z", "Z"])
def test_parse_refuses_what_is_not_iso_8601(text):
    with pytest.raises(ValueError):
        amazon_time.parse(text)


@pytest.mark.parametrize("value", [1735000000, 3.5, ["2024-12-22T15:30:00Z"]])
def test_parse_refuses_other_types(value):
    with pytest.raises(TypeError):
        amazon_time.parse(value)


@pytest.mark.parametrize(
    "moment, text",
    [
        (datetime(2024, 12, 22, 15, 30), "2024-12-22T15:30:00Z"),
        # Fractions dropped: whole seconds, as in Amazon's examples.
        (datetime(2024, 12, 22, 15, 30, 5, 999999), "2024-12-22T15:30:05Z"),
        (
            datetime(2025, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
            "2024-12-31T23:30:00Z",
        ),
        (datetime(2026, 3, 2, 9, 5, 7, tzinfo=timezone.utc), "2026-03-02T09:05:07Z"),
    ],
)
def test_format(moment, text):
    assert amazon_time.format(moment) == text


@pytest.mark.parametrize("value", [None, "2024-12-22T15:30:00Z", 1735000000])
def test_format_refuses_what_is_not_a_datetime(value):
    with pytest.raises(TypeError):
        amazon_time.format(value)


def test_round_trip():
    text = "2024-02-29T23:59:59Z"
    assert amazon_time.format(amazon_time.parse(text)) == text
