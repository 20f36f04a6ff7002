"""Reads for the sessions pages. Each runs a fixed number of queries, however
many sessions, notes and assessments a child or a caseload has."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts.models import AuditEvent, User
from families.models import Caregiver, Child
from families.permissions import Access, children_for
from sessions_app.models import (
    Addendum,
    Assessment,
    RecordStatus,
    SessionNote,
    TherapySession,
)
from sessions_app.permissions import sessions_for_child_view

PAGE_SIZE = 20


def _attendees() -> Prefetch:
    return Prefetch(
        "caregivers_attended",
        queryset=Caregiver.objects.select_related("user").order_by("access_level", "id"),
    )


def _addenda() -> Prefetch:
    return Prefetch("addenda", queryset=Addendum.objects.select_related("author"))


def _child_sessions(child: Child) -> QuerySet[TherapySession]:
    """A child's own sessions and the family's parents-only consultations."""
    return TherapySession.objects.filter(
        Q(child=child) | Q(child__isnull=True, family_id=child.family_id)
    )


def caseload(user: User) -> list[Child]:
    """The therapist's current children, each with the date of the last
    session and how many past sessions still lack a signed note."""
    now = timezone.now()
    past = TherapySession.objects.filter(child=OuterRef("pk"), starts_at__lte=now)
    unsigned = (
        past.exclude(note__status=RecordStatus.SIGNED)
        .order_by()
        .values("child")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        children_for(user)
        .filter(discharged_on__isnull=True)
        .select_related("family")
        .annotate(
            last_session_at=Subquery(past.order_by("-starts_at").values("starts_at")[:1]),
            notes_unsigned=Coalesce(Subquery(unsigned, output_field=IntegerField()), 0),
        )
        .order_by("first_name", "last_name", "id")
    )


def unsigned_sessions(user: User) -> QuerySet[TherapySession]:
    """Past sessions of this therapist whose note is missing or still a draft,
    oldest first: the longest-waiting note is the one to write next."""
    return (
        TherapySession.objects.filter(therapist=user, starts_at__lte=timezone.now())
        .exclude(note__status=RecordStatus.SIGNED)
        .select_related("child", "family", "note")
        .order_by("starts_at", "id")
    )


@dataclass
class TimelineEntry:
    kind: str  # "session" or "assessment"
    at: datetime
    session: TherapySession | None = None
    assessment: Assessment | None = None


def _timeline_rows(child: Child) -> QuerySet:
    # One lightweight union of (kind, id, time) over every kind of record, so
    # that the page can be cut before any record is loaded.
    sessions = (
        _child_sessions(child)
        .annotate(kind=Value("session"), item=F("pk"), at=F("starts_at"))
        .values_list("kind", "item", "at")
        .order_by()
    )
    assessments = (
        Assessment.objects.filter(child=child)
        .annotate(
            kind=Value("assessment"),
            item=F("pk"),
            at=Cast("assessed_on", output_field=DateTimeField()),
        )
        .values_list("kind", "item", "at")
        .order_by()
    )
    return sessions.union(assessments, all=True).order_by("-at", "-item")


def timeline_page(child: Child, page_number) -> tuple[Page, list[TimelineEntry]]:
    page = Paginator(_timeline_rows(child), PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    ids = {"session": [], "assessment": []}
    for kind, pk, _ in rows:
        ids[kind].append(pk)
    sessions = {
        session.pk: session
        for session in TherapySession.objects.filter(pk__in=ids["session"])
        .select_related("child", "therapist", "note", "note__signed_by")
        .prefetch_related(_attendees(), Prefetch("note__addenda", queryset=_addenda().queryset))
    }
    assessments = {
        assessment.pk: assessment
        for assessment in Assessment.objects.filter(pk__in=ids["assessment"]).select_related(
            "therapist", "signed_by"
        )
    }
    entries = []
    for kind, pk, at in rows:
        if kind == "session":
            entries.append(TimelineEntry(kind=kind, at=at, session=sessions[pk]))
        else:
            entries.append(TimelineEntry(kind=kind, at=at, assessment=assessments[pk]))
    return page, entries


def session_with_record(session_pk: int) -> TherapySession:
    return (
        TherapySession.objects.select_related(
            "child", "family", "therapist", "note", "note__signed_by"
        )
        .prefetch_related(_attendees(), Prefetch("note__addenda", queryset=_addenda().queryset))
        .get(pk=session_pk)
    )


def note_for(session: TherapySession) -> SessionNote | None:
    return SessionNote.objects.filter(session=session).first()


def assessment_with_record(assessment_pk: int) -> Assessment:
    return (
        Assessment.objects.select_related("child__family", "therapist", "signed_by", "session")
        .prefetch_related("tests", _addenda())
        .get(pk=assessment_pk)
    )


def sessions_for_family_page(user: User, child: Child, access: Access) -> QuerySet[TherapySession]:
    """Past sessions as a family member (or the practice admin) sees them.

    The note itself is never loaded: only the family summary of a signed note
    comes out of the database, and not even that for an admin."""
    sessions = (
        sessions_for_child_view(user, child, access)
        .filter(starts_at__lte=timezone.now())
        .select_related("child", "therapist")
        .prefetch_related(_attendees())
        .order_by("-starts_at", "-id")
    )
    if access != Access.ADMIN:
        sessions = sessions.annotate(
            family_summary=Subquery(
                SessionNote.objects.filter(
                    session=OuterRef("pk"), status=RecordStatus.SIGNED
                ).values("family_summary")[:1]
            )
        )
    return sessions


def access_log(child: Child) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(child_id=child.pk).select_related("user").order_by("-at", "-id")
    )
