"""Who may see which session, note and assessment. Builds on
families.permissions: a session belongs to a child (or, for a parents-only
consultation, to a family), and whoever stands to that child or family in a
given way sees what that way allows:

- therapist on the caseload: the full clinical record;
- primary caregiver: sessions, attendance and the family summary of signed notes;
- supporting caregiver: the same, for sessions they attended only, unless the
  family lets them see every summary (`Caregiver.sees_all_session_summaries`);
- admin: that a session happened and who attended, never clinical content.

Anything not yours answers 404.
"""

from collections.abc import Collection

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from families.models import Caregiver, Child
from families.permissions import EVERYONE, Access, child_access, children_for, family_access
from sessions_app.models import Assessment, SessionNote, TherapySession


def _supporting_membership(user: User, family_id: int) -> Caregiver | None:
    return Caregiver.objects.filter(user=user, family_id=family_id).first()


def session_access(user: User, session: TherapySession) -> Access | None:
    if session.child_id:
        access = child_access(user, session.child)
    else:
        access = family_access(user, session.family)
        # A parents-only consultation is clinical content about the children
        # it was about: a therapist reads it only with one of them on their
        # caseload, not for having a sibling there.
        if access == Access.THERAPIST and not _about_any_of(session, children_for(user)):
            return None
    if access == Access.SUPPORTING:
        membership = _supporting_membership(user, session.family_id)
        if membership is None:
            return None
        if not (
            membership.sees_all_session_summaries
            or session.caregivers_attended.filter(pk=membership.pk).exists()
        ):
            return None
    return access


def get_session_for_user(
    user: User, pk: int, *, allow: Collection[Access] = EVERYONE
) -> tuple[TherapySession, Access]:
    session = (
        TherapySession.objects.select_related("child", "family", "therapist").filter(pk=pk).first()
    )
    if session is None:
        raise Http404
    access = session_access(user, session)
    if access is None or access not in allow:
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


def _about_any_of(session: TherapySession, children: QuerySet[Child]) -> bool:
    return session.about_children.filter(pk__in=children.values("pk")).exists()


def sessions_of_child_q(child: Child) -> Q:
    """A child's sessions: their own, and the parents-only consultations
    about them (not every consultation of the family)."""
    return Q(child=child) | Q(child__isnull=True, about_children=child)


def sessions_for_child_view(user: User, child: Child, access: Access) -> QuerySet[TherapySession]:
    """The sessions a person may see on a child's page: those of the child and
    the family's parents-only consultations, narrowed for supporting
    caregivers to the sessions they were at."""
    sessions = TherapySession.objects.filter(sessions_of_child_q(child))
    if access == Access.SUPPORTING:
        membership = _supporting_membership(user, child.family_id)
        if membership is None:
            return TherapySession.objects.none()
        if not membership.sees_all_session_summaries:
            sessions = sessions.filter(caregivers_attended=membership)
    return sessions
