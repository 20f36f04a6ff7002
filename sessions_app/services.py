"""Writes for sessions, notes, addenda and assessments. Every creation,
signing and addendum of a clinical record is audited here, so no view can
forget it."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Role, User
from families.models import Caregiver, Child, Family
from families.permissions import Access, active_assignments
from goals import services as goals_services
from goals.models import GAS_LEVELS
from sessions_app.models import (
    Addendum,
    Assessment,
    AssessmentGoal,
    GoalAddressed,
    NoteTemplate,
    RecordStatus,
    SessionNote,
    StandardisedTest,
    StrategyChange,
    TherapySession,
)

NOTE_TEXT_FIELDS = ("subjective", "objective", "assessment", "plan", "family_summary")
ASSESSMENT_TEXT_FIELDS = (
    "assessed_on",
    "developmental_history",
    "concerns_parent",
    "concerns_school",
    "concerns_other",
    "observed_home",
    "observed_school",
    "observed_clinic",
    "observations",
    "strengths",
    "summary",
    "recommendations",
)


def _child_id(session: TherapySession) -> int | None:
    return session.child_id


def _check_on_caseload(*, therapist: User, child: Child | None, family: Family) -> None:
    if therapist.role != Role.THERAPIST:
        raise ValidationError("Only a therapist of the practice can record a session.")
    assignments = active_assignments().filter(therapist=therapist)
    if child is not None:
        assignments = assignments.filter(child=child)
    else:
        assignments = assignments.filter(child__family=family)
    if not assignments.exists():
        raise ValidationError("This family is not on your caseload.")


@transaction.atomic
def session_create(
    *,
    by: User,
    family: Family,
    child: Child | None,
    therapist: User,
    session_type: str,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    child_attended: bool,
    caregivers_attended: Iterable[Caregiver] = (),
    others_attended: str = "",
    about_children: Iterable[Child] = (),
    booking_id: int | None = None,
    request: HttpRequest | None = None,
) -> TherapySession:
    """Record a contact with a family. Bookings calls this with `booking_id`
    when a booked appointment is marked as attended."""
    if child is not None and child.family_id != family.pk:
        raise ValidationError({"child": "Choose a child of this family."})
    _check_on_caseload(therapist=therapist, child=child, family=family)
    caregivers = list(caregivers_attended)
    if any(caregiver.family_id != family.pk for caregiver in caregivers):
        raise ValidationError({"caregivers_attended": "Choose people of this family only."})
    if child is None and child_attended:
        raise ValidationError(
            {"child_attended": "Choose the child, or untick “the child was there”."}
        )
    session = TherapySession(
        family=family,
        child=child,
        therapist=therapist,
        session_type=session_type,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=location,
        child_attended=child_attended,
        others_attended=others_attended,
        booking_id=booking_id,
    )
    about = [] if child is not None else list(about_children)
    if any(about_child.family_id != family.pk for about_child in about):
        raise ValidationError({"about_children": "Choose children of this family only."})
    session.full_clean()
    session.save()
    session.caregivers_attended.set(caregivers)
    session.about_children.set(about)
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.CREATE,
        record_type="session",
        record_id=session.pk,
        child_id=session.child_id,
    )
    return session


@transaction.atomic
def sessions_for_attended_booking(
    *,
    by: User,
    booking_id: int,
    family: Family,
    children: Iterable[Child],
    parents_only: bool = False,
    therapist: User,
    session_type: str,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    escort: Caregiver | None,
    request: HttpRequest | None = None,
) -> list[TherapySession]:
    """The sessions of an appointment that took place, ready for their notes:
    one per child, or for a parents-only consultation one for the family,
    about the children booked. Calling it again for the same booking returns
    the sessions it made the first time."""
    children = list(children)
    about = children if parents_only else []
    if parents_only:
        children = []
    existing = {
        session.child_id: session
        for session in TherapySession.objects.select_for_update().filter(booking_id=booking_id)
    }
    sessions = []
    for child in children or [None]:
        child_id = child.pk if child is not None else None
        if child_id in existing:
            sessions.append(existing[child_id])
            continue
        sessions.append(
            session_create(
                by=by,
                family=family,
                child=child,
                therapist=therapist,
                session_type=session_type,
                starts_at=starts_at,
                duration_minutes=duration_minutes,
                location=location,
                child_attended=child is not None,
                caregivers_attended=[escort] if escort is not None else [],
                about_children=about,
                booking_id=booking_id,
                request=request,
            )
        )
    return sessions


def note_template_for(session_type: str) -> NoteTemplate | None:
    return NoteTemplate.objects.filter(session_type=session_type).first()


def note_initial(session: TherapySession) -> dict:
    """What a new note starts with: its session type's template, if any."""
    template = note_template_for(session.session_type)
    if template is None:
        return {}
    return {field: getattr(template, field) for field in NOTE_TEXT_FIELDS}


def _check_draft(record: SessionNote | Assessment) -> None:
    if record.is_signed:
        raise ValidationError(
            "This record is signed and can no longer be changed. Add an addendum instead."
        )


def _replace_goals_addressed(note: SessionNote, session: TherapySession, rows: list[dict]) -> None:
    for row in rows:
        if session.child_id is None or row["goal"].child_id != session.child_id:
            raise ValidationError("Choose goals of the child seen in this session.")
        if row["level"] not in GAS_LEVELS:
            raise ValidationError("Choose a level from −2 to +2.")
    note.goals_addressed.all().delete()
    for row in rows:
        GoalAddressed.objects.create(
            note=note, goal=row["goal"], level=row["level"], comment=row.get("comment", "")
        )


def _replace_strategy_changes(note: SessionNote, session: TherapySession, rows: list[dict]) -> None:
    for row in rows:
        target = row.get("strategy") or row.get("goal")
        if session.child_id is None or target is None or target.child_id != session.child_id:
            raise ValidationError("Choose strategies and goals of the child seen in this session.")
    note.strategy_changes.all().delete()
    for row in rows:
        change = StrategyChange(
            note=note,
            action=row["action"],
            strategy=row.get("strategy"),
            goal=row.get("goal"),
            title=row.get("title", ""),
            routine=row.get("routine", ""),
            what_to_do=row.get("what_to_do", ""),
            detail=row.get("detail", ""),
        )
        change.full_clean()
        change.save()


@transaction.atomic
def note_save_draft(
    *,
    session: TherapySession,
    by: User,
    fields: dict,
    goals_addressed: list[dict] | None = None,
    strategy_changes: list[dict] | None = None,
    request: HttpRequest | None = None,
) -> SessionNote:
    """Create or update the draft note of a session (the form and autosave
    both come here). A signed note is never touched.

    `goals_addressed` ({goal, level, comment}) and `strategy_changes`
    ({action, strategy or goal/title/routine/what_to_do, detail}) replace the
    draft's when given; they act on the goals app only when the note is signed."""
    if by.pk != session.therapist_id:
        raise ValidationError("Only the therapist who saw the family writes this note.")
    note = SessionNote.objects.select_for_update().filter(session=session).first()
    created = note is None
    if created:
        note = SessionNote(session=session, template=note_template_for(session.session_type))
    _check_draft(note)
    for name in NOTE_TEXT_FIELDS:
        if name in fields:
            setattr(note, name, fields[name])
    note.updated_at = timezone.now()
    note.full_clean(exclude=["session"])
    note.save()
    if goals_addressed is not None:
        _replace_goals_addressed(note, session, goals_addressed)
    if strategy_changes is not None:
        _replace_strategy_changes(note, session, strategy_changes)
    if created:
        audit_record(
            request=request,
            user=by,
            action=AuditEvent.Action.CREATE,
            record_type="session_note",
            record_id=note.pk,
            child_id=_child_id(session),
        )
    return note


def _missing(record, names: Iterable[str], message: str) -> dict:
    return {name: message for name in names if not str(getattr(record, name) or "").strip()}


def _carry_out_in_goals(
    *, note: SessionNote, session: TherapySession, by: User, request: HttpRequest | None
) -> None:
    """What the note records about goals and strategies becomes real in the
    goals app, through its services, while the note is still a draft (it is
    signed in the same transaction right after)."""
    rated_on = timezone.localdate(session.starts_at)
    for row in note.goals_addressed.select_related("goal").filter(progress_rating__isnull=True):
        row.progress_rating = goals_services.progress_rating_add(
            goal=row.goal,
            by=by,
            access=Access.THERAPIST,
            level=row.level,
            rated_on=rated_on,
            note=row.comment,
            request=request,
        )
        row.save(update_fields=["progress_rating"])
    for change in note.strategy_changes.select_related("strategy", "goal"):
        if change.action == StrategyChange.Action.INTRODUCED and change.strategy_id is None:
            change.strategy = goals_services.strategy_create(
                child=change.goal.child,
                by=by,
                fields={
                    "title": change.title,
                    "routine": change.routine,
                    "what_to_do": change.what_to_do,
                },
                goals=[change.goal],
                request=request,
            )
            change.save(update_fields=["strategy"])
        elif change.action == StrategyChange.Action.RETIRED:
            goals_services.strategy_retire(strategy=change.strategy, by=by, request=request)


def note_check_ready(*, note: SessionNote) -> None:
    """Whether a draft may be signed as it stands: every section written.
    Raises the same ValidationError signing would, by section; signing
    asks again, so this only lets the confirmation be offered honestly."""
    _check_draft(note)
    errors = _missing(note, NOTE_TEXT_FIELDS, "Write this section before signing.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def note_sign(*, note: SessionNote, by: User, request: HttpRequest | None = None) -> SessionNote:
    """Sign a draft note: records who and when, and freezes it for good."""
    session = note.session
    if by.pk != session.therapist_id or by.role != Role.THERAPIST:
        raise ValidationError("Only the therapist who saw the family can sign this note.")
    note = SessionNote.objects.select_for_update().get(pk=note.pk)
    note_check_ready(note=note)
    _carry_out_in_goals(note=note, session=session, by=by, request=request)
    now = timezone.now()
    # Compare-and-swap on the status: two clicks on "Sign" sign once.
    signed = SessionNote.objects.filter(pk=note.pk, status=RecordStatus.DRAFT).update(
        status=RecordStatus.SIGNED, signed_by=by, signed_at=now, updated_at=now
    )
    if not signed:
        raise ValidationError("This note has already been signed.")
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.SIGN,
        record_type="session_note",
        record_id=note.pk,
        child_id=_child_id(session),
    )
    note.refresh_from_db()
    return note


@transaction.atomic
def addendum_add(
    *,
    by: User,
    reason: str,
    text: str,
    note: SessionNote | None = None,
    assessment: Assessment | None = None,
    request: HttpRequest | None = None,
) -> Addendum:
    """Add a correction or addition beneath a signed note or assessment."""
    record = note if note is not None else assessment
    if record is None or (note is not None and assessment is not None):
        raise ValueError("An addendum belongs to exactly one note or assessment.")
    if by.role != Role.THERAPIST:
        raise ValidationError("Only a therapist can add an addendum.")
    # The database's word, not the caller's copy: it may predate the signing.
    if not type(record).objects.filter(pk=record.pk, status=RecordStatus.SIGNED).exists():
        raise ValidationError("Edit the draft itself: addenda are for signed records.")
    addendum = Addendum(note=note, assessment=assessment, author=by, reason=reason, text=text)
    addendum.full_clean()
    addendum.save()
    child_id = note.session.child_id if note is not None else assessment.child_id
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.ADDENDUM,
        record_type="session_note" if note is not None else "assessment",
        record_id=record.pk,
        child_id=child_id,
        detail=reason,
    )
    return addendum


@transaction.atomic
def assessment_create(
    *,
    child: Child,
    by: User,
    fields: dict,
    session: TherapySession | None = None,
    request: HttpRequest | None = None,
) -> Assessment:
    _check_on_caseload(therapist=by, child=child, family=child.family)
    if session is not None and session.child_id != child.pk:
        raise ValidationError("Choose a session of this child.")
    assessment = Assessment(child=child, therapist=by, session=session)
    for name in ASSESSMENT_TEXT_FIELDS:
        if name in fields:
            setattr(assessment, name, fields[name])
    assessment.full_clean()
    assessment.save()
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.CREATE,
        record_type="assessment",
        record_id=assessment.pk,
        child_id=child.pk,
    )
    return assessment


@transaction.atomic
def assessment_save_draft(
    *,
    assessment: Assessment,
    by: User,
    fields: dict,
    tests: Iterable[dict] | None = None,
    goals: Iterable | None = None,
    request: HttpRequest | None = None,
) -> Assessment:
    """Update a draft assessment and, when given, replace its standardised
    tests with `tests` (dicts of name, administered_on, scores, interpretation)
    and the goals that came of it with `goals` (the child's goals)."""
    if by.pk != assessment.therapist_id:
        raise ValidationError("Only the therapist who carried out the assessment edits it.")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _check_draft(assessment)
    for name in ASSESSMENT_TEXT_FIELDS:
        if name in fields:
            setattr(assessment, name, fields[name])
    assessment.updated_at = timezone.now()
    assessment.full_clean()
    assessment.save()
    if tests is not None:
        assessment.tests.all().delete()
        for test in tests:
            item = StandardisedTest(assessment=assessment, **test)
            item.full_clean()
            item.save()
    if goals is not None:
        goals = list(goals)
        if any(goal.child_id != assessment.child_id for goal in goals):
            raise ValidationError({"goals": "Choose goals of this child only."})
        assessment.goal_links.all().delete()
        for goal in goals:
            AssessmentGoal.objects.create(assessment=assessment, goal=goal)
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.CHANGE,
        record_type="assessment",
        record_id=assessment.pk,
        child_id=assessment.child_id,
    )
    return assessment


@transaction.atomic
def assessment_sign(
    *, assessment: Assessment, by: User, request: HttpRequest | None = None
) -> Assessment:
    if by.pk != assessment.therapist_id or by.role != Role.THERAPIST:
        raise ValidationError("Only the therapist who carried out the assessment can sign it.")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _check_draft(assessment)
    errors = _missing(
        assessment,
        ("developmental_history", "summary", "recommendations"),
        "Write this section before signing.",
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    signed = Assessment.objects.filter(pk=assessment.pk, status=RecordStatus.DRAFT).update(
        status=RecordStatus.SIGNED, signed_by=by, signed_at=now, updated_at=now
    )
    if not signed:
        raise ValidationError("This assessment has already been signed.")
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.SIGN,
        record_type="assessment",
        record_id=assessment.pk,
        child_id=assessment.child_id,
    )
    assessment.refresh_from_db()
    return assessment


def record_viewed(
    *, request: HttpRequest, record_type: str, record_id: int | str, child_id: int | None
) -> None:
    """Every view of a clinical record leaves a trace."""
    audit_record(
        request=request,
        action=AuditEvent.Action.VIEW,
        record_type=record_type,
        record_id=record_id,
        child_id=child_id,
    )
