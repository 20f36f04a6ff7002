"""Progress summaries: the practice's e-mail between sessions.

Per caregiver (a person's membership of a family) and their chosen period
(weekly, fortnightly, monthly), for each child they may see: goals and their
latest progress in plain words, practice logged, new and retired strategies,
the family summaries of notes signed, wins, and upcoming bookings. It lives in
`portal` because it composes goals, sessions and bookings, which sit beside one
another below it.

Only what that person may see in the portal: a supporting caregiver gets the
children they are linked to, summaries of sessions they attended (unless the
family lets them see all) and only the bookings they bring a child to; never a
note's clinical sections, never another person's contact details.

Nothing is sent when nothing happened; each (caregiver, period) is queued once
under a dedupe key, so the hourly sweep and a second beat are harmless.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bookings.models import ACTIVE_BOOKING_STATUSES, Booking
from bookings.permissions import bookings_seen_through
from families.models import SUMMARY_EMAIL as SUMMARY
from families.models import AccessLevel, Caregiver, Child, Family, SummaryFrequency
from families.permissions import children_for, memberships_seeing_child, seen_through
from families.services import caregiver_summaries_restart, caregiver_summaries_stop
from goals.models import Goal, GoalStatus, HomeStrategy, PracticeLog, ProgressRating, Win
from notifications.emails import render_email
from notifications.models import OutboxMessage
from notifications.registry import Purpose, Rendered, register
from notifications.services import dispatch, message_queue, messages_queue_many
from sessions_app.models import RecordStatus, SessionNote, TherapySession
from sessions_app.permissions import sessions_for, sessions_seen_through

CHUNK = 500
UPCOMING_DAYS = 14
# Fortnights count from this Monday, so every caregiver's fortnight is the same.
FORTNIGHT_ANCHOR = date(2024, 1, 1)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime  # inclusive
    end: datetime  # exclusive
    label: str

    def as_params(self) -> dict:
        return {
            "period": self.key,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label": self.label,
        }

    @classmethod
    def from_params(cls, params: dict) -> "Period":
        return cls(
            key=params["period"],
            start=datetime.fromisoformat(params["start"]),
            end=datetime.fromisoformat(params["end"]),
            label=params.get("label", ""),
        )


def last_completed_period(frequency: str, today: date) -> Period | None:
    """The latest whole period before today, in the practice's time zone."""
    monday = today - timedelta(days=today.weekday())
    if frequency == SummaryFrequency.WEEKLY:
        start = monday - timedelta(days=7)
        year, week, _ = start.isocalendar()
        return Period(
            f"{year}-W{week:02d}",
            _midnight(start),
            _midnight(monday),
            f"in the week of {start:%-d %B}",
        )
    if frequency == SummaryFrequency.FORTNIGHTLY:
        end = FORTNIGHT_ANCHOR + timedelta(days=14 * ((monday - FORTNIGHT_ANCHOR).days // 14))
        start = end - timedelta(days=14)
        return Period(
            f"F{start.isoformat()}",
            _midnight(start),
            _midnight(end),
            f"in the two weeks from {start:%-d %B}",
        )
    if frequency == SummaryFrequency.MONTHLY:
        end = today.replace(day=1)
        start = (end - timedelta(days=1)).replace(day=1)
        return Period(f"{start:%Y-%m}", _midnight(start), _midnight(end), f"in {start:%B %Y}")
    return None


def period_until_now(*, since: datetime | None, now: datetime) -> Period:
    """For "send it now": since the last summary that went, at most a month."""
    start = max(since or now - timedelta(days=7), now - timedelta(days=31))
    local = timezone.localtime(start, _zone())
    return Period(f"now-{now:%Y%m%dT%H%M}", start, now, f"since {local:%-d %B}")


# --- What a summary holds --------------------------------------------------------------


@dataclass
class GoalLine:
    goal: Goal
    latest: ProgressRating | None
    rated_in_period: bool
    achieved_in_period: bool


@dataclass
class ChildSummary:
    child: Child
    goals: list[GoalLine] = field(default_factory=list)
    practice: list[tuple[str, int]] = field(default_factory=list)  # strategy title, times
    new_strategies: list[HomeStrategy] = field(default_factory=list)
    retired_strategies: list[HomeStrategy] = field(default_factory=list)
    session_summaries: list[SessionNote] = field(default_factory=list)
    wins: list[Win] = field(default_factory=list)

    @property
    def practice_total(self) -> int:
        return sum(times for _, times in self.practice)

    @property
    def has_news(self) -> bool:
        return bool(
            self.practice
            or self.new_strategies
            or self.retired_strategies
            or self.session_summaries
            or self.wins
            or any(line.rated_in_period or line.achieved_in_period for line in self.goals)
        )


@dataclass
class Summary:
    caregiver: Caregiver
    period: Period
    children: list[ChildSummary]
    family_sessions: list[SessionNote]  # consultations about the whole family
    upcoming: list[Booking]

    @property
    def has_news(self) -> bool:
        return bool(self.family_sessions) or any(child.has_news for child in self.children)


def build_summaries(caregivers: list[Caregiver], periods: dict[int, Period]) -> dict[int, Summary]:
    """Summaries for many caregivers at once, in a fixed number of queries
    (whatever their number): the sweep builds thousands this way.

    What each caregiver sees is decided by the apps' own policies, for all of
    them at once (`seen_through`): children by families, session summaries by
    sessions_app, bookings by bookings. `periods` maps caregiver id to its
    period."""
    if not caregivers:
        return {}
    earliest = min(period.start for period in periods.values())
    latest = max(period.end for period in periods.values())
    family_ids = {caregiver.family_id for caregiver in caregivers}
    caregiver_ids = [caregiver.pk for caregiver in caregivers]

    children_now = Child.objects.filter(family_id__in=family_ids).filter(
        Q(discharged_on__isnull=True) | Q(discharged_on__gte=earliest.date())
    )
    children = list(children_now)
    child_ids = [child.pk for child in children]
    children_seen = seen_through(
        Child.objects.filter(pk__in=child_ids), memberships_seeing_child(), caregiver_ids
    )

    goals_by_child: dict[int, list[Goal]] = defaultdict(list)
    for goal in (
        Goal.objects.filter(child_id__in=child_ids)
        .filter(
            Q(status=GoalStatus.ACTIVE)
            | Q(status=GoalStatus.ACHIEVED, status_changed_on__gte=earliest.date())
        )
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=ProgressRating.objects.order_by("rated_on", "created_at", "id"),
                to_attr="ordered_ratings",
            )
        )
        .order_by("priority", "created_at", "id")
    ):
        goals_by_child[goal.child_id].append(goal)

    practice = list(
        PracticeLog.objects.filter(
            child_id__in=child_ids, created_at__gte=earliest, created_at__lt=latest
        ).values_list("child_id", "strategy__title", "created_at")
    )
    strategies = list(
        HomeStrategy.objects.filter(child_id__in=child_ids).filter(
            Q(created_at__gte=earliest, created_at__lt=latest)
            | Q(retired_on__gte=earliest.date(), retired_on__lte=latest.date())
        )
    )
    wins = list(
        Win.objects.filter(
            child_id__in=child_ids, created_at__gte=earliest, created_at__lt=latest
        ).order_by("created_at", "id")
    )
    notes = list(
        SessionNote.objects.filter(
            status=RecordStatus.SIGNED,
            signed_at__gte=earliest,
            signed_at__lt=latest,
            session__family_id__in=family_ids,
        )
        .exclude(family_summary="")
        .select_related("session")
        .order_by("session__starts_at", "id")
    )
    sessions_seen = sessions_seen_through(
        TherapySession.objects.filter(pk__in=[note.session_id for note in notes]), caregiver_ids
    )
    now = timezone.now()
    upcoming = list(
        Booking.objects.filter(family_id__in=family_ids, status__in=ACTIVE_BOOKING_STATUSES)
        .annotate(starts=Coalesce("appointment__starts_at", "group_session__starts_at"))
        .filter(starts__gte=now, starts__lt=now + timedelta(days=UPCOMING_DAYS))
        .select_related(
            "appointment__service",
            "appointment__therapist",
            "group_session__service",
            "group_session__therapist",
        )
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
        .order_by("starts", "id")
    )
    bookings_seen = bookings_seen_through(
        Booking.objects.filter(pk__in=[booking.pk for booking in upcoming]), caregiver_ids
    )

    summaries = {}
    for caregiver in caregivers:
        period = periods[caregiver.pk]

        def within(moment: datetime, period: Period = period) -> bool:
            return period.start <= moment < period.end

        def within_day(day: date | None, period: Period = period) -> bool:
            if day is None:
                return False
            return period.start.date() <= day <= (period.end - timedelta(microseconds=1)).date()

        its_children = children_seen.get(caregiver.pk, set())
        its_sessions = sessions_seen.get(caregiver.pk, set())
        its_bookings = bookings_seen.get(caregiver.pk, set())
        entries = []
        for child in children:
            if child.pk not in its_children:
                continue
            entry = ChildSummary(child)
            for goal in goals_by_child.get(child.pk, []):
                ratings = [r for r in goal.ordered_ratings if r.created_at < period.end]
                achieved = goal.status == GoalStatus.ACHIEVED and within_day(goal.status_changed_on)
                if goal.status == GoalStatus.ACHIEVED and not achieved:
                    continue
                entry.goals.append(
                    GoalLine(
                        goal,
                        ratings[-1] if ratings else None,
                        any(within(r.created_at) for r in ratings),
                        achieved,
                    )
                )
            counts: dict[str, int] = defaultdict(int)
            for child_id, title, created_at in practice:
                if child_id == child.pk and within(created_at):
                    counts[title] += 1
            entry.practice = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            for strategy in strategies:
                if strategy.child_id != child.pk:
                    continue
                if within(strategy.created_at):
                    entry.new_strategies.append(strategy)
                elif within_day(strategy.retired_on):
                    entry.retired_strategies.append(strategy)
            entry.wins = [w for w in wins if w.child_id == child.pk and within(w.created_at)]
            entry.session_summaries = [
                note
                for note in notes
                if note.session.child_id == child.pk
                and within(note.signed_at)
                and note.session_id in its_sessions
            ]
            entries.append(entry)
        family_sessions = [
            note
            for note in notes
            if note.session.child_id is None
            and note.session.family_id == caregiver.family_id
            and within(note.signed_at)
            and note.session_id in its_sessions
        ]
        bookings = [b for b in upcoming if b.pk in its_bookings]
        summaries[caregiver.pk] = Summary(caregiver, period, entries, family_sessions, bookings)
    return summaries


def _caregivers(queryset) -> list[Caregiver]:
    return list(queryset.select_related("user", "family"))


def summary_for(caregiver: Caregiver, period: Period, *, viewer: User | None = None) -> Summary:
    """The caregiver's summary; shown to a `viewer` other than the caregiver
    (a therapist previewing it), only the children the viewer may see, and the
    consultations about them."""
    caregiver = _caregivers(Caregiver.objects.filter(pk=caregiver.pk))[0]
    summary = build_summaries([caregiver], {caregiver.pk: period})[caregiver.pk]
    if viewer is not None and viewer.pk != caregiver.user_id:
        visible = set(children_for(viewer).values_list("pk", flat=True))
        summary.children = [entry for entry in summary.children if entry.child.pk in visible]
        theirs = set(
            sessions_for(viewer)
            .filter(pk__in=[note.session_id for note in summary.family_sessions])
            .values_list("pk", flat=True)
        )
        summary.family_sessions = [
            note for note in summary.family_sessions if note.session_id in theirs
        ]
        summary.upcoming = [
            booking
            for booking in summary.upcoming
            if not booking.children.all()
            or any(child.pk in visible for child in booking.children.all())
        ]
    return summary


# --- Queueing ----------------------------------------------------------------------------


def _row(caregiver: Caregiver, period: Period, key: str) -> OutboxMessage:
    return OutboxMessage(
        kind=SUMMARY,
        recipient_id=caregiver.user_id,
        recipient_email=caregiver.user.email,
        object_type="caregiver",
        object_id=caregiver.pk,
        params={**period.as_params(), "family": caregiver.family_id},
        dedupe_key=key,
    )


def _key(caregiver_id: int, period: Period) -> str:
    return f"{SUMMARY}:{caregiver_id}:{period.key}"


def summaries_sweep(*, today: date | None = None) -> int:
    """Queue and send the summaries of the period just ended, for everyone
    who wants them. A caregiver with nothing new gets a "skipped" row (so the
    next run does not build theirs again) and no e-mail."""
    today = today or timezone.localdate()
    queued = 0
    for frequency in (
        SummaryFrequency.WEEKLY,
        SummaryFrequency.FORTNIGHTLY,
        SummaryFrequency.MONTHLY,
    ):
        period = last_completed_period(frequency, today)
        done = set(
            OutboxMessage.objects.filter(
                kind=SUMMARY, dedupe_key__endswith=f":{period.key}"
            ).values_list("object_id", flat=True)
        )
        ids = list(
            Caregiver.objects.filter(summary_frequency=frequency, user__is_active=True)
            .exclude(pk__in=done)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), CHUNK):
            caregivers = _caregivers(Caregiver.objects.filter(pk__in=ids[start : start + CHUNK]))
            summaries = build_summaries(caregivers, {c.pk: period for c in caregivers})
            rows = []
            for caregiver in caregivers:
                row = _row(caregiver, period, _key(caregiver.pk, period))
                if not summaries[caregiver.pk].has_news:
                    row.status = OutboxMessage.Status.SKIPPED
                    row.skip_reason = "nothing happened"
                rows.append(row)
            messages_queue_many(rows)
            keys = [row.dedupe_key for row in rows if row.status == OutboxMessage.Status.QUEUED]
            new = list(
                OutboxMessage.objects.filter(
                    dedupe_key__in=keys, status=OutboxMessage.Status.QUEUED
                ).values_list("pk", flat=True)
            )
            dispatch(new)
            queued += len(new)
    return queued


def summary_send_now(*, family: Family) -> list[Caregiver]:
    """The therapist's "send summary" button: to each caregiver of the family
    who takes summaries and has something new since their last one. Returns
    those it queued (inside the caller's transaction; sent after commit)."""
    now = timezone.now()
    caregivers = _caregivers(
        Caregiver.objects.filter(family=family, user__is_active=True).exclude(
            summary_frequency=SummaryFrequency.OFF
        )
    )
    # The latest summary sent to each (rows come oldest first, the dict keeps the last).
    since = dict(
        OutboxMessage.objects.filter(
            kind=SUMMARY, status=OutboxMessage.Status.SENT, object_id__in=[c.pk for c in caregivers]
        )
        .order_by("object_id", "sent_at")
        .values_list("object_id", "sent_at")
    )
    periods = {c.pk: period_until_now(since=since.get(c.pk), now=now) for c in caregivers}
    summaries = build_summaries(caregivers, periods)
    queued = []
    for caregiver in caregivers:
        if not summaries[caregiver.pk].has_news:
            continue
        period = periods[caregiver.pk]
        if message_queue(
            kind=SUMMARY,
            recipient_email=caregiver.user.email,
            recipient_id=caregiver.user_id,
            dedupe_key=_key(caregiver.pk, period),
            object_type="caregiver",
            object_id=caregiver.pk,
            params={**period.as_params(), "family": caregiver.family_id},
        ):
            queued.append(caregiver)
    return queued


# --- Rendering ---------------------------------------------------------------------------


def summary_context(summary: Summary) -> dict:
    caregiver = summary.caregiver
    return {
        "summary": summary,
        "caregiver": caregiver,
        "family": caregiver.family,
        "period": summary.period,
        "is_primary": caregiver.access_level == AccessLevel.PRIMARY,
        "family_url": reverse("families:my_family"),
        "bookings_url": reverse("bookings:my_bookings"),
        "preferences_url": reverse("families:preferences"),
    }


def render_summaries(messages: list[OutboxMessage]) -> dict[int, Rendered | str]:
    caregivers = {
        c.pk: c
        for c in _caregivers(Caregiver.objects.filter(pk__in={m.object_id for m in messages}))
    }
    result: dict[int, Rendered | str] = {}
    wanted = [m for m in messages if m.object_id in caregivers]
    for message in messages:
        if message.object_id not in caregivers:
            result[message.pk] = "no longer in the family"
        elif caregivers[message.object_id].summary_frequency == SummaryFrequency.OFF:
            result[message.pk] = "summaries turned off"
    wanted = [m for m in wanted if m.pk not in result]
    # One caregiver could have two rows in a batch (two periods): build per period.
    by_period: dict[str, list[OutboxMessage]] = defaultdict(list)
    for message in wanted:
        by_period[message.params["period"]].append(message)
    for batch in by_period.values():
        built = build_summaries(
            [caregivers[m.object_id] for m in batch],
            {m.object_id: Period.from_params(m.params) for m in batch},
        )
        for message in batch:
            summary = built[message.object_id]
            if not summary.has_news:
                result[message.pk] = "nothing happened"
                continue
            result[message.pk] = render_email(
                message,
                template="portal/email/progress_summary",
                subject=f"How things went {summary.period.label}",
                context=summary_context(summary),
            )
    return result


def register_kinds() -> None:
    register(
        SUMMARY,
        label="progress summaries",
        render=render_summaries,
        purpose=Purpose.ABOUT_THERAPY,
        on_optout=caregiver_summaries_stop,
        on_optin=caregiver_summaries_restart,
    )
