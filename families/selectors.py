"""Reads for the families pages, each a fixed number of queries."""

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import Role, User
from families.models import Caregiver, CaseloadAssignment, Child, Family, Invitation
from families.permissions import active_assignments, children_for, families_for


def _current_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=active_assignments().select_related("therapist").order_by("kind", "starts_on"),
        to_attr="current_assignments",
    )


def children_for_home(user: User) -> QuerySet[Child]:
    return (
        children_for(user)
        .filter(discharged_on__isnull=True)
        .select_related("family")
        .prefetch_related(_current_assignments())
        .order_by("first_name", "id")
    )


def family_list_for_staff(user: User, *, search: str = "") -> QuerySet[Family]:
    families = families_for(user).annotate(
        child_count=Count("children", distinct=True),
        caregiver_count=Count("caregivers", distinct=True),
    )
    if search:
        families = families.filter(
            Q(name__icontains=search)
            | Q(children__first_name__icontains=search)
            | Q(children__last_name__icontains=search)
            | Q(caregivers__user__full_name__icontains=search)
            | Q(caregivers__user__email__icontains=search)
            | Q(postcode__icontains=search)
        ).distinct()
    return families.prefetch_related(
        Prefetch("children", queryset=Child.objects.order_by("first_name"))
    ).order_by("name", "id")


def family_page(family: Family) -> dict:
    children = list(
        family.children.prefetch_related(_current_assignments()).order_by("first_name", "id")
    )
    caregivers = list(
        Caregiver.objects.filter(family=family)
        .select_related("user")
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
        .order_by("access_level", "joined_at", "id")
    )
    invitations = list(
        family.invitations.pending()
        .select_related("invited_by")
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
    )
    return {"children": children, "caregivers": caregivers, "invitations": invitations}


def caseload_for_child(child: Child) -> list[CaseloadAssignment]:
    return list(child.assignments.select_related("therapist").order_by("-starts_on", "-id"))


def therapists() -> QuerySet[User]:
    return User.objects.filter(role=Role.THERAPIST, is_active=True).order_by("full_name")


def memberships_for(user: User) -> QuerySet[Caregiver]:
    return (
        Caregiver.objects.filter(user=user)
        .select_related("family")
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
        .order_by("family__name")
    )


def pending_invitations_for(family: Family) -> QuerySet[Invitation]:
    return family.invitations.pending()
