"""Dates formatted as Django's `date` filter formats them, for long lists.

Django's filter splits the format string with a regular expression and looks
up every month and weekday name through gettext, for each value: about 30 µs
a date, and a goals page or a caseload draws hundreds (`make bench`). Here the
format string is split once, and the names are read once per language; the
rest is the same arithmetic. Anything unusual (a naive datetime, a time-only
letter on a date, a letter not listed below) goes to Django's own code, so
the output is Django's in every case: tests/core/test_dates.py compares the
two over every letter, on both nights the clocks change.
"""

from datetime import date, datetime
from functools import lru_cache

from django.utils import dates as names
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.translation import get_language, override


class ZonedDateFormat(DateFormat):
    """Django's DateFormat, but "T" names GMT or BST even in the hour that
    happens twice: a value from the database is an instant, and the template
    engine has turned it into local time with the right `fold`."""

    def T(self) -> str:
        return self.data.tzname() or ""


@lru_cache(maxsize=512)
def _pieces(format_string: str) -> tuple[tuple[bool, str], ...]:
    """(is a format letter, text) in order, as Formatter.format splits it."""
    pieces = []
    for index, piece in enumerate(re_formatchars.split(format_string)):
        if index % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, re_escaped.sub(r"\1", piece)))
    return tuple(pieces)


@lru_cache(maxsize=16)
def _names(language: str | None) -> dict[str, dict[int, str]]:
    """Month and weekday names in `language`, as DateFormat words them."""
    with override(language):
        return {
            "b": {m: str(names.MONTHS_3[m]) for m in names.MONTHS_3},
            "M": {m: str(names.MONTHS_3[m]).title() for m in names.MONTHS_3},
            "F": {m: str(names.MONTHS[m]) for m in names.MONTHS},
            "E": {m: str(names.MONTHS_ALT[m]) for m in names.MONTHS_ALT},
            "N": {m: str(names.MONTHS_AP[m]) for m in names.MONTHS_AP},
            "D": {d: str(names.WEEKDAYS_ABBR[d]) for d in names.WEEKDAYS_ABBR},
            "l": {d: str(names.WEEKDAYS[d]) for d in names.WEEKDAYS},
        }


# Letters worked out here, for a date and for an aware datetime alike.
_DAY_LETTERS = {
    "j": lambda v: str(v.day),
    "d": lambda v: f"{v.day:02d}",
    "n": lambda v: str(v.month),
    "m": lambda v: f"{v.month:02d}",
    "Y": lambda v: f"{v.year:04d}",
    "y": lambda v: f"{v.year % 100:02d}",
}
_NAME_BY_MONTH = frozenset("bMFEN")
_NAME_BY_WEEKDAY = frozenset("Dl")
# Letters of the time of day, worked out here for an aware datetime.
_TIME_LETTERS = {
    "H": lambda v: f"{v.hour:02d}",
    "i": lambda v: f"{v.minute:02d}",
    "G": lambda v: str(v.hour),
    "s": lambda v: f"{v.second:02d}",
}
_TIME_OF_DAY = frozenset("aAefgGhHiOPsTuZ")


def format_date(value: date, format_string: str, *, zoned: bool = True) -> str:
    """`value` (a date, or an aware datetime already in the zone to show)
    formatted as Django's `dateformat.format` would; with `zoned`, "T" as
    ZonedDateFormat words it. A naive datetime goes to Django's own code."""
    pieces = _pieces(format_string)
    is_datetime = isinstance(value, datetime)
    if (is_datetime and value.tzinfo is None) or (
        not is_datetime and any(is_letter and text in _TIME_OF_DAY for is_letter, text in pieces)
    ):
        return (ZonedDateFormat if zoned else DateFormat)(value).format(format_string)
    words = None
    slow = None
    out = []
    for is_letter, text in pieces:
        if not is_letter:
            out.append(text)
        elif text in _DAY_LETTERS:
            out.append(_DAY_LETTERS[text](value))
        elif text in _TIME_LETTERS:
            out.append(_TIME_LETTERS[text](value))
        elif text in _NAME_BY_MONTH:
            words = words or _names(get_language())
            out.append(words[text][value.month])
        elif text in _NAME_BY_WEEKDAY:
            words = words or _names(get_language())
            out.append(words[text][value.weekday()])
        elif text == "T" and zoned:
            out.append(value.tzname() or "")
        else:
            slow = slow or (ZonedDateFormat if zoned else DateFormat)(value)
            out.append(str(getattr(slow, text)()))
    return "".join(out)
