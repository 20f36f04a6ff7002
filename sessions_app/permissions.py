"""Who may see which session, note and assessment. Builds on
families.permissions: a session belongs to a child (or, for a parents-only
consultation, to a family), and whoever stands to that child or family in a
given way sees what that way allows:

- therapist on the caseload: the full clinical record;
- primary caregiver: sessions, attendance and the family summary of signed notes;
- supporting caregiver: the same, for the children whose session summaries
  the family's primary caregiver shares with them (`SupportingLink.sees_sessions`);
- admin: that a session happened and who attended, never clinical content.

Anything not yours answers 404.
"""

from collections.abc import Collection, Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from accounts.models import Role, User
from families.models import AccessLevel, Caregiver, Child
from families.permissions import (
    EVERYONE,
    Access,
    child_access,
    children_for,
    seen_through,
)
from sessions_app.models import Assessment, SessionNote, TherapySession

_About = TherapySession.about_children.through


def _about_any(children) -> Exists:
    """The enclosing session is a parents-only consultation about one of
    `children` (a queryset of children or of their ids)."""
    return Exists(_About.objects.filter(therapysession_id=OuterRef("pk"), child__in=children))


def memberships_seeing_session() -> QuerySet[Caregiver]:
    """The family's side of who sees a session (the enclosing query's), stated
    once: a primary caregiver of its family, every session; a supporting one,
    the sessions of a child whose session summaries are shared with them
    (the child's own, or a consultation about them). Being at a session is
    not enough: what a grandparent reads afterwards is the family's choice."""
    about = _About.objects.filter(therapysession_id=OuterRef(OuterRef("pk"))).values("child_id")
    return Caregiver.objects.filter(family=OuterRef("family")).filter(
        Q(access_level=AccessLevel.PRIMARY)
        | Q(access_level=AccessLevel.SUPPORTING, links__sees_sessions=True)
        & (Q(links__child=OuterRef("child")) | Q(links__child__in=about))
    )


def sessions_for(user: User) -> QuerySet[TherapySession]:
    """Every session the user may see at all: the practice admin, that each
    happened (never its clinical content: the views decide by `Access`); a
    therapist, the sessions of the children on their caseload and the
    consultations about them; the family, by `memberships_seeing_session`."""
    if not user.is_authenticated or not user.is_active:
        return TherapySession.objects.none()
    if user.role == Role.ADMIN:
        return TherapySession.objects.all()
    if user.role == Role.THERAPIST:
        # A parents-only consultation is clinical content about the children
        # it was about: a therapist reads it only with one of them on their
        # caseload, not for having a sibling there.
        caseload = children_for(user)
        return TherapySession.objects.filter(
            Q(child__in=caseload) | Q(child__isnull=True) & _about_any(caseload.values("pk"))
        )
    # As in children_for: the user's few families first, then the rule.
    member_of = Caregiver.objects.filter(user=user).values("family_id")
    return TherapySession.objects.filter(family_id__in=member_of).filter(
        Exists(memberships_seeing_session().filter(user=user))
    )


def sessions_seen_through(
    sessions: QuerySet[TherapySession], caregiver_ids: Iterable[int]
) -> dict[int, set[int]]:
    """For the summaries: which of `sessions` each membership sees (one query)."""
    return seen_through(sessions, memberships_seeing_session(), caregiver_ids)


def get_session_for_user(
    user: User, pk: int, *, allow: Collection[Access] = EVERYONE
) -> tuple[TherapySession, Access]:
    """The session (from sessions_for) and how the user stands to it, or 404."""
    sessions = sessions_for(user).select_related("child", "family", "therapist").filter(pk=pk)
    if user.is_authenticated and user.role == Role.CAREGIVER:
        sessions = sessions.annotate(
            level=Subquery(
                Caregiver.objects.filter(user=user, family=OuterRef("family")).values(
                    "access_level"
                )[:1]
            )
        )
    session = sessions.first()
    if session is None:
        raise Http404
    access = {Role.ADMIN: Access.ADMIN, Role.THERAPIST: Access.THERAPIST}.get(user.role)
    if access is None:
        access = Access.PRIMARY if session.level == AccessLevel.PRIMARY else Access.SUPPORTING
    if access not in allow:
        raise Http404
    return session, access


def get_session_for_treating_therapist(user: User, pk: int) -> TherapySession:
    """The session, if the user is the therapist who saw the family and the
    child is still on their caseload: only they write and sign its note."""
    session, _ = get_session_for_user(user, pk, allow={Access.THERAPIST})
    if session.therapist_id != user.pk:
        raise Http404
    return session


def get_assessment_for_therapist(user: User, pk: int) -> tuple[Assessment, Access]:
    assessment = (
        Assessment.objects.select_related("child__family", "therapist", "signed_by")
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404
    if child_access(user, assessment.child) != Access.THERAPIST:
        raise Http404
    return assessment, Access.THERAPIST


def can_write_note(user: User, session: TherapySession) -> bool:
    return user.is_therapist and session.therapist_id == user.pk


def can_sign(user: User, record: SessionNote | Assessment) -> bool:
    """Only the treating therapist signs: the one who saw the family, or who
    carried out the assessment."""
    therapist_id = (
        record.session.therapist_id if isinstance(record, SessionNote) else record.therapist_id
    )
    return user.is_therapist and therapist_id == user.pk


def sessions_of_child_q(child: Child) -> Q:
    """A child's sessions: their own, and the parents-only consultations
    about them (not every consultation of the family)."""
    return Q(child=child) | Q(child__isnull=True, about_children=child)
