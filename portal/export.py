"""Everything the portal holds about a family, as a ZIP: HTML pages to read in
a browser, one JSON document and one CSV per kind of record, and the photos,
videos and reports themselves under readable names.

The export is a list of providers. Each names the models it exports and
builds a Section from the scope (which family, who asks, how they stand to
it), or None when it has nothing for that requester. Every model with a path
to a family or a child (`models_about_families`) must be exported by a
provider or listed in NOT_EXPORTED with the reason; a test walks the model
graph and fails for one that is neither, so a new feature cannot be left out.

What a requester may see comes from the apps' permission modules (children
via `children_for`, goals, strategies, practice and wins via `goals_for`,
`strategies_for`, `practice_logs_for` and `wins_for`, bookings via
`bookings_visible_to`, sessions via `sessions_for`, conversations and photos
via `conversations_for` and `media_for`, articles via `articles_for`, and
each app's readers): a supporting caregiver's copy holds
only what their pages show them. The practice's subject-access copy
(`scope.full`) holds everything, clinical notes and the access log included.
Each provider runs a fixed number of queries whatever the family's size.

The shape of the files is described in the README ("The family's download").
"""

import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.db.models import Model, Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import AuditEvent, User
from bookings.models import Booking, WaitlistEntry
from bookings.permissions import bookings_visible_to
from families.models import (
    Caregiver,
    CaseloadAssignment,
    Child,
    Consent,
    Family,
    Invitation,
    SupportingLink,
)
from families.permissions import Access, children_for, family_access
from families.retention import retention_until
from goals.models import FamilyRating, Goal, HomeStrategy, PracticeLog, ProgressRating, Win
from goals.permissions import VIEWERS as GOAL_VIEWERS
from goals.permissions import (
    goals_for,
    practice_logs_for,
    sees_strategy_photos,
    strategies_for,
    wins_for,
)
from intake.models import IntakeQuestionnaire
from intake.permissions import READERS as INTAKE_READERS
from library.models import Article, ArticleShare, StrategyArticle
from library.permissions import articles_for
from messaging.models import Conversation, MediaFile, MediaKind, Message
from messaging.permissions import conversations_for, media_for
from notifications.models import (
    Channel,
    EmailOptOut,
    MobileNumber,
    OutboxMessage,
    PushDevice,
    TextReply,
)
from notifications.registry import get_kind
from reports.models import ReportShare, SharedDocument
from reports.permissions import READERS as REPORT_READERS
from sessions_app.models import (
    Addendum,
    Assessment,
    GoalAddressed,
    SessionNote,
    StandardisedTest,
    StrategyChange,
    TherapySession,
)
from sessions_app.permissions import sessions_for

# Who may ask for a download: the family's caregivers (what they may see) and
# the practice admin (the full subject-access copy).
REQUESTERS = frozenset({Access.PRIMARY, Access.SUPPORTING, Access.ADMIN})


@dataclass
class ExportScope:
    family: Family
    requester: User
    # How the requester stands to the family: primary, supporting or admin.
    access: Access
    # The children the requester may see, in order (a supporting caregiver's
    # linked children; every child of the family for the others).
    children: list[Child] = field(default_factory=list)
    # The requester's own membership of the family (None for the practice).
    caregiver: Caregiver | None = None

    @property
    def full(self) -> bool:
        """The practice's subject-access copy: everything held."""
        return self.access == Access.ADMIN

    @property
    def primary(self) -> bool:
        """Sees what the family's primary caregivers see (or more)."""
        return self.access in (Access.PRIMARY, Access.ADMIN)

    def sees(self, readers: Iterable[Access]) -> bool:
        """Whether the app's readers include this requester; the practice's
        full copy holds everything."""
        return self.full or self.access in readers

    @property
    def child_ids(self) -> list[int]:
        return [child.pk for child in self.children]


@dataclass(frozen=True)
class ExportFile:
    """A stored file to put in the ZIP at `path`."""

    path: str
    file: FieldFile


@dataclass
class Section:
    key: str  # name of its JSON, CSV and HTML page
    title: str
    columns: list[tuple[str, str]]  # (field, heading)
    rows: list[dict]
    note: str = ""
    # Columns whose value is the path of a file in the ZIP (linked on the page).
    file_columns: frozenset[str] = frozenset()
    files: list[ExportFile] = field(default_factory=list)


@dataclass(frozen=True)
class Provider:
    models: tuple[type[Model], ...]
    build: Callable[[ExportScope], Section | None]


def _name(user: User | None) -> str:
    return (user.full_name or user.email) if user is not None else ""


def _names(users: Iterable) -> str:
    return ", ".join(sorted(_name(user) for user in users))


def _child_names(children: Iterable[Child]) -> str:
    return ", ".join(child.display_name for child in children)


# --- Household ------------------------------------------------------------------------


def family_section(scope: ExportScope) -> Section:
    family = scope.family
    columns = [("name", "Name")]
    row: dict = {"name": family.name}
    # A supporting caregiver sees no one else's contact details.
    if scope.primary:
        columns += [
            ("address", "Address"),
            ("postcode", "Postcode"),
            ("phone", "Phone"),
            ("email", "E-mail"),
            ("preferred_contact", "Preferred contact"),
            ("notes_for_practice", "Notes for the practice"),
            ("created_at", "Registered"),
        ]
        row |= {
            "address": family.address,
            "postcode": family.postcode,
            "phone": family.phone,
            "email": family.email,
            "preferred_contact": family.get_preferred_contact_display(),
            "notes_for_practice": family.notes_for_practice,
            "created_at": family.created_at,
        }
    return Section(
        key="family", title="Your household's contact details", columns=columns, rows=[row]
    )


def _caregivers(scope: ExportScope):
    caregivers = Caregiver.objects.filter(family=scope.family)
    if not scope.primary:
        caregivers = caregivers.filter(pk=scope.caregiver.pk if scope.caregiver else None)
    return caregivers


def caregivers_section(scope: ExportScope) -> Section:
    caregivers = (
        _caregivers(scope)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "links",
                queryset=SupportingLink.objects.select_related("child").order_by(
                    "child__first_name", "child_id"
                ),
            )
        )
        .order_by("access_level", "joined_at", "id")
    )
    return Section(
        key="caregivers",
        title="The people in your family's team" if scope.primary else "Your place in the team",
        columns=[
            ("name", "Name"),
            ("email", "E-mail"),
            ("relationship", "Relationship"),
            ("access_level", "Access"),
            ("children", "Children they help with, and what they see"),
            ("joined_at", "Joined"),
        ],
        rows=[
            {
                "name": caregiver.user.full_name,
                "email": caregiver.user.email,
                "relationship": caregiver.get_relationship_display(),
                "access_level": "primary" if caregiver.is_primary else "supporting",
                "children": "; ".join(
                    f"{link.child.display_name}: {link.scope_words}"
                    for link in caregiver.links.all()
                ),
                "joined_at": caregiver.joined_at,
            }
            for caregiver in caregivers
        ],
    )


def children_section(scope: ExportScope) -> Section:
    columns = [
        ("id", "Number"),
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("preferred_name", "Preferred name"),
        ("school", "School or nursery"),
        ("enjoys", "What they enjoy"),
        ("what_helps", "What helps them"),
    ]
    # Needs and dates of birth are on a supporting caregiver's pages neither.
    if scope.primary:
        columns += [
            ("date_of_birth", "Date of birth"),
            ("needs", "Diagnoses and needs"),
            ("discharged_on", "Care ended"),
            ("kept_until", "Record kept until"),
        ]
    rows = []
    for child in scope.children:
        row = {
            "id": child.pk,
            "first_name": child.first_name,
            "last_name": child.last_name,
            "preferred_name": child.preferred_name,
            "school": child.school,
            "enjoys": child.enjoys,
            "what_helps": child.what_helps,
        }
        if scope.primary:
            row |= {
                "date_of_birth": child.date_of_birth,
                "needs": child.needs,
                "discharged_on": child.discharged_on,
                "kept_until": retention_until(child),
            }
        rows.append(row)
    return Section(
        key="children",
        title="Your children",
        columns=columns,
        rows=rows,
        note="We keep a child's therapy record until their 25th birthday "
        "(26th if they were 17 when their care ended), as UK health-record rules require."
        if scope.primary
        else "",
    )


def therapists_section(scope: ExportScope) -> Section:
    assignments = (
        CaseloadAssignment.objects.filter(child_id__in=scope.child_ids)
        .select_related("child", "therapist")
        .order_by("child__first_name", "starts_on", "id")
    )
    return Section(
        key="therapists",
        title="Your children's therapists",
        columns=[
            ("child", "Child"),
            ("therapist", "Therapist"),
            ("kind", "Role"),
            ("starts_on", "From"),
            ("ends_on", "Until"),
        ],
        rows=[
            {
                "child": assignment.child.display_name,
                "therapist": _name(assignment.therapist),
                "kind": assignment.get_kind_display(),
                "starts_on": assignment.starts_on,
                "ends_on": assignment.ends_on,
            }
            for assignment in assignments
        ],
    )


def consents_section(scope: ExportScope) -> Section | None:
    if not scope.primary:
        return None
    consents = (
        Consent.objects.filter(family=scope.family)
        .select_related("given_by", "withdrawn_by")
        .order_by("kind", "given_at", "id")
    )
    return Section(
        key="consents",
        title="What you have agreed to",
        columns=[
            ("consent", "Consent"),
            ("given_by", "Agreed by"),
            ("given_at", "Agreed on"),
            ("withdrawn_by", "Withdrawn by"),
            ("withdrawn_at", "Withdrawn on"),
        ],
        rows=[
            {
                "consent": consent.get_kind_display(),
                "given_by": _name(consent.given_by),
                "given_at": consent.given_at,
                "withdrawn_by": _name(consent.withdrawn_by),
                "withdrawn_at": consent.withdrawn_at,
            }
            for consent in consents
        ],
    )


def invitations_section(scope: ExportScope) -> Section | None:
    if not scope.primary:
        return None
    invitations = (
        Invitation.objects.filter(family=scope.family)
        .select_related("invited_by")
        .order_by("created_at", "id")
    )
    return Section(
        key="invitations",
        title="Invitations to join your family's page",
        columns=[
            ("email", "E-mail"),
            ("name", "Name"),
            ("relationship", "Relationship"),
            ("invited_by", "Invited by"),
            ("created_at", "Sent"),
            ("status", "Status"),
        ],
        rows=[
            {
                "email": invitation.email,
                "name": invitation.full_name,
                "relationship": invitation.get_relationship_display(),
                "invited_by": _name(invitation.invited_by),
                "created_at": invitation.created_at,
                "status": (
                    "accepted"
                    if invitation.accepted_at
                    else "withdrawn"
                    if invitation.revoked_at
                    else "expired"
                    if invitation.is_expired
                    else "waiting"
                ),
            }
            for invitation in invitations
        ],
    )


def intake_section(scope: ExportScope) -> Section | None:
    if not scope.sees(INTAKE_READERS):
        return None
    questionnaires = (
        IntakeQuestionnaire.objects.filter(child_id__in=scope.child_ids)
        .select_related("child", "updated_by")
        .order_by("child__first_name", "id")
    )
    return Section(
        key="intake",
        title="The questionnaire you filled in before the first assessment",
        columns=[
            ("child", "Child"),
            ("developmental_history", "Development so far"),
            ("worries", "What worries you"),
            ("hopes", "What you hope for"),
            ("hard_routines", "Hard parts of the day"),
            ("school", "School or nursery"),
            ("professionals", "Other professionals"),
            ("loves", "What they love"),
            ("updated_by", "Last changed by"),
            ("updated_at", "Last changed"),
            ("sent_at", "Sent to the practice"),
        ],
        rows=[
            {
                "child": intake.child.display_name,
                "developmental_history": intake.developmental_history,
                "worries": intake.worries,
                "hopes": intake.hopes,
                "hard_routines": intake.hard_routines,
                "school": intake.school,
                "professionals": intake.professionals,
                "loves": intake.loves,
                "updated_by": _name(intake.updated_by),
                "updated_at": intake.updated_at,
                "sent_at": intake.sent_at,
            }
            for intake in questionnaires
        ],
    )


# --- Goals and home practice ------------------------------------------------------------


def _readable(scope: ExportScope, model: type[Model], policy: Callable[[User], QuerySet]):
    """The records of `model` in the download: the app's policy for the
    requester, or all of them in the practice's full copy."""
    return model.objects.all() if scope.full else policy(scope.requester)


def goals_section(scope: ExportScope) -> Section | None:
    if not scope.sees(GOAL_VIEWERS):
        return None
    goals = (
        _readable(scope, Goal, goals_for)
        .filter(child_id__in=scope.child_ids)
        .select_related("child")
        .order_by("child__first_name", "priority", "id")
    )
    columns = [
        ("id", "Number"),
        ("child", "Child"),
        ("title", "Goal"),
        ("area", "Area"),
        ("setting", "Where"),
        ("priority", "Priority"),
        ("status", "Status"),
        ("baseline", "Where things started"),
        ("baseline_level", "Starting level"),
        ("level_minus_2", "−2: much less than expected"),
        ("level_minus_1", "−1: less than expected"),
        ("level_0", "0: the goal"),
        ("level_plus_1", "+1: more than expected"),
        ("level_plus_2", "+2: much more than expected"),
        ("agreed_with_family_on", "Agreed with you on"),
        ("target_date", "Hoped for by"),
        ("review_date", "Next review"),
    ]
    # The therapist's own notes on a goal stay on the clinical side.
    if scope.full:
        columns.append(("therapist_notes", "Therapist's notes"))
    return Section(
        key="goals",
        title="Goals",
        columns=columns,
        rows=[
            {
                "id": goal.pk,
                "child": goal.child.display_name,
                "title": goal.title,
                "area": goal.get_area_display(),
                "setting": goal.get_setting_display(),
                "priority": goal.get_priority_display(),
                "status": goal.get_status_display(),
                "baseline": goal.baseline,
                "baseline_level": goal.baseline_level,
                "level_minus_2": goal.level_minus_2,
                "level_minus_1": goal.level_minus_1,
                "level_0": goal.level_0,
                "level_plus_1": goal.level_plus_1,
                "level_plus_2": goal.level_plus_2,
                "agreed_with_family_on": goal.agreed_with_family_on,
                "target_date": goal.target_date,
                "review_date": goal.review_date,
                "therapist_notes": goal.therapist_notes,
            }
            for goal in goals
        ],
    )


def progress_ratings_section(scope: ExportScope) -> Section | None:
    if not scope.sees(GOAL_VIEWERS):
        return None
    ratings = (
        ProgressRating.objects.filter(child_id__in=scope.child_ids)
        .select_related("goal", "child", "rated_by")
        .order_by("rated_on", "id")
    )
    return Section(
        key="progress_ratings",
        title="How each goal is going (ratings from −2 to +2)",
        columns=[
            ("goal_id", "Goal number"),
            ("child", "Child"),
            ("goal", "Goal"),
            ("rated_on", "Date"),
            ("level", "Level"),
            ("source", "Rated by"),
            ("rated_by", "Name"),
            ("note", "Note"),
        ],
        rows=[
            {
                "goal_id": rating.goal_id,
                "child": rating.child.display_name,
                "goal": rating.goal.title,
                "rated_on": rating.rated_on,
                "level": rating.level,
                "source": rating.get_source_display(),
                "rated_by": _name(rating.rated_by),
                "note": rating.note,
            }
            for rating in ratings
        ],
    )


def family_ratings_section(scope: ExportScope) -> Section | None:
    if not scope.sees(GOAL_VIEWERS):
        return None
    ratings = (
        FamilyRating.objects.filter(goal__child_id__in=scope.child_ids)
        .select_related("goal__child", "rated_by")
        .order_by("rated_on", "id")
    )
    return Section(
        key="family_ratings",
        title="Your own ratings of each goal (1 to 10)",
        columns=[
            ("goal_id", "Goal number"),
            ("child", "Child"),
            ("goal", "Goal"),
            ("rated_on", "Date"),
            ("kind", "When"),
            ("performance", "How well it goes"),
            ("satisfaction", "How happy you are with it"),
            ("rated_by", "Rated by"),
        ],
        rows=[
            {
                "goal_id": rating.goal_id,
                "child": rating.goal.child.display_name,
                "goal": rating.goal.title,
                "rated_on": rating.rated_on,
                "kind": rating.get_kind_display(),
                "performance": rating.performance,
                "satisfaction": rating.satisfaction,
                "rated_by": _name(rating.rated_by),
            }
            for rating in ratings
        ],
    )


def strategies_section(scope: ExportScope) -> Section | None:
    if not scope.sees(GOAL_VIEWERS):
        return None
    strategies = (
        _readable(scope, HomeStrategy, strategies_for)
        .filter(child_id__in=scope.child_ids)
        .select_related("child")
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("id")))
        .order_by("child__first_name", "routine", "id")
    )
    return Section(
        key="strategies",
        title="Home strategies",
        columns=[
            ("id", "Number"),
            ("child", "Child"),
            ("title", "Strategy"),
            ("routine", "Part of the day"),
            ("what_to_do", "What to do"),
            ("why_it_helps", "Why it helps"),
            ("how_often", "How often"),
            ("materials", "What you need"),
            ("hard_day_tip", "On a hard day"),
            ("goals", "Goals it helps with"),
            ("created_at", "Added"),
            ("retired_on", "Stopped"),
        ],
        rows=[
            {
                "id": strategy.pk,
                "child": strategy.child.display_name,
                "title": strategy.title,
                "routine": strategy.get_routine_display(),
                "what_to_do": strategy.what_to_do,
                "why_it_helps": strategy.why_it_helps,
                "how_often": strategy.how_often,
                "materials": strategy.materials,
                "hard_day_tip": strategy.hard_day_tip,
                "goals": "; ".join(goal.title for goal in strategy.goals.all()),
                "created_at": strategy.created_at,
                "retired_on": strategy.retired_on,
            }
            for strategy in strategies
        ],
    )


def practice_logs_section(scope: ExportScope) -> Section | None:
    if not scope.sees(GOAL_VIEWERS):
        return None
    logs = (
        _readable(scope, PracticeLog, practice_logs_for)
        .filter(child_id__in=scope.child_ids)
        .select_related("child", "strategy", "caregiver")
        .order_by("practised_on", "id")
    )
    return Section(
        key="practice_logs",
        title="Practice at home",
        columns=[
            ("id", "Number"),
            ("child", "Child"),
            ("strategy", "Strategy"),
            ("practised_on", "Date"),
            ("outcome", "How it went"),
            ("note", "Note"),
            ("caregiver", "Logged by"),
        ],
        rows=[
            {
                "id": log.pk,
                "child": log.child.display_name,
                "strategy": log.strategy.title,
                "practised_on": log.practised_on,
                "outcome": log.get_outcome_display(),
                "note": log.note,
                "caregiver": _name(log.caregiver),
            }
            for log in logs
        ],
    )


def wins_section(scope: ExportScope) -> Section | None:
    if not scope.sees(GOAL_VIEWERS):
        return None
    wins = (
        _readable(scope, Win, wins_for)
        .filter(child_id__in=scope.child_ids)
        .select_related("child", "goal", "author")
        .order_by("created_at", "id")
    )
    return Section(
        key="wins",
        title="Wins",
        columns=[
            ("child", "Child"),
            ("text", "Win"),
            ("goal", "Goal"),
            ("author", "Shared by"),
            ("created_at", "When"),
        ],
        rows=[
            {
                "child": win.child.display_name,
                "text": win.text,
                "goal": win.goal.title if win.goal else "",
                "author": _name(win.author),
                "created_at": win.created_at,
            }
            for win in wins
        ],
    )


# --- Sessions and the clinical record ---------------------------------------------------


def _sessions(scope: ExportScope):
    """The sessions the requester may see: every session of the family for the
    practice's copy; otherwise those the sessions app shows on each child's
    page, put together in one query."""
    if scope.full:
        return TherapySession.objects.filter(family=scope.family)
    return sessions_for(scope.requester).filter(family=scope.family)


def sessions_section(scope: ExportScope) -> Section:
    sessions = (
        _sessions(scope)
        .select_related("child", "therapist", "note")
        .prefetch_related(
            Prefetch("caregivers_attended", queryset=Caregiver.objects.select_related("user"))
        )
        .order_by("starts_at", "id")
    )
    rows = []
    for session in sessions:
        note = getattr(session, "note", None)
        signed = note is not None and note.is_signed
        rows.append(
            {
                "id": session.pk,
                "starts_at": session.starts_at,
                "child": session.child.display_name if session.child else "Parents only",
                "session_type": session.get_session_type_display(),
                "duration_minutes": session.duration_minutes,
                "location": session.get_location_display(),
                "therapist": _name(session.therapist),
                "child_attended": session.child_attended,
                "caregivers": _names(c.user for c in session.caregivers_attended.all()),
                "others_attended": session.others_attended,
                # Families read the summary once the therapist has signed the note.
                "family_summary": note.family_summary if signed else "",
            }
        )
    return Section(
        key="sessions",
        title="Sessions",
        columns=[
            ("id", "Number"),
            ("starts_at", "When"),
            ("child", "Child"),
            ("session_type", "Kind of session"),
            ("duration_minutes", "Minutes"),
            ("location", "Where"),
            ("therapist", "Therapist"),
            ("child_attended", "Child came"),
            ("caregivers", "Family members there"),
            ("others_attended", "Others there"),
            ("family_summary", "Summary for the family"),
        ],
        rows=rows,
    )


def session_notes_section(scope: ExportScope) -> Section | None:
    """The full notes: the practice's subject-access copy only."""
    if not scope.full:
        return None
    notes = (
        SessionNote.objects.filter(session__family=scope.family)
        .select_related("session", "signed_by")
        .order_by("session__starts_at", "id")
    )
    return Section(
        key="session_notes",
        title="Session notes (clinical record)",
        columns=[
            ("session_id", "Session number"),
            ("status", "Status"),
            ("subjective", "Subjective"),
            ("objective", "Objective"),
            ("assessment", "Assessment"),
            ("plan", "Plan"),
            ("family_summary", "Summary for the family"),
            ("signed_by", "Signed by"),
            ("signed_at", "Signed"),
        ],
        rows=[
            {
                "session_id": note.session_id,
                "status": note.get_status_display(),
                "subjective": note.subjective,
                "objective": note.objective,
                "assessment": note.assessment,
                "plan": note.plan,
                "family_summary": note.family_summary,
                "signed_by": _name(note.signed_by),
                "signed_at": note.signed_at,
            }
            for note in notes
        ],
    )


def goals_addressed_section(scope: ExportScope) -> Section | None:
    if not scope.full:
        return None
    addressed = (
        GoalAddressed.objects.filter(note__session__family=scope.family)
        .select_related("note", "goal")
        .order_by("note__session_id", "id")
    )
    return Section(
        key="goals_addressed",
        title="Goals worked on in each session (clinical record)",
        columns=[
            ("session_id", "Session number"),
            ("goal_id", "Goal number"),
            ("goal", "Goal"),
            ("level", "Level"),
            ("comment", "Comment"),
        ],
        rows=[
            {
                "session_id": item.note.session_id,
                "goal_id": item.goal_id,
                "goal": item.goal.title,
                "level": item.level,
                "comment": item.comment,
            }
            for item in addressed
        ],
    )


def strategy_changes_section(scope: ExportScope) -> Section | None:
    if not scope.full:
        return None
    changes = (
        StrategyChange.objects.filter(note__session__family=scope.family)
        .select_related("note")
        .order_by("note__session_id", "id")
    )
    return Section(
        key="strategy_changes",
        title="Strategies introduced or changed in sessions (clinical record)",
        columns=[
            ("session_id", "Session number"),
            ("action", "Change"),
            ("strategy_id", "Strategy number"),
            ("title", "Strategy"),
            ("routine", "Part of the day"),
            ("what_to_do", "What to do"),
            ("detail", "Detail"),
        ],
        rows=[
            {
                "session_id": change.note.session_id,
                "action": change.get_action_display(),
                "strategy_id": change.strategy_id,
                "title": change.title,
                "routine": change.routine,
                "what_to_do": change.what_to_do,
                "detail": change.detail,
            }
            for change in changes
        ],
    )


def assessments_section(scope: ExportScope) -> Section | None:
    if not scope.full:
        return None
    assessments = (
        Assessment.objects.filter(child__family=scope.family)
        .select_related("child", "therapist", "signed_by")
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("id")))
        .order_by("assessed_on", "id")
    )
    return Section(
        key="assessments",
        title="Assessments (clinical record)",
        columns=[
            ("id", "Number"),
            ("child", "Child"),
            ("assessed_on", "Date"),
            ("therapist", "Therapist"),
            ("status", "Status"),
            ("developmental_history", "Developmental history"),
            ("concerns_parent", "Parents' concerns"),
            ("concerns_school", "School's concerns"),
            ("concerns_other", "Other concerns"),
            ("settings_observed", "Settings observed"),
            ("observations", "Observations"),
            ("strengths", "Strengths"),
            ("summary", "Summary"),
            ("recommendations", "Recommendations"),
            ("goals", "Goals set"),
            ("signed_by", "Signed by"),
            ("signed_at", "Signed"),
        ],
        rows=[
            {
                "id": item.pk,
                "child": item.child.display_name,
                "assessed_on": item.assessed_on,
                "therapist": _name(item.therapist),
                "status": item.get_status_display(),
                "developmental_history": item.developmental_history,
                "concerns_parent": item.concerns_parent,
                "concerns_school": item.concerns_school,
                "concerns_other": item.concerns_other,
                "settings_observed": ", ".join(
                    place
                    for place, seen in (
                        ("home", item.observed_home),
                        ("school", item.observed_school),
                        ("clinic", item.observed_clinic),
                    )
                    if seen
                ),
                "observations": item.observations,
                "strengths": item.strengths,
                "summary": item.summary,
                "recommendations": item.recommendations,
                "goals": "; ".join(goal.title for goal in item.goals.all()),
                "signed_by": _name(item.signed_by),
                "signed_at": item.signed_at,
            }
            for item in assessments
        ],
    )


def standardised_tests_section(scope: ExportScope) -> Section | None:
    if not scope.full:
        return None
    tests = (
        StandardisedTest.objects.filter(assessment__child__family=scope.family)
        .select_related("assessment")
        .order_by("assessment_id", "id")
    )
    return Section(
        key="standardised_tests",
        title="Standardised tests (clinical record)",
        columns=[
            ("assessment_id", "Assessment number"),
            ("name", "Test"),
            ("administered_on", "Date"),
            ("scores", "Scores"),
            ("interpretation", "What the scores mean"),
        ],
        rows=[
            {
                "assessment_id": test.assessment_id,
                "name": test.name,
                "administered_on": test.administered_on,
                "scores": test.scores,
                "interpretation": test.interpretation,
            }
            for test in tests
        ],
    )


def addenda_section(scope: ExportScope) -> Section | None:
    if not scope.full:
        return None
    addenda = (
        Addendum.objects.filter(
            Q(note__session__family=scope.family) | Q(assessment__child__family=scope.family)
        )
        .select_related("author")
        .order_by("created_at", "id")
    )
    return Section(
        key="addenda",
        title="Addenda to signed notes and assessments (clinical record)",
        columns=[
            ("note_id", "Note number"),
            ("assessment_id", "Assessment number"),
            ("author", "Written by"),
            ("created_at", "When"),
            ("reason", "Reason"),
            ("text", "Addendum"),
        ],
        rows=[
            {
                "note_id": addendum.note_id,
                "assessment_id": addendum.assessment_id,
                "author": _name(addendum.author),
                "created_at": addendum.created_at,
                "reason": addendum.reason,
                "text": addendum.text,
            }
            for addendum in addenda
        ],
    )


# --- Bookings -------------------------------------------------------------------------


def bookings_section(scope: ExportScope) -> Section:
    if scope.full:
        bookings = Booking.objects.filter(family=scope.family)
    else:
        bookings = bookings_visible_to(scope.requester).filter(family=scope.family)
    bookings = (
        bookings.select_related(
            "appointment__service",
            "appointment__therapist",
            "appointment__room",
            "group_session__service",
            "group_session__therapist",
            "group_session__room",
            "booked_by",
            "escort__user",
        )
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
        .order_by("created_at", "id")
    )
    rows = []
    for booking in bookings:
        slot = booking.appointment or booking.group_session
        rows.append(
            {
                "id": booking.pk,
                "service": slot.service.name if slot else "",
                "topic": booking.group_session.topic if booking.group_session else "",
                "starts_at": slot.starts_at if slot else None,
                "ends_at": slot.ends_at if slot else None,
                "therapist": _name(slot.therapist) if slot else "",
                "room": slot.room.name if slot and slot.room else "",
                "children": _child_names(booking.children.all()),
                "status": booking.get_status_display(),
                "booked_by": _name(booking.booked_by),
                "escort": _name(booking.escort.user) if booking.escort else "",
                "created_at": booking.created_at,
                "updated_at": booking.updated_at,
                "cancelled_at": booking.cancelled_at,
                "cancellation_reason": booking.cancellation_reason,
            }
        )
    return Section(
        key="bookings",
        title="Bookings",
        columns=[
            ("id", "Number"),
            ("service", "Appointment"),
            ("topic", "Group topic"),
            ("starts_at", "Starts"),
            ("ends_at", "Ends"),
            ("therapist", "Therapist"),
            ("room", "Room"),
            ("children", "Children"),
            ("status", "Status"),
            ("booked_by", "Booked by"),
            ("escort", "Brought by"),
            ("created_at", "Booked on"),
            ("updated_at", "Last changed"),
            ("cancelled_at", "Cancelled on"),
            ("cancellation_reason", "Why it was cancelled"),
        ],
        rows=rows,
    )


def waitlist_section(scope: ExportScope) -> Section | None:
    if not scope.primary:
        return None
    entries = (
        WaitlistEntry.objects.filter(family=scope.family)
        .select_related("group_session__service", "joined_by")
        .order_by("created_at", "id")
    )
    return Section(
        key="waitlist",
        title="Waiting lists for groups",
        columns=[
            ("group", "Group"),
            ("starts_at", "Starts"),
            ("status", "Status"),
            ("joined_by", "Joined by"),
            ("created_at", "Joined"),
            ("offered_at", "Place offered"),
        ],
        rows=[
            {
                "group": f"{entry.group_session.service.name}: {entry.group_session.topic}",
                "starts_at": entry.group_session.starts_at,
                "status": entry.get_status_display(),
                "joined_by": _name(entry.joined_by),
                "created_at": entry.created_at,
                "offered_at": entry.offered_at,
            }
            for entry in entries
        ],
    )


# --- Messages, photos and videos --------------------------------------------------------


def _conversations(scope: ExportScope):
    if scope.full:
        return Conversation.objects.filter(child__family=scope.family)
    return conversations_for(scope.requester).filter(child_id__in=scope.child_ids)


def messages_section(scope: ExportScope) -> Section:
    messages = Message.objects.filter(conversation__in=_conversations(scope))
    if not scope.full:
        messages = messages.filter(deleted_at__isnull=True)
    messages = messages.select_related("conversation__child", "author").order_by(
        "conversation__child__first_name", "conversation__topic", "created_at", "id"
    )
    columns = [
        ("id", "Number"),
        ("child", "Child"),
        ("topic", "Conversation"),
        ("created_at", "Sent"),
        ("author", "From"),
        ("body", "Message"),
        ("edited_at", "Edited"),
    ]
    if scope.full:
        columns.append(("deleted_at", "Deleted"))
    return Section(
        key="messages",
        title="Messages",
        columns=columns,
        rows=[
            {
                "id": message.pk,
                "child": message.conversation.child.display_name,
                "topic": message.conversation.get_topic_display(),
                "created_at": message.created_at,
                "author": _name(message.author),
                "body": message.body,
                "edited_at": message.edited_at,
                "deleted_at": message.deleted_at,
            }
            for message in messages
        ],
    )


def _media(scope: ExportScope):
    if scope.full:
        return MediaFile.objects.filter(child__family=scope.family)
    seen = media_for(scope.requester).filter(child_id__in=scope.child_ids)
    if sees_strategy_photos(family_access(scope.requester, scope.family), scope.family.pk):
        seen = seen | MediaFile.objects.filter(
            strategy__in=strategies_for(scope.requester), child_id__in=scope.child_ids
        )
    return seen


def media_section(scope: ExportScope) -> Section:
    media = (
        _media(scope)
        .select_related("child", "uploaded_by", "practice_log__strategy", "strategy", "win")
        .order_by("created_at", "id")
    )
    rows, files = [], []
    for item in media:
        folder = "videos" if item.kind == MediaKind.VIDEO else "photos"
        stamp = timezone.localtime(item.created_at).strftime("%Y-%m-%d")
        name = f"{stamp}-{slugify(item.child.display_name)}-{str(item.id)[:8]}.{item.extension}"
        path = f"files/{folder}/{name}"
        files.append(ExportFile(path=path, file=item.file))
        rows.append(
            {
                "id": str(item.id),
                "child": item.child.display_name,
                "kind": item.get_kind_display(),
                "created_at": item.created_at,
                "uploaded_by": _name(item.uploaded_by),
                "attached_to": (
                    f"message {item.message_id}"
                    if item.message_id
                    else f"practice of “{item.practice_log.strategy.title}”"
                    if item.practice_log_id
                    else f"strategy “{item.strategy.title}”"
                    if item.strategy_id
                    else f"win “{item.win.text}”"
                    if item.win_id
                    else ""
                ),
                "size": item.size,
                "file": path,
            }
        )
    return Section(
        key="photos_and_videos",
        title="Photos and videos",
        columns=[
            ("id", "Number"),
            ("child", "Child"),
            ("kind", "Kind"),
            ("created_at", "Shared"),
            ("uploaded_by", "Shared by"),
            ("attached_to", "With"),
            ("size", "Size in bytes"),
            ("file", "File"),
        ],
        rows=rows,
        file_columns=frozenset({"file"}),
        files=files,
    )


# --- Reports and reading ------------------------------------------------------------------


def documents_section(scope: ExportScope) -> Section | None:
    if not scope.sees(REPORT_READERS):
        return None
    documents = (
        SharedDocument.objects.filter(child_id__in=scope.child_ids)
        .select_related("child", "uploaded_by")
        .order_by("created_at", "id")
    )
    rows, files = [], []
    for document in documents:
        stamp = timezone.localtime(document.created_at).strftime("%Y-%m-%d")
        title = slugify(document.title)[:60] or "report"
        path = f"files/reports/{stamp}-{title}-{str(document.id)[:8]}.pdf"
        files.append(ExportFile(path=path, file=document.file))
        rows.append(
            {
                "child": document.child.display_name,
                "title": document.title,
                "uploaded_by": _name(document.uploaded_by),
                "created_at": document.created_at,
                "file": path,
            }
        )
    return Section(
        key="reports",
        title="Reports the practice shared with you",
        columns=[
            ("child", "Child"),
            ("title", "Report"),
            ("uploaded_by", "Shared by"),
            ("created_at", "Shared on"),
            ("file", "File"),
        ],
        rows=rows,
        file_columns=frozenset({"file"}),
        files=files,
    )


def report_shares_section(scope: ExportScope) -> Section | None:
    if not scope.sees(REPORT_READERS):
        return None
    shares = (
        ReportShare.objects.filter(child_id__in=scope.child_ids)
        .select_related("child", "shared_by")
        .order_by("created_at", "id")
    )
    return Section(
        key="reports_sent",
        title="Progress reports you sent on",
        columns=[
            ("child", "Child"),
            ("recipient_kind", "Sent to"),
            ("recipient_email", "E-mail"),
            ("period_start", "From"),
            ("period_end", "Until"),
            ("shared_by", "Sent by"),
            ("created_at", "Asked on"),
            ("sent_at", "Sent on"),
        ],
        rows=[
            {
                "child": share.child.display_name,
                "recipient_kind": share.get_recipient_kind_display(),
                "recipient_email": share.recipient_email,
                "period_start": share.period_start,
                "period_end": share.period_end,
                "shared_by": _name(share.shared_by),
                "created_at": share.created_at,
                "sent_at": share.sent_at,
            }
            for share in shares
        ],
    )


def articles_section(scope: ExportScope) -> Section:
    """Articles shared with the family and linked to the children's
    strategies, as far as the requester may read them."""
    shares = ArticleShare.objects.filter(family=scope.family)
    links = StrategyArticle.objects.filter(strategy__child_id__in=scope.child_ids)
    if not scope.full:
        readable = articles_for(scope.requester)
        shares = shares.filter(article__in=readable)
        links = links.filter(article__in=readable)
    rows = [
        {
            "title": share.article.title,
            "summary": share.article.summary,
            "how": "shared with your family",
            "by": _name(share.shared_by),
            "at": share.shared_at,
        }
        for share in shares.select_related("article", "shared_by").order_by("shared_at", "id")
    ] + [
        {
            "title": link.article.title,
            "summary": link.article.summary,
            "how": f"linked to the strategy “{link.strategy.title}”",
            "by": _name(link.linked_by),
            "at": link.linked_at,
        }
        for link in links.select_related("article", "strategy", "linked_by").order_by(
            "linked_at", "id"
        )
    ]
    return Section(
        key="articles",
        title="Articles from the practice's library",
        columns=[
            ("title", "Article"),
            ("summary", "What it is about"),
            ("how", "How it reached you"),
            ("by", "By"),
            ("at", "When"),
        ],
        rows=rows,
    )


# --- E-mails and the access log -----------------------------------------------------------


def _emails(scope: ExportScope) -> list[str]:
    return [email.lower() for email in _caregivers(scope).values_list("user__email", flat=True)]


def email_choices_section(scope: ExportScope) -> Section:
    caregivers = _caregivers(scope).select_related("user").order_by("access_level", "id")
    optouts = EmailOptOut.objects.filter(email__in=_emails(scope)).order_by("email", "kind")
    rows = (
        [
            {
                "who": _name(caregiver.user),
                "choice": "Appointment reminders",
                "value": "yes" if caregiver.receives_reminders else "no",
                "since": None,
            }
            for caregiver in caregivers
        ]
        + [
            {
                "who": _name(caregiver.user),
                "choice": "Appointment reminders by text message",
                "value": "yes" if caregiver.reminders_by_text else "no",
                "since": None,
            }
            for caregiver in caregivers
        ]
        + [
            {
                "who": _name(caregiver.user),
                "choice": "Appointment reminders to your devices",
                "value": "yes" if caregiver.reminders_by_push else "no",
                "since": None,
            }
            for caregiver in caregivers
        ]
        + [
            {
                "who": _name(caregiver.user),
                "choice": choice,
                "value": "yes" if chosen else "no",
                "since": None,
            }
            for caregiver in caregivers
            for choice, chosen in (
                ("Messages waiting, to your devices", caregiver.nudges_by_push),
                ("Places offered, to your devices", caregiver.offers_by_push),
            )
        ]
        + [
            {
                "who": _name(caregiver.user),
                "choice": "Progress summaries",
                "value": caregiver.get_summary_frequency_display(),
                "since": None,
            }
            for caregiver in caregivers
        ]
        + [
            {
                "who": _name(caregiver.user),
                "choice": "E-mails about a message waiting",
                "value": "yes" if caregiver.receives_message_nudges else "no",
                "since": None,
            }
            for caregiver in caregivers
        ]
        + [
            {
                "who": _name(caregiver.user),
                # Today's question to a family that has not answered (the
                # answer itself is under "What you have agreed to").
                "choice": "May we e-mail you about therapy? (asked on Today)",
                "value": "Not now",
                "since": caregiver.email_question_postponed_at,
            }
            for caregiver in caregivers
            if caregiver.email_question_postponed_at
        ]
        + [
            {
                "who": _name(caregiver.user),
                "choice": "What appointments are called in e-mails and calendars",
                "value": "in full" if caregiver.detailed_email_wording else "“Appointment at” only",
                "since": None,
            }
            for caregiver in caregivers
        ]
    )
    user_ids = [caregiver.user_id for caregiver in caregivers]
    names = {caregiver.user_id: _name(caregiver.user) for caregiver in caregivers}
    for mobile in MobileNumber.objects.filter(user_id__in=user_ids).order_by("user_id"):
        rows.append(
            {
                "who": names[mobile.user_id],
                "choice": "Mobile number for texts",
                "value": str(mobile.number),
                "since": mobile.updated_at,
            }
        )
    for device in PushDevice.objects.filter(user_id__in=user_ids).order_by("user_id", "id"):
        rows.append(
            {
                "who": names[device.user_id],
                "choice": "Notifications to a device",
                "value": device.label or "a browser",
                "since": device.created_at,
            }
        )
    for optout in optouts:
        kind = get_kind(optout.kind)
        rows.append(
            {
                "who": optout.email,
                "choice": kind.label.capitalize() if kind else optout.kind,
                "value": "unsubscribed",
                "since": optout.created_at,
            }
        )
    return Section(
        key="email_choices",
        title="E-mail choices",
        columns=[("who", "Who"), ("choice", "E-mails"), ("value", "Choice"), ("since", "Since")],
        rows=rows,
    )


def emails_sent_section(scope: ExportScope) -> Section:
    """Which e-mails, texts and push notifications went to the family (the
    outbox holds no bodies), and the keywords of texts they sent back."""
    messages = OutboxMessage.objects.filter(recipient_email__in=_emails(scope)).order_by(
        "created_at", "id"
    )
    rows = []
    for message in messages.only(
        "kind", "channel", "recipient_email", "status", "created_at", "sent_at", "skip_reason"
    ):
        kind = get_kind(message.kind)
        label = kind.label.capitalize() if kind else message.kind
        if message.channel != Channel.EMAIL:
            label = f"{label} ({message.get_channel_display().lower()})"
        rows.append(
            {
                "kind": label,
                "to": message.recipient_email,
                "status": message.get_status_display(),
                "created_at": message.created_at,
                "sent_at": message.sent_at,
                "skip_reason": message.skip_reason,
            }
        )
    caregivers = _caregivers(scope).select_related("user")
    for reply in TextReply.objects.filter(
        user_id__in=caregivers.values_list("user_id", flat=True)
    ).select_related("user"):
        rows.append(
            {
                "kind": f"Your text “{reply.keyword}”",
                "to": "the practice",
                "status": reply.outcome,
                "created_at": reply.received_at,
                "sent_at": reply.received_at,
                "skip_reason": "",
            }
        )
    return Section(
        key="emails_sent",
        title="E-mails sent to you",
        columns=[
            ("kind", "E-mail"),
            ("to", "To"),
            ("status", "Status"),
            ("created_at", "Written"),
            ("sent_at", "Sent"),
            ("skip_reason", "Why it was not sent"),
        ],
        rows=rows,
    )


def audit_section(scope: ExportScope) -> Section | None:
    """Who accessed the children's records. The practice's copy adds the
    caregivers' log-ins and where each access came from."""
    if not scope.primary:
        return None
    records = Q(child_id__in=scope.child_ids)
    if scope.full:
        caregiver_ids = list(
            Caregiver.objects.filter(family=scope.family).values_list("user_id", flat=True)
        )
        records |= Q(user_id__in=caregiver_ids, action__in=["login", "login_failed", "mfa"])
    events = AuditEvent.objects.filter(records).select_related("user").order_by("at", "id")
    columns = [("at", "When"), ("who", "Who"), ("action", "What"), ("record", "Record")]
    if scope.full:
        columns.append(("ip_address", "From"))
    return Section(
        key="access_log",
        title="Who has accessed these records",
        columns=columns,
        rows=[
            {
                "at": event.at,
                "who": _name(event.user),
                "action": event.get_action_display(),
                "record": f"{event.record_type} {event.record_id}".strip(),
                "ip_address": event.ip_address or "",
            }
            for event in events
        ],
    )


# The order is the order of the pages. A new app with records about a family
# adds a provider here (or a line to NOT_EXPORTED saying why not).
PROVIDERS: list[Provider] = [
    Provider((Family,), family_section),
    Provider((Caregiver, SupportingLink, User), caregivers_section),
    Provider((Child,), children_section),
    Provider((CaseloadAssignment,), therapists_section),
    Provider((Consent,), consents_section),
    Provider((Invitation,), invitations_section),
    Provider((IntakeQuestionnaire,), intake_section),
    Provider((Goal,), goals_section),
    Provider((ProgressRating,), progress_ratings_section),
    Provider((FamilyRating,), family_ratings_section),
    Provider((HomeStrategy,), strategies_section),
    Provider((PracticeLog,), practice_logs_section),
    Provider((Win,), wins_section),
    Provider((TherapySession,), sessions_section),
    Provider((SessionNote,), session_notes_section),
    Provider((GoalAddressed,), goals_addressed_section),
    Provider((StrategyChange,), strategy_changes_section),
    Provider((Assessment, apps.get_model("sessions_app", "AssessmentGoal")), assessments_section),
    Provider((StandardisedTest,), standardised_tests_section),
    Provider((Addendum,), addenda_section),
    Provider(
        (
            Booking,
            apps.get_model("bookings", "Appointment"),
            apps.get_model("bookings", "GroupSession"),
        ),
        bookings_section,
    ),
    Provider((WaitlistEntry,), waitlist_section),
    Provider((Conversation, Message), messages_section),
    Provider((MediaFile,), media_section),
    Provider((SharedDocument,), documents_section),
    Provider((ReportShare,), report_shares_section),
    Provider((ArticleShare, StrategyArticle, Article), articles_section),
    Provider((EmailOptOut, MobileNumber, PushDevice), email_choices_section),
    Provider((OutboxMessage, TextReply), emails_sent_section),
    Provider((AuditEvent,), audit_section),
]

# Models with a path to a family or child that the download leaves out, and why.
NOT_EXPORTED: dict[str, str] = {
    "portal.FamilyExport": "the downloads themselves; each is recorded in the access log",
    "messaging.ReadState": "when each person last opened a conversation: bookkeeping for "
    "the unread count and reminders, not information about the family",
    "bookings.CalendarFeed": "the secret address of a calendar subscription: a key, not "
    "information (the bookings it shows are in the download)",
    "bookings.WeeklyAvailability": "a therapist's working hours, nothing about a family",
    "bookings.AvailabilityException": "a therapist's days off, nothing about a family",
    "bookings.AppointmentSeries": "the pattern of a family's regular visits (weekday, time, "
    "every one or two weeks); each visit is in the bookings",
    "bookings.TherapistVideoLink": "a therapist's standing video call address, nothing about "
    "a family",
    "admin.LogEntry": "changes made by the practice's operations staff in Django's admin; "
    "access to clinical records is in the access log",
    "account.EmailAddress": "the log-in address, already in the caregivers' list",
    "account.EmailConfirmation": "one-time codes that confirm a log-in address",
    "mfa.Authenticator": "the secrets of two-step log-in: keys, never to be copied out",
}


def models_about_families() -> set[str]:
    """Every model with a path, through its foreign keys and many-to-many
    fields, to a family, a child or a person's account (caregivers are
    people with accounts, so what is held about a person is held about a
    family)."""
    targets = {Family, Child, User}
    reaches: dict[type[Model], bool] = {}

    def reaches_family(model: type[Model], seen: frozenset) -> bool:
        if model in targets:
            return True
        if model in reaches:
            return reaches[model]
        found = any(
            field.related_model not in seen and reaches_family(field.related_model, seen | {model})
            for field in model._meta.get_fields()
            if field.is_relation and field.concrete and field.related_model is not None
        )
        reaches[model] = found
        return found

    return {
        model._meta.label
        for model in apps.get_models()
        if model not in targets and reaches_family(model, frozenset())
    } | {Family._meta.label, Child._meta.label, User._meta.label}


def exported_models() -> set[str]:
    return {model._meta.label for provider in PROVIDERS for model in provider.models}


def sections_for(
    scope: ExportScope, *, progress: Callable[[int, int], None] | None = None
) -> list[Section]:
    sections = []
    for done, provider in enumerate(PROVIDERS, start=1):
        section = provider.build(scope)
        if section is not None:
            sections.append(section)
        if progress is not None:
            progress(done, len(PROVIDERS))
    return sections


def export_scope(*, family: Family, requester: User) -> ExportScope | None:
    """What this person may download of this family, or None for nothing.
    Read afresh when the download is built: someone removed from the family
    since they asked gets nothing."""
    access = family_access(requester, family)
    if access not in REQUESTERS:
        return None
    children = list(children_for(requester).filter(family=family).order_by("first_name", "id"))
    caregiver = (
        None
        if access == Access.ADMIN
        else Caregiver.objects.filter(user=requester, family=family).first()
    )
    if access == Access.SUPPORTING and caregiver is None:
        return None
    return ExportScope(
        family=family, requester=requester, access=access, children=children, caregiver=caregiver
    )


# --- Formats --------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheet programs read a CSV as UTF-8 (names with accents) only when it
# starts with this mark.
BOM = "\ufeff"
# The format of the JSON documents; raised when their shape changes.
FORMAT_VERSION = 2


def csv_safe(value) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    text = _plain(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json_value(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def section_csv(section: Section) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow([heading for _, heading in section.columns])
    for row in section.rows:
        writer.writerow([csv_safe(row.get(name)) for name, _ in section.columns])
    return buffer.getvalue()


def section_json(section: Section, header: dict) -> str:
    document = {
        **header,
        "record_type": section.key,
        "title": section.title,
        "fields": [{"name": name, "heading": heading} for name, heading in section.columns],
        "records": [
            {name: _json_value(row.get(name)) for name, _ in section.columns}
            for row in section.rows
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _page_rows(section: Section) -> list[list[dict]]:
    return [
        [
            {"text": _plain(row.get(name)), "link": name in section.file_columns}
            for name, _ in section.columns
        ]
        for row in section.rows
    ]


def export_write(
    scope: ExportScope, target, *, progress: Callable[[int, int], None] | None = None
) -> None:
    """Write the ZIP into `target` (a binary file). `progress(done, total)` is
    told after each section and each file."""
    total_steps = len(PROVIDERS)
    sections = sections_for(
        scope, progress=(lambda done, _total: progress(done, total_steps)) if progress else None
    )
    files = [item for section in sections for item in section.files]
    total_steps += len(files)
    generated_at = timezone.now()
    header = {
        "format_version": FORMAT_VERSION,
        "family_id": scope.family.pk,
        "generated_at": generated_at.isoformat(),
        "generated_for": scope.requester.email,
        "full_record": scope.full,
    }
    context = {"scope": scope, "generated_at": generated_at, "sections": sections}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", render_to_string("portal/export/index.html", context))
        archive.writestr(
            "manifest.json",
            json.dumps(
                {
                    **header,
                    "record_types": [
                        {
                            "record_type": section.key,
                            "title": section.title,
                            "count": len(section.rows),
                            "json": f"json/{section.key}.json",
                            "csv": f"csv/{section.key}.csv",
                            "html": f"pages/{section.key}.html",
                        }
                        for section in sections
                    ],
                    "files": [item.path for item in files],
                },
                indent=2,
                ensure_ascii=False,
            ),
        )
        for section in sections:
            archive.writestr(
                f"pages/{section.key}.html",
                render_to_string(
                    "portal/export/section.html",
                    {**context, "section": section, "rows": _page_rows(section)},
                ),
            )
            archive.writestr(f"json/{section.key}.json", section_json(section, header))
            archive.writestr(f"csv/{section.key}.csv", section_csv(section))
        for done, item in enumerate(files, start=len(PROVIDERS) + 1):
            try:
                source = item.file.open("rb")
            except FileNotFoundError:
                # A file lost from storage must not cost the family the rest.
                archive.writestr(item.path + ".missing.txt", "This file could not be found.")
            else:
                with source, archive.open(item.path, "w") as out:
                    shutil.copyfileobj(source, out, 1024 * 1024)
            if progress is not None:
                progress(done, total_steps)


def export_zip(scope: ExportScope) -> bytes:
    """The ZIP in memory (tests, small families)."""
    with tempfile.TemporaryFile() as target:
        export_write(scope, target)
        target.seek(0)
        return target.read()
