"""Reads for the families pages, each a fixed number of queries."""

from collections import defaultdict

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from accounts.models import Role, User
from families.models import (
    EMAIL_QUESTION_HIDDEN_FOR,
    NUDGE_EMAIL,
    REMINDER_EMAIL,
    SUMMARY_EMAIL,
    AccessLevel,
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
    `lead_therapist` and `email_question` (whether Today asks the caregiver
    about e-mails for the child's family: email_question_for). One query."""
    return list(
        children_for(user)
        .annotate(lead_therapist=lead_therapist_name(), email_question=email_question_for(user))
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
        .annotate(
            email_consent=email_consent_of_family(),
            email_consent_answered=Exists(_email_consent_records()),
        )
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


def _email_consent_records() -> QuerySet[Consent]:
    """The outer row's family's answers, current or withdrawn, to being
    e-mailed about their children's therapy (ConsentKind.EMAIL_CONTACT)."""
    return Consent.objects.filter(family=OuterRef("family"), kind=ConsentKind.EMAIL_CONTACT)


def email_consent_of_family() -> Exists:
    """Whether the outer row's family agrees now to being e-mailed about
    their children's therapy."""
    return Exists(_email_consent_records().current())


def families_not_agreeing_to_email(*, user_ids: set[int]) -> dict[int, set[int]]:
    """For the outbox (notifications.registry.ConsentReader): of these people,
    the caregivers, each with their families that do not agree now to e-mails
    about therapy. Staff are no family's caregivers and never appear. One query."""
    refusing: dict[int, set[int]] = defaultdict(set)
    for user_id, family_id in (
        Caregiver.objects.filter(user_id__in=user_ids)
        .exclude(email_consent_of_family())
        .values_list("user_id", "family_id")
    ):
        refusing[user_id].add(family_id)
    return dict(refusing)


def email_question_for(user: User) -> ExpressionWrapper:
    """Whether Today asks `user` if we may e-mail the outer row's `family`
    about therapy: they are one of its primary caregivers and have not said
    "Not now" in the last EMAIL_QUESTION_HIDDEN_FOR, and the family has never
    answered (no consent given, none withdrawn)."""
    asked = Caregiver.objects.filter(
        user=user, family=OuterRef("family"), access_level=AccessLevel.PRIMARY
    ).exclude(email_question_postponed_at__gt=timezone.now() - EMAIL_QUESTION_HIDDEN_FOR)
    return ExpressionWrapper(
        Q(Exists(asked)) & ~Q(Exists(_email_consent_records())), output_field=BooleanField()
    )


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
