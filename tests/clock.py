"""Which "now" a test runs at.

Every test runs with the clock moved to an instant it names (the `now`
marker), or to `DEFAULT`: a plain weekday morning. Tests marked `timesweep`
say they must pass at any instant; `make test` under CI=true (or
`pytest --time-sweep`) runs each of them again at every instant of `SWEEP`,
the hard ones for a practice in Europe/London: late on a Sunday, just after
midnight on a Monday, both sides of the hour the clocks skip in March, the
hour that happens twice in October (on each of its two passes), the last
minute of a year, a leap day and the first minute of a year.

The clock ticks from the instant (`tick=True`): a test that waits, or that
compares "before" and "after", sees time move as it would.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


def london(text: str, *, fold: int = 0) -> datetime:
    """An instant given as British wall-clock time, "YYYY-MM-DD HH:MM".

    `fold=1` picks the second pass of a time that happens twice (01:30 on
    the night the clocks go back): GMT rather than BST."""
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=LONDON, fold=fold).astimezone(UTC)


# A Wednesday morning in term time, with no clock change in sight.
DEFAULT = london("2026-12-09 10:00")

SWEEP: dict[str, datetime] = {
    "sunday-2330": london("2027-01-10 23:30"),
    "monday-0010": london("2027-01-11 00:10"),
    # 28 March 2027: at 01:00 GMT the clocks go forward to 02:00 BST.
    "spring-forward-0030": london("2027-03-28 00:30"),
    "spring-forward-0330": london("2027-03-28 03:30"),
    # 31 October 2027: at 02:00 BST the clocks go back to 01:00 GMT, so
    # 01:00-02:00 happens twice.
    "fall-back-0030": london("2027-10-31 00:30"),
    "fall-back-0130-bst": london("2027-10-31 01:30", fold=0),
    "fall-back-0130-gmt": london("2027-10-31 01:30", fold=1),
    "fall-back-0230": london("2027-10-31 02:30"),
    "new-years-eve-2359": london("2026-12-31 23:59"),
    "leap-day-1200": london("2028-02-29 12:00"),
    "new-year-0001": london("2027-01-01 00:01"),
}
