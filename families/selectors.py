"""Reads for the families pages, each a fixed number of queries."""

from datetime import date
from functools import cache

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from families.models import (
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
    age_on,
    child_display_name,
)
from families.permissions import (
    Membership,
    active_assignments,
    families_for,
)
from notifications.services import optout_kinds
from portal.sql import as_date, table


def _current_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=active_assignments().select_related("therapist").order_by("kind", "starts_on"),
        to_attr="current_assignments",
    )


# The caregiver home's children: every child of a family the caregiver is
# a primary caregiver in, and the children their supporting memberships are
# linked to (the rule of families.permissions.children_for), with the lead
# therapist (the first current assignment by kind, then start) shown as a
# User shows. Written in SQL because building it through the ORM cost more
# than running it (issue 9, `make bench`).
_HOME_CHILDREN_SQL = """
    SELECT c.id, c.first_name, c.preferred_name, c.date_of_birth, c.school, c.discharged_on,
        (SELECT COALESCE(NULLIF(u.full_name, ''), u.email)
            FROM {assignment} a INNER JOIN {user} u ON u.id = a.therapist_id
            WHERE a.child_id = c.id AND a.starts_on <= %(today)s
                AND (a.ends_on IS NULL OR a.ends_on >= %(today)s)
            ORDER BY a.kind, a.starts_on LIMIT 1)
    FROM {child} c
    WHERE c.family_id IN ({families}) AND ({visible})
    ORDER BY c.first_name, c.id
"""


@cache
def _home_children_sql(families: int, primary: int, supporting: int) -> str:
    def marks(name: str, count: int) -> str:
        return ", ".join(f"%({name}_{index})s" for index in range(count))

    visible = [f"c.family_id IN ({marks('primary', primary)})"] if primary else []
    if supporting:
        visible.append(
            f"c.id IN (SELECT l.child_id FROM {table(Caregiver.children.through)} l"  # noqa: S608 - names from the models, values as parameters
            f" WHERE l.caregiver_id IN ({marks('supporting', supporting)}))"
        )
    return _HOME_CHILDREN_SQL.format(
        assignment=table(CaseloadAssignment),
        user=table(User),
        child=table(Child),
        families=marks("family", families),
        visible=" OR ".join(visible) or "1 = 0",
    )


def children_for_home(memberships: list[Membership], *, today: date | None = None) -> dict:
    """The caregiver home's child cards as plain values (portal.fragments),
    and the names by id of every child the caregiver may see, discharged
    ones too (their wins still show on the home page). One query."""
    today = today or timezone.localdate()
    if not memberships:
        return {"children": [], "child_names": {}}
    primary = [m.family_id for m in memberships if m.access_level == AccessLevel.PRIMARY]
    supporting = [m.caregiver_id for m in memberships if m.access_level == AccessLevel.SUPPORTING]
    params = {
        "today": today,
        **{f"family_{index}": m.family_id for index, m in enumerate(memberships)},
        **{f"primary_{index}": pk for index, pk in enumerate(primary)},
        **{f"supporting_{index}": pk for index, pk in enumerate(supporting)},
    }
    with connection.cursor() as cursor:
        cursor.execute(_home_children_sql(len(memberships), len(primary), len(supporting)), params)
        rows = cursor.fetchall()
    cards, child_names = [], {}
    for pk, first_name, preferred_name, born, school, discharged_on, lead_name in rows:
        child_names[pk] = child_display_name(first_name, preferred_name)
        if discharged_on is not None:
            continue
        cards.append(
            {
                "pk": pk,
                "display_name": child_names[pk],
                "age": age_on(as_date(born), today),
                "school": school,
                "therapist": lead_name,
            }
        )
    return {"children": cards, "child_names": child_names}


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
