"""Who may see and do what with goals, strategies and home practice.

Builds on families.permissions. The family (primary caregivers, and supporting
caregivers for the children they are linked to) and the child's therapist see
goals and strategies. The practice admin does not: goals, ratings and
strategies are clinical content, so they answer 404 like anything else that is
not yours. Only the therapist writes goals, scales and strategies, and only the
therapist sees the therapist's notes on a goal.
"""

from typing import TypeVar

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role, User
from families.models import Child, ConsentKind
from families.permissions import Access, children_for, get_child_for_user
from families.selectors import consent_given
from goals.models import Goal, HomeStrategy, PracticeLog, StrategyTemplate, Win

Record = TypeVar("Record", Goal, HomeStrategy)

# Who sees a child's goals, strategies, practice and wins.
VIEWERS = frozenset({Access.PRIMARY, Access.SUPPORTING, Access.THERAPIST})
# Who logs practice, rates progress at home and posts wins.
LOGGERS = VIEWERS
# Who writes goals, scales and strategies.
WRITERS = frozenset({Access.THERAPIST})


def _children_seeing_goals(user: User) -> QuerySet[Child]:
    """The children whose goals, strategies, practice and wins the user sees:
    every child they may see (VIEWERS), except for the practice admin, who
    sees every child and none of this."""
    if user.is_authenticated and user.role == Role.ADMIN:
        return Child.objects.none()
    return children_for(user)


def goals_for(user: User) -> QuerySet[Goal]:
    return Goal.objects.filter(child__in=_children_seeing_goals(user))


def strategies_for(user: User) -> QuerySet[HomeStrategy]:
    return HomeStrategy.objects.filter(child__in=_children_seeing_goals(user))


def practice_logs_for(user: User) -> QuerySet[PracticeLog]:
    return PracticeLog.objects.filter(child__in=_children_seeing_goals(user))


def wins_for(user: User) -> QuerySet[Win]:
    return Win.objects.filter(child__in=_children_seeing_goals(user))


def sees_therapist_notes(access: Access) -> bool:
    return access == Access.THERAPIST


def get_child_for_goals(user: User, pk: int, *, allow=VIEWERS) -> tuple[Child, Access]:
    return get_child_for_user(user, pk, allow=allow)


def get_goal_for_user(user: User, pk: int, *, allow=VIEWERS) -> tuple[Goal, Access]:
    """The goal with this id and how the user stands to its child, or 404."""
    return _with_child(user, Goal.objects.filter(pk=pk).first(), allow)


def get_strategy_for_user(user: User, pk: int, *, allow=VIEWERS) -> tuple[HomeStrategy, Access]:
    return _with_child(user, HomeStrategy.objects.filter(pk=pk).first(), allow)


def _with_child(user: User, record: Record | None, allow) -> tuple[Record, Access]:
    """The record, its child (and family) read by the one child policy."""
    if record is None:
        raise Http404
    child, access = get_child_for_user(user, record.child_id, allow=allow)
    record.child = child
    return record, access


def sees_library_strategy(user: User, template_id: int) -> bool:
    """The practice's strategy library is the therapists'; a family sees a
    library strategy (and its demonstrations) once one of their children has
    an active strategy made from it. The office sees none: it is clinical."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.THERAPIST:
        return True
    if user.role == Role.ADMIN:
        return False
    return HomeStrategy.objects.filter(
        template_id=template_id, retired_on__isnull=True, child__in=children_for(user)
    ).exists()


def get_library_strategy_for_user(user: User, pk: int) -> StrategyTemplate:
    """A strategy of the practice's library, for a therapist to change; 404 for
    anyone else (and for an unknown id)."""
    template = StrategyTemplate.objects.filter(pk=pk).first()
    if template is None or not (
        user.is_authenticated and user.is_active and user.role == Role.THERAPIST
    ):
        raise Http404
    return template


def sees_strategy_photos(access: Access | None, family_id: int) -> bool:
    """The therapist's photos and videos of a child's strategies: the child's
    therapist always (to take them off), the family only while their consent
    to photos and videos stands. The one statement of that rule: the card,
    the picture sheet and the media view all ask here."""
    if access == Access.THERAPIST:
        return True
    if access not in (Access.PRIMARY, Access.SUPPORTING):
        return False
    return consent_given(family_id, ConsentKind.PHOTOS_IN_NOTES)
