"""Writes for goals, ratings, strategies, practice and wins.

Each checks what a form cannot (dates against today, goals of the right child)
and raises ValidationError keyed by field, in words a parent understands.
"""

from collections.abc import Callable, Iterable
from datetime import date
from uuid import UUID

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from families.models import Child
from families.permissions import Access
from families.retention import files_destroy_after_commit
from goals.models import (
    PRACTICE_UNDO_WINDOW,
    STRATEGY_FIELDS,
    WIN_PHOTOS,
    WIN_UNDO_WINDOW,
    FamilyRating,
    Goal,
    GoalStatus,
    HomeStrategy,
    PracticeLog,
    ProgressRating,
    RatingSource,
    StrategyTemplate,
    Win,
)

GOAL_FIELDS = [
    "title",
    "area",
    "setting",
    "priority",
    "baseline",
    "target_date",
    "review_date",
    "agreed_with_family_on",
    "level_minus_2",
    "level_minus_1",
    "level_0",
    "level_plus_1",
    "level_plus_2",
    "baseline_level",
    "therapist_notes",
]


def _not_in_future(day: date, field: str = "rated_on") -> None:
    if day > timezone.localdate():
        raise ValidationError(
            {field: "This date is in the future. Choose today or an earlier day."}
        )


def _audit(request: HttpRequest | None, by: User, what: str, record, child_id: int) -> None:
    """Goals and strategies are part of the clinical record: every change is audited."""
    action = (
        AuditEvent.Action.CREATE
        if what.endswith(("create", "rate", "rating"))
        else AuditEvent.Action.CHANGE
    )
    audit_record(
        request=request,
        user=by,
        action=action,
        record_type=record._meta.label_lower,
        record_id=record.pk,
        child_id=child_id,
        detail=what,
    )


@transaction.atomic
def goal_create(
    *, child: Child, by: User, fields: dict, request: HttpRequest | None = None
) -> Goal:
    unknown = set(fields) - set(GOAL_FIELDS)
    if unknown:
        raise ValueError(f"Not goal fields: {sorted(unknown)}")
    agreed = fields.get("agreed_with_family_on")
    if agreed:
        _not_in_future(agreed, "agreed_with_family_on")
    goal = Goal(child=child, created_by=by, **fields)
    goal.full_clean()
    goal.save()
    _audit(request, by, "goal.create", goal, child.pk)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, by: User, fields: dict, request: HttpRequest | None = None) -> Goal:
    unknown = set(fields) - set(GOAL_FIELDS)
    if unknown:
        raise ValueError(f"Not goal fields: {sorted(unknown)}")
    agreed = fields.get("agreed_with_family_on")
    if agreed:
        _not_in_future(agreed, "agreed_with_family_on")
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.full_clean()
    goal.save()
    _audit(request, by, "goal.update", goal, goal.child_id)
    return goal


@transaction.atomic
def goal_set_status(
    *, goal: Goal, by: User, status: str, request: HttpRequest | None = None
) -> Goal:
    if status not in GoalStatus.values:
        raise ValidationError({"status": "Choose one of the statuses listed."})
    if status != goal.status:
        goal.status = status
        goal.status_changed_on = timezone.localdate()
        goal.save(update_fields=["status", "status_changed_on"])
        _audit(request, by, "goal.status", goal, goal.child_id)
    return goal


def progress_rating_add(
    *,
    goal: Goal,
    by: User,
    access: Access,
    level: int,
    rated_on: date,
    note: str = "",
    request: HttpRequest | None = None,
) -> ProgressRating:
    """A therapist's rating counts as the therapist's; anyone else rates as family at home."""
    if level not in (-2, -1, 0, 1, 2):
        raise ValidationError({"level": "Choose a level from −2 to +2."})
    _not_in_future(rated_on)
    source = RatingSource.THERAPIST if access == Access.THERAPIST else RatingSource.CAREGIVER
    rating = ProgressRating.objects.create(
        goal=goal,
        child_id=goal.child_id,
        level=level,
        rated_on=rated_on,
        note=note,
        source=source,
        rated_by=by,
    )
    _audit(request, by, "goal.rate", rating, goal.child_id)
    return rating


def family_rating_add(
    *,
    goal: Goal,
    by: User,
    kind: str,
    performance: int,
    satisfaction: int,
    rated_on: date,
    request: HttpRequest | None = None,
) -> FamilyRating:
    errors = {}
    if not 1 <= performance <= 10:
        errors["performance"] = "Choose a number from 1 to 10."
    if not 1 <= satisfaction <= 10:
        errors["satisfaction"] = "Choose a number from 1 to 10."
    if rated_on > timezone.localdate():
        errors["rated_on"] = "This date is in the future. Choose today or an earlier day."
    if errors:
        raise ValidationError(errors)
    rating = FamilyRating.objects.create(
        goal=goal,
        kind=kind,
        performance=performance,
        satisfaction=satisfaction,
        rated_on=rated_on,
        rated_by=by,
    )
    _audit(request, by, "goal.family_rating", rating, goal.child_id)
    return rating


def _check_goals(child: Child, goals: Iterable[Goal]) -> list[Goal]:
    goals = list(goals)
    if not goals:
        raise ValidationError({"goals": "Choose at least one of this child's goals."})
    if any(goal.child_id != child.pk for goal in goals):
        raise ValidationError(
            {"goals": f"Choose only goals of {child.display_name}: a strategy serves one child."}
        )
    return goals


@transaction.atomic
def strategy_create(
    *,
    child: Child,
    by: User,
    fields: dict,
    goals: Iterable[Goal],
    template: StrategyTemplate | None = None,
    request: HttpRequest | None = None,
) -> HomeStrategy:
    goals = _check_goals(child, goals)
    if template is not None:
        _check_template_not_on_goals(template, goals)
    strategy = HomeStrategy(
        child=child,
        created_by=by,
        template=template,
        **{name: value for name, value in fields.items() if name in STRATEGY_FIELDS},
    )
    strategy.full_clean()
    strategy.save()
    strategy.goals.set(goals)
    _audit(request, by, "strategy.create", strategy, child.pk)
    return strategy


def _check_template_not_on_goals(template: StrategyTemplate, goals: list[Goal]) -> None:
    """A strategy from the practice library serves a goal once: refuse it
    for a goal it already serves in use (a retired one is brought back
    instead). The goals are locked first, so two at once cannot both pass."""
    list(Goal.objects.select_for_update().filter(pk__in=[goal.pk for goal in goals]).values("pk"))
    taken = [
        goal.title
        for goal in Goal.objects.filter(
            pk__in=[goal.pk for goal in goals],
            strategies__template=template,
            strategies__retired_on__isnull=True,
        ).distinct()
    ]
    if taken:
        raise ValidationError(
            {
                "goals": f"“{template.title}” from the library is already on the plan for "
                + ", ".join(f"“{title}”" for title in taken)
                + ". Change that strategy instead, or choose another goal."
            }
        )


@transaction.atomic
def strategy_update(
    *,
    strategy: HomeStrategy,
    by: User,
    fields: dict,
    goals: Iterable[Goal],
    request: HttpRequest | None = None,
) -> HomeStrategy:
    goals = _check_goals(strategy.child, goals)
    for name, value in fields.items():
        if name in STRATEGY_FIELDS:
            setattr(strategy, name, value)
    strategy.full_clean()
    strategy.save()
    strategy.goals.set(goals)
    _audit(request, by, "strategy.update", strategy, strategy.child_id)
    return strategy


def strategy_retire(
    *, strategy: HomeStrategy, by: User, request: HttpRequest | None = None
) -> HomeStrategy:
    # Compare-and-swap, so a double click retires once and keeps the first date.
    updated = HomeStrategy.objects.filter(pk=strategy.pk, retired_on__isnull=True).update(
        retired_on=timezone.localdate()
    )
    strategy.refresh_from_db(fields=["retired_on"])
    if updated:
        _audit(request, by, "strategy.retire", strategy, strategy.child_id)
    return strategy


def strategy_reactivate(
    *, strategy: HomeStrategy, by: User, request: HttpRequest | None = None
) -> HomeStrategy:
    updated = HomeStrategy.objects.filter(pk=strategy.pk, retired_on__isnull=False).update(
        retired_on=None
    )
    strategy.refresh_from_db(fields=["retired_on"])
    if updated:
        _audit(request, by, "strategy.reactivate", strategy, strategy.child_id)
    return strategy


# How long a tap's id is remembered: far longer than any double tap or retry.
_TAP_MEMORY_SECONDS = 24 * 60 * 60


def practice_log_add(
    *,
    strategy: HomeStrategy,
    by: User,
    outcome: str,
    practised_on: date | None = None,
    note: str = "",
    client_id: UUID | None = None,
) -> PracticeLog:
    """Log practice. With a `client_id` (chosen by the phone for a log made
    offline, or by the page for one tap) the same log sent again returns the
    one already saved: a double tap or a queued log retried is kept once.
    Two copies racing meet at the unique constraint."""
    if client_id is not None:
        existing = _practice_log_sent_before(strategy=strategy, by=by, client_id=client_id)
        if existing is not None:
            return existing
    practised_on = practised_on or timezone.localdate()
    _not_in_future(practised_on, "practised_on")
    if not strategy.is_active:
        raise ValidationError(
            "This strategy has been retired, so practice cannot be logged against it."
        )
    log = PracticeLog(
        strategy=strategy,
        child_id=strategy.child_id,
        caregiver=by,
        outcome=outcome,
        practised_on=practised_on,
        note=note,
        client_id=client_id,
    )
    log.full_clean(validate_constraints=False)
    try:
        # A savepoint: two copies of one queued log racing each other meet
        # at the unique constraint, and the second reads the first.
        with transaction.atomic():
            log.save()
    except IntegrityError:
        if client_id is None:
            raise
        existing = _practice_log_sent_before(strategy=strategy, by=by, client_id=client_id)
        if existing is None:
            raise
        return existing
    return log


def _practice_log_sent_before(
    *, strategy: HomeStrategy, by: User, client_id: UUID
) -> PracticeLog | None:
    existing = PracticeLog.objects.filter(client_id=client_id).first()
    if existing is None:
        return None
    if existing.strategy_id != strategy.pk or existing.caregiver_id != by.pk:
        # An id is only ever reused by the phone that chose it, for the same log.
        raise ValidationError("This practice could not be saved. Please log it again.")
    return existing


def practice_log_undo(*, strategy: HomeStrategy, log_id: int, by: User) -> None:
    """Take back a practice just logged: only the person who logged it, and
    only within PRACTICE_UNDO_WINDOW; after that it is part of the record."""
    with transaction.atomic():
        log = (
            PracticeLog.objects.select_for_update()
            .filter(pk=log_id, strategy=strategy, caregiver=by)
            .first()
        )
        if log is None:
            raise ValidationError(
                "Only the person who logged this practice can undo it, and it may already be undone."
            )
        if log.created_at < timezone.now() - PRACTICE_UNDO_WINDOW:
            raise ValidationError("It is too late to undo this one: it stays in the log.")
        log.delete()


# A photo shared with a win is messaging's (a MediaFile, checked and stored
# without its metadata as every photo from home is, and only with the
# family's consent). messaging sits above goals, so it registers here, in its
# AppConfig.ready, the service that stores one: (win=, by=, upload=), raising
# a ValidationError keyed "photo" when the photo may not be kept.
WinPhotoAdder = Callable[..., object]
_win_photo_adders: list[WinPhotoAdder] = []
NO_PHOTOS_HERE = "Photos cannot be added just now. Please share the win without one."


def register_win_photo(adder: WinPhotoAdder) -> None:
    _win_photo_adders[:] = [adder]


def win_add(
    *,
    child: Child,
    by: User,
    text: str,
    goal: Goal | None = None,
    client_id: UUID | None = None,
    photo: UploadedFile | None = None,
) -> Win:
    """Share a win, with a photo if one is given. As with practice_log_add,
    `client_id` makes the same tap sent twice share once: the child's row is
    locked and the id remembered. A photo refused (no consent, not a photo)
    takes the win back with it, so the person tries again with what they
    typed."""
    if goal is not None and goal.child_id != child.pk:
        raise ValidationError({"goal": f"Choose one of {child.display_name}'s goals."})
    with transaction.atomic():
        if client_id is not None:
            Child.objects.select_for_update().filter(pk=child.pk).exists()
            earlier = cache.get(_win_tap_key(by, client_id))
            if earlier is not None:
                win = Win.objects.filter(pk=earlier, author=by, child=child).first()
                if win is not None:
                    return win
        win = Win(child=child, goal=goal, author=by, text=text.strip())
        win.full_clean()
        win.save()
        if photo is not None:
            if not _win_photo_adders:
                raise ValidationError({"photo": NO_PHOTOS_HERE})
            _win_photo_adders[0](win=win, by=by, upload=photo)
        if client_id is not None:
            cache.set(_win_tap_key(by, client_id), win.pk, _TAP_MEMORY_SECONDS)
    return win


def _win_tap_key(by: User, client_id: UUID) -> str:
    return f"win-tap:{by.pk}:{client_id}"


def win_undo(*, child: Child, win_id: int, by: User) -> None:
    """Take back a win just shared: only its author, within WIN_UNDO_WINDOW."""
    with transaction.atomic():
        win = Win.objects.select_for_update().filter(pk=win_id, child=child, author=by).first()
        if win is None:
            raise ValidationError(
                "Only the person who shared this win can undo it, and it may already be undone."
            )
        if win.created_at < timezone.now() - WIN_UNDO_WINDOW:
            raise ValidationError("It is too late to undo this one: it stays on the page.")
        # Its photo goes with it (the rows by cascade), the file too once committed.
        files_destroy_after_commit(getattr(win, WIN_PHOTOS).values_list("file", flat=True))
        win.delete()
