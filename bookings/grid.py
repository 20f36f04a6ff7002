"""The diary drawn to scale: days (bands) of therapists (columns) on a grid of
five-minute rows, computed here so the template only prints.

A day the practice is closed is drawn as one block down each column, over
the whole day, and a therapist's leave as a block over the time it takes;
neither offers free time (bookings.selectors._diary_days leaves none), and
neither stretches the hours a day is drawn over.

Pure functions over the diary's items (bookings.selectors.diary) and plain
values, like bookings.slots, so that the days the clocks change are tested
without a database. A block's row is the number of real five-minute steps
from the top of its day, counted on aware datetimes: a day of 23 or 25 hours
is drawn 23 or 25 hours long, and its hour marks say which hour went missing
or came twice.

The positions are CSS classes (`r<row>`, `s<span>`, `n<rows>`, `l<lane>`,
static/css/diary.css), not inline styles: the content security policy allows
only the portal's own style sheets.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bookings import slots

STEP = timedelta(minutes=5)
STEPS_PER_HOUR = 12
# The most rows a day can have (25 hours), and the most side-by-side lanes a
# column draws for things at the same time (more are drawn over each other).
MOST_ROWS = 25 * STEPS_PER_HOUR
MOST_LANES = 4
# The hours drawn when nothing in view says otherwise.
QUIET_DAY = (8 * 60, 18 * 60)


@dataclass(frozen=True)
class Links:
    """Where a block leads: an appointment's page; a group's page (admins
    only); booking in free time (admins only). None: the block is not a link."""

    appointment: Callable[[int], str]
    group: Callable[[int], str] | None = None
    book: Callable[[int, datetime], str] | None = None


def _wall_minutes(moment: datetime, day: date) -> int:
    """Minutes after midnight on the wall clock of `day` (1440 for the next
    midnight or later)."""
    local = moment.astimezone(slots.LONDON)
    if local.date() > day:
        return 24 * 60
    if local.date() < day:
        return 0
    return local.hour * 60 + local.minute


def wall_range(
    days: Iterable[dict], hours: dict[int, list[slots.Hours]], weekdays: Iterable[int]
) -> tuple[int, int]:
    """The wall-clock minutes every day of the page is drawn between: from the
    whole hour before the earliest working hours or item, to the whole hour
    after the latest, the same for every day so that they line up."""
    weekdays = set(weekdays)
    starts, ends = [], []
    for blocks in hours.values():
        for block in blocks:
            if block.weekday in weekdays:
                starts.append(block.starts_at.hour * 60 + block.starts_at.minute)
                ends.append(block.ends_at.hour * 60 + block.ends_at.minute)
    for entry in days:
        for item in entry["items"]:
            if item["kind"] == "leave":
                # Leave runs to midnight and beyond: drawn over the day's
                # hours, it would otherwise stretch every day to 24 hours.
                continue
            starts.append(_wall_minutes(item["starts_at"], entry["day"]))
            ends.append(_wall_minutes(item["ends_at"], entry["day"]))
    if not starts:
        return QUIET_DAY
    first = min(starts) // 60 * 60
    last = min(-(-max(ends) // 60) * 60, 24 * 60)
    return first, max(last, first + 60)


def day_bounds(day: date, wall: tuple[int, int]) -> tuple[datetime, datetime]:
    """The instants a day is drawn between (see wall_range)."""

    def at(minutes: int) -> datetime:
        if minutes >= 24 * 60:
            return slots.local_day_bounds(day)[1]
        return slots.local_to_utc(day, time(minutes // 60, minutes % 60))

    return at(wall[0]), at(wall[1])


def _steps(moment: datetime, top: datetime) -> int:
    """Whole five-minute steps from `top`, to the nearest."""
    return round((moment - top) / STEP)


def hour_marks(top: datetime, rows: int) -> list[dict]:
    """The hours down the side of a day: every real hour from the top, named
    by the wall clock (with the zone on a day the clocks change, where 01:00
    comes twice or 02:00 follows 00:00)."""
    bottom = top + rows * STEP
    changes = (
        top.astimezone(slots.LONDON).utcoffset() != bottom.astimezone(slots.LONDON).utcoffset()
    )
    marks = []
    for row in range(0, rows, STEPS_PER_HOUR):
        local = (top + row * STEP).astimezone(slots.LONDON)
        label = local.strftime("%H:%M %Z" if changes else "%H:%M")
        marks.append({"css": f"r{row} s{min(STEPS_PER_HOUR, rows - row)}", "label": label})
    return marks


def _lanes(spans: list[tuple[int, int]]) -> tuple[list[int], int]:
    """Side-by-side lanes for blocks that share rows: (each block's lane, 1
    upwards, or 0 for a block alone in its rows; the column's lane count)."""
    order = sorted(range(len(spans)), key=lambda n: spans[n])
    lane_of = [0] * len(spans)
    most = 1
    cluster: list[int] = []
    cluster_end = -1

    def settle() -> None:
        nonlocal most
        if len(cluster) < 2:
            return
        ends: list[int] = []
        for n in cluster:
            start, end = spans[n]
            free = next((k for k, lane_end in enumerate(ends) if lane_end <= start), None)
            if free is None:
                ends.append(end)
                free = len(ends) - 1
            else:
                ends[free] = end
            lane_of[n] = min(free, MOST_LANES - 1) + 1
        most = max(most, min(len(ends), MOST_LANES))

    for n in order:
        start, end = spans[n]
        if start >= cluster_end:
            settle()
            cluster, cluster_end = [], end
        cluster.append(n)
        cluster_end = max(cluster_end, end)
    settle()
    return lane_of, most


def _time_text(starts_at: datetime, ends_at: datetime) -> str:
    start, end = starts_at.astimezone(slots.LONDON), ends_at.astimezone(slots.LONDON)
    return f"{start:%H:%M %Z}\u2013{end:%H:%M %Z}"


def _leave_time_text(day: date, starts_at: datetime, ends_at: datetime) -> str:
    """Leave's time on one day: "All day", "From 13:00 GMT", "Until 12:00
    GMT", or from and until, as the leave covers the day's start or end."""
    day_start, day_end = slots.local_day_bounds(day)
    from_start, to_end = starts_at <= day_start, ends_at >= day_end
    if from_start and to_end:
        return "All day"
    if to_end:
        return f"From {starts_at.astimezone(slots.LONDON):%H:%M %Z}"
    if from_start:
        return f"Until {ends_at.astimezone(slots.LONDON):%H:%M %Z}"
    return _time_text(starts_at, ends_at)


def _closed_text(reason: str | None) -> str:
    return "Practice closed \u2014 " + reason if reason else "Practice closed"


def _block(item: dict, links: Links) -> dict:
    """What one block prints: `text` (shown), `extra` (for screen readers:
    the therapist, and what a link does; it follows the text with a space of
    its own, as browsers may put one between them) and `url` (or None)."""
    kind = item["kind"]
    who = item["therapist"]
    if kind == "leave":
        text = "On leave" + (f" \u00b7 {item['reason']}" if item["reason"] else "")
        return {"text": text, "extra": f" ({who})", "url": None}
    if kind == "free":
        if links.book is None:
            return {"text": "Free", "extra": f" time of {who}", "url": None}
        return {
            "text": "Free",
            "extra": f" to book with {who} from {item['starts_at'].astimezone(slots.LONDON):%H:%M}",
            "url": links.book(item["therapist_id"], item["starts_at"]),
        }
    if kind == "group":
        text = f"{item['service']}: {item['topic']} · {item['booked']} of {item['capacity']} booked"
        if item["waiting"]:
            text += f" · {item['waiting']} waiting"
        url = links.group(item["pk"]) if links.group else None
        return {"text": text, "extra": f" (a group with {who})", "url": url}
    people = []
    for booking in item["bookings"]:
        family = booking["family"]
        if booking["children"]:
            family += f" ({', '.join(booking['children'])})"
        people.append(f"{family}, {booking['status_label']}")
    text = item["service"] + (": " + "; ".join(people) if people else ": no one booked")
    if item["room"]:
        text += f" · {item['room']}"
    return {"text": text, "extra": f" (with {who})", "url": links.appointment(item["pk"])}


def _hours_blocks(day: date, hours: list[slots.Hours], top: datetime, rows: int) -> list[str]:
    found = []
    for window in slots.windows_on(day, hours):
        start = max(_steps(window.starts_at, top), 0)
        end = min(_steps(window.ends_at, top), rows)
        if end > start:
            found.append(f"r{start} s{end - start}")
    return found


def bands(
    *,
    days: Sequence[dict],
    hours: dict[int, list[slots.Hours]],
    people: Sequence,
    links: Links,
    now: datetime,
) -> list[dict]:
    """One band per day, each a column per therapist of `people`, holding
    what the template prints and nothing it must work out:

    band: `day`, `rows` (five-minute steps it is drawn over), `css` (`n<rows>`,
    and `dg-same` when its hour marks are the first day's),
    `marks` (the hours down its side: `css`, `label`), `columns`;
    column: `therapist`, `css` (lanes), `hours` (the working hours' classes,
    none on a closed day), `now` (the class of today's line, or None),
    `blocks`;
    block: `kind` ("appointment", "group", "free", "leave" or "closed"),
    `css`, `time`, `text`, `extra`, `url`, and `starts_at`.
    A day of `days` may give `closure` (why the practice is closed).
    """
    wall = wall_range(days, hours, {entry["day"].weekday() for entry in days})
    result = []
    for entry in days:
        day = entry["day"]
        top, bottom = day_bounds(day, wall)
        # At least an hour: 01:00-02:00 on the day the clocks go forward
        # lasts no time at all.
        rows = max(min(_steps(bottom, top), MOST_ROWS), STEPS_PER_HOUR)
        now_css = f"r{_steps(now, top)}" if top <= now < bottom else None
        by_therapist: dict[int, list[dict]] = {person.pk: [] for person in people}
        spans: dict[int, list[tuple[int, int]]] = {person.pk: [] for person in people}
        closure = entry.get("closure")
        closed = None if closure is None else _closed_text(closure)
        if closed is not None:
            # Down the whole of each column, before what is still booked
            # that day (to be moved), which is drawn beside it.
            for person in people:
                by_therapist[person.pk].append(
                    {
                        "kind": "closed",
                        "starts_at": top,
                        "time": "All day",
                        "text": closed,
                        "extra": f" ({person})",
                        "url": None,
                        "css": f"dg-b dg-closed r0 s{rows}",
                    }
                )
                spans[person.pk].append((0, rows))
        for item in entry["items"]:
            column = by_therapist.get(item["therapist_id"])
            if column is None:
                continue
            if item["kind"] == "leave":
                # Only the part inside the hours drawn (see wall_range).
                start = max(_steps(item["starts_at"], top), 0)
                end = min(_steps(item["ends_at"], top), rows)
                if end <= start:
                    continue
                time_text = _leave_time_text(day, item["starts_at"], item["ends_at"])
            else:
                start = min(max(_steps(item["starts_at"], top), 0), rows - 1)
                end = min(max(_steps(item["ends_at"], top), start + 1), rows)
                time_text = _time_text(item["starts_at"], item["ends_at"])
            block = _block(item, links)
            block.update(
                kind=item["kind"],
                starts_at=item["starts_at"],
                time=time_text,
                css=f"dg-b dg-{item['kind']} r{start} s{end - start}",
            )
            column.append(block)
            spans[item["therapist_id"]].append((start, end))
        columns = []
        for person in people:
            blocks = by_therapist[person.pk]
            lane_of, lanes = _lanes(spans[person.pk])
            for block, lane in zip(blocks, lane_of, strict=True):
                if lane:
                    block["css"] += f" l{lane}"
            columns.append(
                {
                    "therapist": str(person),
                    "css": f"lanes-{lanes}",
                    "hours": []
                    if closed
                    else _hours_blocks(day, hours.get(person.pk, []), top, rows),
                    "now": now_css,
                    "blocks": blocks,
                }
            )
        marks = hour_marks(top, rows)
        # Days drawn side by side share the first day's hours down the side,
        # unless theirs differ (the clocks changed).
        same = bool(result) and marks == result[0]["marks"]
        result.append(
            {
                "day": day,
                "rows": rows,
                "css": f"n{rows}" + (" dg-same" if same else ""),
                "marks": marks,
                "columns": columns,
            }
        )
    return result
