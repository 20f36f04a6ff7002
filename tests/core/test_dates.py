"""core.dates formats as Django's `date` filter does, letter for letter,
through every hour of both nights the clocks change (the formats the portal
uses, and every letter Django knows, alone and mixed with literal text)."""

from datetime import date, datetime, timedelta

import pytest
from django.template import defaultfilters
from django.utils import dateformat, timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dates import ZonedDateFormat, format_date
from core.templatetags.zoned_dates import date as date_filter
from core.templatetags.zoned_dates import uk_time
from tests.clock import LONDON, UTC

LETTERS = "aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ"
DATE_LETTERS = "bcdDEFjlLmMnNoSUwWyYz"
USED = [
    "j M",
    "j F",
    "j M Y",
    "j F Y",
    "D j M",
    "D j M Y",
    "D j M Y, H:i",
    "D j M, H:i",
    "D j M, H:i T",
    "l j F",
    "l j F Y",
    "l j F, H:i",
    "l j F, H:i T",
    "H:i",
    "H:i T",
    "Ymd",
    "Y-m-d",
    r"Y-m-d\TH:i:sO",
    "c",
    "N j, Y, P",
]


def _instants() -> list[datetime]:
    """Every 20 minutes of both nights the clocks change in 2027, each
    hour's two passes included, and a leap day and a year's last minute."""
    found = []
    for night in ("2027-03-28 00:00", "2027-10-31 00:00"):
        start = datetime.fromisoformat(night).replace(tzinfo=LONDON).astimezone(UTC)
        found += [start + timedelta(minutes=20 * n) for n in range(12)]
    found += [datetime(2028, 2, 29, 12, 5, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC)]
    return [timezone.localtime(instant) for instant in found]


@pytest.mark.parametrize("fmt", USED)
def test_aware_times_as_django_formats_them(fmt):
    for value in _instants():
        assert format_date(value, fmt) == ZonedDateFormat(value).format(fmt), (value, fmt)
        assert format_date(value, fmt, zoned=False) == dateformat.format(value, fmt), (value, fmt)


@given(
    fmt=st.text(alphabet=LETTERS + r" ,:-\/", max_size=12),
    when=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    fold=st.sampled_from([0, 1]),
)
@settings(max_examples=300, derandomize=True)
def test_any_letters_on_any_instant(fmt, when, fold):
    value = when.replace(tzinfo=LONDON, fold=fold)
    assert format_date(value, fmt) == ZonedDateFormat(value).format(fmt)
    assert format_date(value, fmt, zoned=False) == dateformat.format(value, fmt)


@given(
    fmt=st.text(alphabet=DATE_LETTERS + r" ,:-\/", max_size=12),
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
)
@settings(max_examples=200, derandomize=True)
def test_any_date_letters_on_any_day(fmt, day):
    assert format_date(day, fmt, zoned=False) == dateformat.format(day, fmt)


def test_a_time_letter_on_a_date_is_refused_as_django_refuses_it():
    with pytest.raises(TypeError):
        format_date(date(2027, 1, 1), "j M H:i", zoned=False)


def test_naive_datetimes_go_to_django():
    value = datetime(2027, 6, 1, 9, 30)
    assert format_date(value, "j M H:i T", zoned=False) == dateformat.format(value, "j M H:i T")


def test_names_follow_the_language():
    value = date(2027, 3, 4)
    with translation.override("fr"):
        assert format_date(value, "l j F", zoned=False) == dateformat.format(value, "l j F")
    assert format_date(value, "l j F", zoned=False) == "Thursday 4 March"


@pytest.mark.parametrize("arg", [None, "DATE_FORMAT", "SHORT_DATE_FORMAT", "j M Y"])
def test_the_filters_as_before(arg):
    day = date(2027, 3, 4)
    assert date_filter(day, arg) == defaultfilters.date(day, arg)
    for value in _instants():
        assert uk_time(value, arg).startswith(defaultfilters.date(value, arg))
    assert date_filter(None, arg) == "" and date_filter("", arg) == ""
    assert date_filter("not a date", arg) == ""
