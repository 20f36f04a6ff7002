"""Reads for the families pages, each a fixed number of queries."""

from django.db.models import CharField, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from accounts.models import Role, User
from families.models import (
    NUDGE_EMAIL,
    REMINDER_EMAIL,
    SUMMARY_EMAIL,
    Caregiver,
    CaseloadAssignment,
    Child,
    Consent,
    ConsentKind,
    Family,
    Invitation,
    SummaryFrequency,
    SupportingLink,
)
from families.permissions import active_assignments, children_for, families_for
from notifications.services import optout_kinds


def _current_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=active_assignments().select_related("therapist").order_by("kind", "starts_on"),
        to_attr="current_assignments",
    )


def lead_therapist_name() -> Subquery:
    """The name (as a User is shown) of the outer child's lead therapist
    today: the first current assignment by kind, then start."""
    return Subquery(
        active_assignments()
        .filter(child=OuterRef("pk"))
        .order_by("kind", "starts_on")
        .values(
            name=Coalesce(
                NullIf("therapist__full_name", Value("")),
                "therapist__email",
                output_field=CharField(),
            )
        )[:1]
    )


def children_for_home(user: User) -> list[Child]:
    """Every child the caregiver may see (children_for), discharged ones too
    (their wins still show on the home page), by first name, each with
    `lead_therapist`. One query."""
    return list(
        children_for(user)
        .annotate(lead_therapist=lead_therapist_name())
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
    invitations = list(
        family.invitations.pending()
        .select_related("invited_by")
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
    )
    return {"children": children, "caregivers": caregivers, "invitations": invitations}


def caseload_for_child(child: Child) -> list[CaseloadAssignment]:
    return list(child.assignments.select_related("therapist").order_by("-starts_on", "-id"))


def lead_therapists(family: Family) -> dict[int, User]:
    """Each child of the family with a current lead therapist: child id →
    therapist (one query)."""
    today = timezone.localdate()
    return {
        assignment.child_id: assignment.therapist
        for assignment in CaseloadAssignment.objects.filter(
            child__family=family, kind=CaseloadAssignment.Kind.LEAD, starts_on__lte=today
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("therapist")
    }


def therapists() -> QuerySet[User]:
    return User.objects.filter(role=Role.THERAPIST, is_active=True).order_by("full_name")


def memberships_for(user: User) -> QuerySet[Caregiver]:
    return (
        Caregiver.objects.filter(user=user)
        .select_related("family")
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
        .order_by("family__name")
    )


def email_choices_for(user: User) -> list[tuple[Caregiver, dict[str, object]]]:
    """Each membership with the choices its E-mail choices form starts from.
    An unsubscribe by an e-mail's link shows as unticked / "Never" even where
    the stored choice says otherwise (one made before the two were kept in
    step), because that is what is sent."""
    stopped = optout_kinds(user.email)
    return [
        (
            membership,
            {
                "receives_reminders": membership.receives_reminders
                and REMINDER_EMAIL not in stopped,
                "summary_frequency": SummaryFrequency.OFF
                if SUMMARY_EMAIL in stopped
                else membership.summary_frequency,
                "receives_message_nudges": membership.receives_message_nudges
                and NUDGE_EMAIL not in stopped,
                "detailed_email_wording": membership.detailed_email_wording,
                "reminders_by_text": membership.reminders_by_text,
                "reminders_by_push": membership.reminders_by_push,
                "nudges_by_push": membership.nudges_by_push,
                "offers_by_push": membership.offers_by_push,
            },
        )
        for membership in memberships_for(user)
    ]


def pending_invitations_for(family: Family) -> QuerySet[Invitation]:
    return family.invitations.pending()


def consent_given(family: Family | int, kind: str) -> bool:
    """Whether the family currently agrees to this use of their information.
    Ask at the moment of use (before sending, before attaching): a withdrawal
    takes effect from the next call."""
    family_id = family.pk if isinstance(family, Family) else family
    return Consent.objects.current().filter(family_id=family_id, kind=kind).exists()


def consents_for(family: Family) -> list[dict]:
    """Each kind of consent with its current record (or None) and history."""
    records = list(
        Consent.objects.filter(family=family)
        .select_related("given_by", "withdrawn_by")
        .order_by("kind", "-given_at", "-id")
    )
    rows = []
    for kind in ConsentKind:
        history = [record for record in records if record.kind == kind.value]
        current = next((record for record in history if record.withdrawn_at is None), None)
        rows.append({"kind": kind, "current": current, "history": history})
    return rows
