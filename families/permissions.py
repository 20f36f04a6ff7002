"""Who may see which family and child: the policy every view and selector uses.

Other apps build on this module (goals, sessions, bookings) rather than
re-deriving who belongs to a family. Anything not yours answers 404.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from enum import StrEnum
from typing import NamedTuple

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from families.models import AccessLevel, Caregiver, CaseloadAssignment, Child, Family, Invitation


class Access(StrEnum):
    """How a user stands to a child or a family."""

    PRIMARY = "primary"  # parent or guardian: everything shared with the family
    SUPPORTING = "supporting"  # grandparent, nanny…: goals and strategies of linked children
    THERAPIST = "therapist"  # child on their current caseload: the clinical record
    ADMIN = "admin"  # practice admin: contact details and diary, no clinical content


FAMILY_SIDE = frozenset({Access.PRIMARY, Access.SUPPORTING})
CLINICAL = frozenset({Access.THERAPIST})
EVERYONE = frozenset(Access)


def active_assignments() -> QuerySet[CaseloadAssignment]:
    today = timezone.localdate()
    return CaseloadAssignment.objects.filter(starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )


def _caseload_q(user: User) -> Q:
    return Q(Exists(active_assignments().filter(child=OuterRef("pk"), therapist=user)))


def _memberships_seeing(child, family) -> QuerySet[Caregiver]:
    """The family's side of who sees a child, stated once: a membership of
    the child's family that is primary (every child of the family), or
    supporting and linked to the child. `child` and `family` are values or
    OuterRefs."""
    return Caregiver.objects.filter(family=family).filter(
        Q(access_level=AccessLevel.PRIMARY) | Q(access_level=AccessLevel.SUPPORTING, children=child)
    )


def children_for(user: User) -> QuerySet[Child]:
    """Every child the user may see at all, whatever the level."""
    if not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    if user.role == Role.ADMIN:
        return Child.objects.all()
    if user.role == Role.THERAPIST:
        return Child.objects.filter(_caseload_q(user))
    # The first filter says nothing the second does not (both kinds of
    # membership are of the child's family), but it lets PostgreSQL start from
    # the user's few memberships and reach children by index, instead of
    # testing every child of the practice (issue 9, `make bench`).
    member_of = Caregiver.objects.filter(user=user).values("family_id")
    return Child.objects.filter(family_id__in=member_of).filter(
        Exists(_memberships_seeing(OuterRef("pk"), OuterRef("family")).filter(user=user))
    )


def seen_through(
    records: QuerySet,
    memberships_seeing: QuerySet[Caregiver],
    caregiver_ids: Iterable[int],
    *,
    family: str = "family",
) -> dict[int, set[int]]:
    """For work over many memberships at once (the weekly summaries): which
    of `records` each membership sees, by the owning app's own rule, in one
    query whatever their number. `memberships_seeing` is that rule, the
    memberships that see the record of an enclosing query (`OuterRef`s to
    it); `family` the record's path to its family. Answers
    {caregiver id: {record id, ...}}."""
    ids = list(caregiver_ids)
    if not ids:
        return {}
    seen: dict[int, set[int]] = defaultdict(set)
    rows = audience(records, memberships_seeing, family=family, only=ids)
    for pk, viewer in rows.values_list("pk", "seen_by"):
        seen[viewer].add(pk)
    return seen


def audience(
    records: QuerySet,
    memberships_seeing: QuerySet[Caregiver],
    *,
    family: str = "family",
    only: Collection[int] | None = None,
) -> QuerySet:
    """`records` once for every membership that sees each of them by the
    owning app's rule (see `seen_through`), that membership's id as
    `seen_by`, and its fields under `<family>__caregivers__…` (who is told of
    a booking, for instance). One query."""
    rows = records.annotate(seen_by=F(f"{family}__caregivers"))
    if only is not None:
        rows = rows.filter(seen_by__in=only)
    return rows.filter(Exists(memberships_seeing.filter(pk=OuterRef("seen_by"))))


def memberships_seeing_child(child=None, family=None) -> QuerySet[Caregiver]:
    """children_for's family rule, for a child and family given as values, or
    (by default) relative to an enclosing Child query."""
    return _memberships_seeing(
        OuterRef("pk") if child is None else child,
        OuterRef("family") if family is None else family,
    )


class Membership(NamedTuple):
    """A caregiver's membership of a family, as the home page reads it."""

    caregiver_id: int
    family_id: int
    access_level: str
    family_name: str


def caregiver_memberships(user: User) -> list[Membership]:
    """The caregiver's memberships, by family name: one small query whose
    answer later reads can start from (the home page's children)."""
    if not user.is_authenticated or not user.is_active or user.role != Role.CAREGIVER:
        return []
    return [
        Membership(*row)
        for row in Caregiver.objects.filter(user=user)
        .order_by("family__name", "id")
        .values_list("pk", "family_id", "access_level", "family__name")
    ]


def families_for(user: User) -> QuerySet[Family]:
    if not user.is_authenticated or not user.is_active:
        return Family.objects.none()
    if user.role == Role.ADMIN:
        return Family.objects.all()
    if user.role == Role.THERAPIST:
        return Family.objects.filter(
            Exists(active_assignments().filter(child__family=OuterRef("pk"), therapist=user))
        )
    return Family.objects.filter(Exists(Caregiver.objects.filter(user=user, family=OuterRef("pk"))))


def child_access(user: User, child: Child) -> Access | None:
    """How the user stands to the child (get_child_for_user's answer), or None."""
    try:
        return get_child_for_user(user, child.pk)[1]
    except Http404:
        return None


def family_access(user: User, family: Family) -> Access | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.ADMIN:
        return Access.ADMIN
    if user.role == Role.THERAPIST:
        on_caseload = active_assignments().filter(child__family=family, therapist=user).exists()
        return Access.THERAPIST if on_caseload else None
    level = (
        Caregiver.objects.filter(user=user, family=family)
        .values_list("access_level", flat=True)
        .first()
    )
    return Access(level) if level else None


def get_child_for_user(
    user: User, pk: int, *, allow: Collection[Access] = EVERYONE
) -> tuple[Child, Access]:
    """The child with this id (its family read with it) and how the user
    stands to it, or 404. One query: the child comes from children_for(user),
    with the user's standing read alongside."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    children = children_for(user).select_related("family").filter(pk=pk)
    if user.role == Role.CAREGIVER:
        children = children.annotate(
            level=Subquery(
                Caregiver.objects.filter(user=user, family=OuterRef("family")).values(
                    "access_level"
                )[:1]
            )
        )
    child = children.first()
    if child is None:
        raise Http404
    access = {Role.ADMIN: Access.ADMIN, Role.THERAPIST: Access.THERAPIST}.get(user.role)
    if access is None:
        # children_for let the child through: primary, or supporting and linked.
        access = Access.PRIMARY if child.level == AccessLevel.PRIMARY else Access.SUPPORTING
    if access not in allow:
        raise Http404
    return child, access


def get_family_for_user(
    user: User, pk: int, *, allow: Collection[Access] = EVERYONE
) -> tuple[Family, Access]:
    family = Family.objects.filter(pk=pk).first()
    if family is None:
        raise Http404
    access = family_access(user, family)
    if access is None or access not in allow:
        raise Http404
    return family, access


# Who may invite, remove and change caregivers: the family's primary caregivers
# and the practice (admins, and therapists who have one of its children).
FAMILY_MANAGERS = frozenset({Access.PRIMARY, Access.ADMIN, Access.THERAPIST})


def get_caregiver_for_manager(user: User, pk: int) -> Caregiver:
    caregiver = Caregiver.objects.select_related("family", "user").filter(pk=pk).first()
    if caregiver is None:
        raise Http404
    access = family_access(user, caregiver.family)
    if access not in (Access.PRIMARY, Access.ADMIN):
        raise Http404
    return caregiver


def get_invitation_for_manager(user: User, pk: int) -> Invitation:
    invitation = Invitation.objects.select_related("family").filter(pk=pk).first()
    if invitation is None:
        raise Http404
    if family_access(user, invitation.family) not in FAMILY_MANAGERS:
        raise Http404
    return invitation


def get_assignment_for_admin(user: User, pk: int) -> CaseloadAssignment:
    if not user.is_authenticated or user.role != Role.ADMIN:
        raise Http404
    assignment = (
        CaseloadAssignment.objects.select_related("child", "therapist").filter(pk=pk).first()
    )
    if assignment is None:
        raise Http404
    return assignment
