"""Everything the portal holds about a family, as a ZIP: a readable HTML
report, the same data as JSON, and one CSV per section.

The export is a list of section providers. Each takes the scope (which family,
who asks, whether it is the practice's full subject-access copy) and returns a
Section, or None when it has nothing for that requester. An app that holds
more about a family (goals, sessions, bookings) adds one function to
SECTION_PROVIDERS; the composer, the formats and the tests need no change.
Providers must show a family only what its primary caregivers may see (unless
`scope.full`), and must not grow their query count with the family's size.
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from families.models import Caregiver, CaseloadAssignment, Child, Consent, Family
from families.retention import retention_until


@dataclass
class ExportScope:
    family: Family
    requester: User
    # True for the practice's subject-access copy: everything held, including
    # the audit trail; False for a family's own download.
    full: bool
    children: list[Child] = field(default_factory=list)


@dataclass
class Section:
    key: str  # file name of its CSV, key in the JSON
    title: str
    columns: list[tuple[str, str]]  # (field, heading)
    rows: list[dict]
    note: str = ""


SectionProvider = Callable[[ExportScope], Section | None]


def _name(user: User | None) -> str:
    return (user.full_name or user.email) if user is not None else ""


def family_section(scope: ExportScope) -> Section:
    family = scope.family
    return Section(
        key="family",
        title="Your household's contact details",
        columns=[
            ("name", "Name"),
            ("address", "Address"),
            ("postcode", "Postcode"),
            ("phone", "Phone"),
            ("email", "E-mail"),
            ("preferred_contact", "Preferred contact"),
            ("notes_for_practice", "Notes for the practice"),
            ("created_at", "Registered"),
        ],
        rows=[
            {
                "name": family.name,
                "address": family.address,
                "postcode": family.postcode,
                "phone": family.phone,
                "email": family.email,
                "preferred_contact": family.get_preferred_contact_display(),
                "notes_for_practice": family.notes_for_practice,
                "created_at": family.created_at,
            }
        ],
    )


def caregivers_section(scope: ExportScope) -> Section:
    caregivers = (
        Caregiver.objects.filter(family=scope.family)
        .select_related("user")
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
        .order_by("access_level", "joined_at", "id")
    )
    return Section(
        key="caregivers",
        title="The people in your family's team",
        columns=[
            ("name", "Name"),
            ("email", "E-mail"),
            ("relationship", "Relationship"),
            ("access_level", "Access"),
            ("children", "Children they help with"),
            ("receives_reminders", "Appointment reminders"),
            ("summary_frequency", "Progress summaries"),
            ("joined_at", "Joined"),
        ],
        rows=[
            {
                "name": caregiver.user.full_name,
                "email": caregiver.user.email,
                "relationship": caregiver.get_relationship_display(),
                "access_level": "primary" if caregiver.is_primary else "supporting",
                "children": ", ".join(child.display_name for child in caregiver.children.all()),
                "receives_reminders": caregiver.receives_reminders,
                "summary_frequency": caregiver.get_summary_frequency_display(),
                "joined_at": caregiver.joined_at,
            }
            for caregiver in caregivers
        ],
    )


def children_section(scope: ExportScope) -> Section:
    return Section(
        key="children",
        title="Your children",
        columns=[
            ("id", "Number"),
            ("first_name", "First name"),
            ("last_name", "Last name"),
            ("preferred_name", "Preferred name"),
            ("date_of_birth", "Date of birth"),
            ("school", "School or nursery"),
            ("needs", "Diagnoses and needs"),
            ("enjoys", "What they enjoy"),
            ("what_helps", "What helps them"),
            ("discharged_on", "Care ended"),
            ("kept_until", "Record kept until"),
        ],
        rows=[
            {
                "id": child.pk,
                "first_name": child.first_name,
                "last_name": child.last_name,
                "preferred_name": child.preferred_name,
                "date_of_birth": child.date_of_birth,
                "school": child.school,
                "needs": child.needs,
                "enjoys": child.enjoys,
                "what_helps": child.what_helps,
                "discharged_on": child.discharged_on,
                "kept_until": retention_until(child),
            }
            for child in scope.children
        ],
        note="We keep a child's therapy record until their 25th birthday "
        "(26th if they were 17 when their care ended), as UK health-record rules require.",
    )


def therapists_section(scope: ExportScope) -> Section:
    assignments = (
        CaseloadAssignment.objects.filter(child__in=scope.children)
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


def consents_section(scope: ExportScope) -> Section:
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


def invitations_section(scope: ExportScope) -> Section:
    invitations = scope.family.invitations.select_related("invited_by").order_by("created_at")
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


def audit_section(scope: ExportScope) -> Section | None:
    """Who accessed the children's records, and the caregivers' log-ins: part
    of the practice's subject-access copy only."""
    if not scope.full:
        return None
    caregiver_ids = list(
        Caregiver.objects.filter(family=scope.family).values_list("user_id", flat=True)
    )
    events = (
        AuditEvent.objects.filter(
            Q(child_id__in=[child.pk for child in scope.children])
            | Q(user_id__in=caregiver_ids, action__in=["login", "login_failed", "mfa"])
        )
        .select_related("user")
        .order_by("at", "id")
    )
    return Section(
        key="access_log",
        title="Who has accessed these records",
        columns=[
            ("at", "When"),
            ("who", "Who"),
            ("action", "What"),
            ("record", "Record"),
            ("ip_address", "From"),
        ],
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


# The order is the order of the report. Add one function per app.
SECTION_PROVIDERS: list[SectionProvider] = [
    family_section,
    caregivers_section,
    children_section,
    therapists_section,
    consents_section,
    invitations_section,
    audit_section,
]


def sections_for(scope: ExportScope) -> list[Section]:
    return [section for provider in SECTION_PROVIDERS if (section := provider(scope))]


# --- Formats --------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    writer = csv.writer(buffer)
    writer.writerow([heading for _, heading in section.columns])
    for row in section.rows:
        writer.writerow([csv_safe(row.get(name)) for name, _ in section.columns])
    return buffer.getvalue()


def export_zip(scope: ExportScope) -> bytes:
    sections = sections_for(scope)
    generated_at = timezone.now()
    report = render_to_string(
        "portal/export/report.html",
        {
            "scope": scope,
            "sections": [
                {
                    "section": section,
                    "rows": [
                        [_plain(row.get(name)) for name, _ in section.columns]
                        for row in section.rows
                    ],
                }
                for section in sections
            ],
            "generated_at": generated_at,
        },
    )
    data = {
        "family_id": scope.family.pk,
        "generated_at": generated_at.isoformat(),
        "generated_for": scope.requester.email,
        "full_record": scope.full,
        "sections": {
            section.key: [
                {name: _json_value(row.get(name)) for name, _ in section.columns}
                for row in section.rows
            ]
            for section in sections
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.html", report)
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        for section in sections:
            archive.writestr(f"csv/{section.key}.csv", section_csv(section))
    return buffer.getvalue()


def family_export(
    *, family: Family, requester: User, full: bool, request: HttpRequest | None = None
) -> bytes:
    """Compose the ZIP and record that it was made."""
    children = list(family.children.order_by("first_name", "id"))
    content = export_zip(
        ExportScope(family=family, requester=requester, full=full, children=children)
    )
    audit_record(
        request=request,
        user=requester,
        action=AuditEvent.Action.EXPORT,
        record_type="family",
        record_id=family.pk,
        detail="subject access request (full record)" if full else "family download",
    )
    return content
