"""Writes for families, children, caseloads and invitations."""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Role, User
from families import tasks
from families.grants import grant_check, grant_notice_queue
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
    Relationship,
    SummaryFrequency,
    SupportingLink,
    scope_flags,
    scope_with_implied,
)
from notifications.models import MobileNumber, PushDevice
from notifications.services import mobile_number_of, opted_out, optout_remove

logger = logging.getLogger(__name__)


class InvitationEmail(StrEnum):
    """What became of an invitation's e-mail by the time the request ends,
    so the page tells the person who invited the truth."""

    SENT = "sent"  # handed to the mail server (tasks run inline)
    QUEUED = "queued"  # with a worker, which retries it
    FAILED = "failed"  # not sent: the invitation stands and can be resent


def _queue_invitation_email(invitation: Invitation, raw_token: str) -> None:
    """Send (or queue) the e-mail once the invitation is committed, and note
    on `invitation.email_status` how that went."""
    invitation.email_status = InvitationEmail.QUEUED

    def send() -> None:
        try:
            tasks.send_invitation_email.delay(invitation_id=invitation.pk, token=raw_token)
        except Exception:  # a lost broker, or (inline) a mail server that refused it
            logger.warning("Could not send the invitation e-mail %s", invitation.pk, exc_info=True)
            invitation.email_status = InvitationEmail.FAILED
            return
        if Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).exists():
            invitation.email_status = InvitationEmail.SENT

    transaction.on_commit(send)


@transaction.atomic
def family_register(
    *,
    by: User,
    family_fields: dict,
    children: Iterable[dict],
    caregiver_email: str,
    caregiver_name: str,
    caregiver_relationship: str,
) -> tuple[Family, Invitation]:
    """Register a household with its children, and invite its first primary
    caregiver (who sets their own password from the e-mailed link)."""
    family = Family.objects.create(**family_fields)
    created_children = [Child.objects.create(family=family, **fields) for fields in children]
    if not created_children:
        raise ValidationError("Add at least one child.")
    invitation = invitation_create(
        family=family,
        by=by,
        email=caregiver_email,
        full_name=caregiver_name,
        relationship=caregiver_relationship,
        access_level=AccessLevel.PRIMARY,
        children=created_children,
    )
    return family, invitation


def family_update(*, family: Family, fields: dict) -> Family:
    for name, value in fields.items():
        setattr(family, name, value)
    family.full_clean()
    family.save()
    return family


def child_add(*, family: Family, fields: dict) -> Child:
    child = Child(family=family, **fields)
    child.full_clean()
    child.save()
    return child


def child_update(*, child: Child, fields: dict) -> Child:
    for name, value in fields.items():
        setattr(child, name, value)
    child.full_clean()
    child.save()
    return child


@transaction.atomic
def caseload_assign(
    *, child: Child, therapist: User, kind: str, starts_on: date, by: User, request=None
) -> CaseloadAssignment:
    if therapist.role != Role.THERAPIST:
        raise ValidationError({"therapist": "Choose one of the practice's therapists."})
    if CaseloadAssignment.objects.filter(
        child=child, therapist=therapist, ends_on__isnull=True
    ).exists():
        raise ValidationError(
            {"therapist": f"{therapist} already works with {child.display_name}."}
        )
    if kind == CaseloadAssignment.Kind.LEAD:
        # A new lead takes over from the old one, who stays on as covering
        # history until the day before.
        for old in CaseloadAssignment.objects.select_for_update().filter(
            child=child, kind=CaseloadAssignment.Kind.LEAD, ends_on__isnull=True
        ):
            old.ends_on = max(old.starts_on, starts_on - timedelta(days=1))
            old.save(update_fields=["ends_on"])
    assignment = CaseloadAssignment.objects.create(
        child=child, therapist=therapist, kind=kind, starts_on=starts_on
    )
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.PERMISSION,
        record_type="caseload",
        record_id=assignment.pk,
        child_id=child.pk,
        detail=f"{therapist.email} assigned as {kind}",
    )
    return assignment


@transaction.atomic
def family_lead_assign(
    *, children: list[Child], therapist: User, starts_on: date, by: User, request=None
) -> list[CaseloadAssignment]:
    """One lead therapist for some children of a family, all or none (the
    step after registering a family)."""
    if not children:
        raise ValidationError({"children": "Choose at least one child."})
    return [
        caseload_assign(
            child=child,
            therapist=therapist,
            kind=CaseloadAssignment.Kind.LEAD,
            starts_on=starts_on,
            by=by,
            request=request,
        )
        for child in children
    ]


def caseload_end(
    *, assignment: CaseloadAssignment, ends_on: date, by: User, request=None
) -> CaseloadAssignment:
    if ends_on < assignment.starts_on:
        raise ValidationError({"ends_on": "The end date cannot be before the start date."})
    assignment.ends_on = ends_on
    assignment.save(update_fields=["ends_on"])
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.PERMISSION,
        record_type="caseload",
        record_id=assignment.pk,
        child_id=assignment.child_id,
        detail=f"{assignment.therapist.email} ends {ends_on.isoformat()}",
    )
    return assignment


def _check_invitation_children(family: Family, access_level: str, children: list[Child]) -> None:
    if any(child.family_id != family.pk for child in children):
        raise ValidationError({"children": "Choose children of this family only."})
    if access_level == AccessLevel.SUPPORTING and not children:
        raise ValidationError({"children": "Choose at least one child they will help with."})


def invitation_create(
    *,
    family: Family,
    by: User,
    email: str,
    full_name: str,
    relationship: str,
    access_level: str,
    children: Iterable[Child],
    scope: Iterable[str] = (),
    request=None,
) -> Invitation:
    """Invite someone to the family: what `by` may grant is checked here,
    whatever the form offered (families.grants), and the family's other
    primary caregivers are told. `scope` is what a supporting caregiver will
    see (and do) of the children beyond goals and home strategies (`Scope`;
    booking for them brings seeing their bookings)."""
    email = email.strip().lower()
    children = list(children)
    scope = scope_with_implied(scope) if access_level == AccessLevel.SUPPORTING else set()
    _check_invitation_children(family, access_level, children)
    grant_check(by=by, family=family, access_level=access_level, children=children, scope=scope)
    if Caregiver.objects.filter(family=family, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already part of the family."})
    if User.objects.filter(email__iexact=email).exclude(role=Role.CAREGIVER).exists():
        raise ValidationError(
            {"email": "This address belongs to a member of staff. Please use a personal address."}
        )
    if family.invitations.pending().filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": "An invitation to this address is already waiting. You can resend it."}
        )
    raw_token, token_hash = Invitation.new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            family=family,
            email=email,
            full_name=full_name.strip(),
            relationship=relationship,
            access_level=access_level,
            **scope_flags(scope),
            invited_by=by,
            token_hash=token_hash,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        invitation.children.set(children)
        audit_record(
            request=request,
            user=by,
            action=AuditEvent.Action.INVITE,
            record_type="invitation",
            record_id=invitation.pk,
            detail=f"{access_level} {relationship} to family {family.pk}"
            + (
                f", seeing {_scope_detail(scope)}" if access_level == AccessLevel.SUPPORTING else ""
            ),
        )
        grant_notice_queue(by=by, family=family, object_type="invitation", object_id=invitation.pk)
        _queue_invitation_email(invitation, raw_token)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User, request=None) -> Invitation:
    """A fresh link and a fresh week; the old link stops working."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ValidationError("This invitation has already been used or withdrawn.")
    # A new link is the grant made again: only by someone who may make it.
    grant_check(
        by=by,
        family=invitation.family,
        access_level=invitation.access_level,
        children=list(invitation.children.all()),
        scope=[flag for flag, given in invitation.scope_flags.items() if given],
    )
    raw_token, token_hash = Invitation.new_token()
    invitation.token_hash = token_hash
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.INVITE,
        record_type="invitation",
        record_id=invitation.pk,
        detail="resent",
    )
    _queue_invitation_email(invitation, raw_token)
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User, request=None) -> Invitation:
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise ValidationError("This invitation has already been used or withdrawn.")
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.INVITE,
        record_type="invitation",
        record_id=invitation.pk,
        detail="withdrawn",
    )
    invitation.refresh_from_db()
    return invitation


class InvitationProblem(Exception):
    """Why an invitation link cannot be used; `reason` picks the page shown."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def invitation_for_token(raw_token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("family", "invited_by")
        .filter(token_hash=Invitation.hash_token(raw_token))
        .first()
    )
    if invitation is None:
        raise InvitationProblem("invalid")
    if invitation.revoked_at is not None:
        raise InvitationProblem("revoked", invitation)
    if invitation.accepted_at is not None:
        raise InvitationProblem("used", invitation)
    if invitation.is_expired:
        raise InvitationProblem("expired", invitation)
    return invitation


@dataclass
class Acceptance:
    caregiver: Caregiver
    user: User
    created_account: bool


@transaction.atomic
def invitation_accept(
    *,
    raw_token: str,
    user: User | None = None,
    full_name: str = "",
    password: str = "",
    request=None,
) -> Acceptance:
    """Use an invitation: for the signed-in `user`, or for a new account made
    from `full_name` and `password`. Single use, even under a double click."""
    invitation = invitation_for_token(raw_token)
    created = False
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationProblem("login_needed", invitation)
    elif user.email.lower() != invitation.email.lower():
        raise InvitationProblem("wrong_account", invitation)
    elif user.role != Role.CAREGIVER:
        raise InvitationProblem("staff_account", invitation)

    # Compare-and-swap: of simultaneous clicks, only one claims the link; the
    # others wait here for it to commit and then find the link used. The
    # account is made only after the claim, so they never race to create it.
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if not claimed:
        raise InvitationProblem("used", invitation)
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email,
                    password=password,
                    full_name=full_name.strip() or invitation.full_name,
                    role=Role.CAREGIVER,
                )
        except IntegrityError:
            # The address got an account a moment ago (another family's
            # invitation, say): the claim is undone with this transaction.
            raise InvitationProblem("login_needed", invitation) from None
        created = True
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)

    caregiver = Caregiver.objects.filter(user=user, family=invitation.family).first()
    if caregiver is None:
        try:
            with transaction.atomic():
                caregiver = Caregiver.objects.create(
                    user=user,
                    family=invitation.family,
                    relationship=invitation.relationship,
                    access_level=invitation.access_level,
                )
        except IntegrityError:
            caregiver = Caregiver.objects.get(user=user, family=invitation.family)
    elif invitation.access_level == AccessLevel.PRIMARY:
        caregiver.access_level = AccessLevel.PRIMARY
        caregiver.save(update_fields=["access_level"])
    if caregiver.access_level == AccessLevel.SUPPORTING:
        caregiver.children.add(*invitation.children.all(), through_defaults=invitation.scope_flags)
    audit_record(
        request=request,
        user=user,
        action=AuditEvent.Action.PERMISSION,
        record_type="caregiver",
        record_id=caregiver.pk,
        detail=f"joined family {invitation.family_id} as {caregiver.access_level}",
    )
    return Acceptance(caregiver=caregiver, user=user, created_account=created)


def _scope_detail(scope: Iterable[str]) -> str:
    """A scope as the audit trail records it: "goals" and the flags given."""
    return "+".join(["goals", *sorted(scope)])


@transaction.atomic
def caregiver_update(
    *,
    caregiver: Caregiver,
    by: User,
    relationship: str,
    access_level: str,
    links: Mapping[Child, Iterable[str]],
    request=None,
) -> Caregiver:
    """Change someone's place in the family: primary, or supporting with, for
    each child they help with, what they see beyond goals and home strategies
    (`links`: child → `Scope` values). It takes effect at once (the policies
    read the links), is audited, and tells the family's other parents when
    it gives more, and the person themselves whenever what they see changes."""
    # Booking for a child brings seeing its bookings, whatever the form posted.
    wanted = {child: scope_with_implied(scope) for child, scope in links.items()}
    children = list(wanted)
    _check_invitation_children(caregiver.family, access_level, children)
    grant_check(
        by=by,
        family=caregiver.family,
        access_level=access_level,
        children=children,
        scope=set().union(*wanted.values()) if access_level == AccessLevel.SUPPORTING else (),
    )
    # Judge by what is stored, not by an instance a form may already have changed.
    stored = Caregiver.objects.select_for_update().get(pk=caregiver.pk)
    before = {link.child_id: set(link.scope) for link in stored.links.all()}
    if stored.is_primary and access_level != AccessLevel.PRIMARY:
        _ensure_another_primary(stored)
    caregiver.relationship = relationship
    caregiver.access_level = access_level
    caregiver.save()
    after = (
        {child.pk: scope for child, scope in wanted.items()}
        if access_level == AccessLevel.SUPPORTING
        else {}
    )
    SupportingLink.objects.filter(caregiver=caregiver).exclude(child_id__in=after).delete()
    for child_id, scope in after.items():
        SupportingLink.objects.update_or_create(
            caregiver=caregiver,
            child_id=child_id,
            defaults=scope_flags(scope),
        )
    event = audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.PERMISSION,
        record_type="caregiver",
        record_id=caregiver.pk,
        detail=f"now {access_level}"
        + "".join(
            f"; child {child_id}: {_scope_detail(scope)}" for child_id, scope in after.items()
        ),
    )
    became_primary = stored.access_level != access_level and access_level == AccessLevel.PRIMARY
    granted_more = became_primary or any(
        child_id not in before or not scope <= before[child_id] for child_id, scope in after.items()
    )
    sees_otherwise = became_primary or (access_level == AccessLevel.SUPPORTING and after != before)
    if granted_more or sees_otherwise:
        # Keyed by the audit event: each change of access is its own notice.
        grant_notice_queue(
            by=by,
            family=caregiver.family,
            object_type="caregiver",
            object_id=caregiver.pk,
            occasion=str(event.pk),
            grantee=caregiver.user,
            tell_grantee=sees_otherwise,
            tell_parents=granted_more,
        )
    return caregiver


def _ensure_another_primary(caregiver: Caregiver) -> None:
    # Lock the family's primaries so two parents cannot remove each other at once.
    primaries = list(
        Caregiver.objects.select_for_update()
        .filter(family_id=caregiver.family_id, access_level=AccessLevel.PRIMARY)
        .values_list("pk", flat=True)
    )
    if primaries == [caregiver.pk]:
        raise ValidationError(
            "Every family needs at least one primary caregiver. Invite another parent or "
            "guardian first."
        )


@transaction.atomic
def caregiver_remove(*, caregiver: Caregiver, by: User, request=None) -> None:
    membership = Caregiver.objects.filter(user=by, family_id=caregiver.family_id).first()
    is_primary_caregiver = membership is not None and membership.is_primary
    if by.role != Role.ADMIN and not is_primary_caregiver:
        raise ValidationError("Only a primary caregiver or the practice can remove someone.")
    if caregiver.is_primary:
        if by.role != Role.ADMIN and caregiver.pk != membership.pk:
            raise ValidationError(
                "Only the practice can remove another primary caregiver. Please get in touch."
            )
        _ensure_another_primary(caregiver)
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.PERMISSION,
        record_type="caregiver",
        record_id=caregiver.pk,
        detail=f"{caregiver.user.email} removed from family {caregiver.family_id}",
    )
    caregiver.delete()


def caregiver_preferences_update(
    *,
    caregiver: Caregiver,
    receives_reminders: bool,
    summary_frequency: str,
    receives_message_nudges: bool | None = None,
    detailed_email_wording: bool | None = None,
    reminders_by_text: bool | None = None,
    reminders_by_push: bool | None = None,
    nudges_by_push: bool | None = None,
    offers_by_push: bool | None = None,
) -> Caregiver:
    """Save one family's choices of how we contact them (the How we contact
    you page): by e-mail, and by text and push where the practice offers them.

    Asking here for an e-mail the person unsubscribed from by a link lifts that
    unsubscribe, or the e-mails would stay stopped whatever the page says. The
    person's other families keep what their page showed (unticked, "Never"):
    the unsubscribe is first written into their choices, as it may be older
    than the link keeping them in step."""
    caregiver.receives_reminders = receives_reminders
    caregiver.summary_frequency = summary_frequency
    fields = ["receives_reminders", "summary_frequency"]
    if receives_message_nudges is not None:
        caregiver.receives_message_nudges = receives_message_nudges
        fields.append("receives_message_nudges")
    if detailed_email_wording is not None:
        caregiver.detailed_email_wording = detailed_email_wording
        fields.append("detailed_email_wording")
    if reminders_by_text is not None:
        if reminders_by_text and not mobile_number_of(caregiver.user):
            raise ValidationError({"reminders_by_text": "Add your mobile number first."})
        caregiver.reminders_by_text = reminders_by_text
        fields.append("reminders_by_text")
    for name, chosen in (
        ("reminders_by_push", reminders_by_push),
        ("nudges_by_push", nudges_by_push),
        ("offers_by_push", offers_by_push),
    ):
        if chosen is not None:
            setattr(caregiver, name, chosen)
            fields.append(name)
    caregiver.full_clean()
    email = caregiver.user.email
    with transaction.atomic():
        if receives_reminders and opted_out(email, REMINDER_EMAIL):
            caregiver_reminders_stop(email=email)
            optout_remove(email=email, kind=REMINDER_EMAIL)
        if summary_frequency != SummaryFrequency.OFF and opted_out(email, SUMMARY_EMAIL):
            caregiver_summaries_stop(email=email)
            optout_remove(email=email, kind=SUMMARY_EMAIL)
        if receives_message_nudges and opted_out(email, NUDGE_EMAIL):
            caregiver_nudges_stop(email=email)
            optout_remove(email=email, kind=NUDGE_EMAIL)
        caregiver.save(update_fields=fields)
    return caregiver


# The kinds' hooks (notifications.registry): unsubscribing by an e-mail's link,
# and "send them again", change the choice in every family of the person with
# that address, so the E-mail choices page shows what is really sent.


def _memberships_of(email: str) -> QuerySet[Caregiver]:
    return Caregiver.objects.filter(user__email__iexact=email)


def caregiver_reminders_stop(*, email: str) -> None:
    _memberships_of(email).filter(receives_reminders=True).update(receives_reminders=False)


def caregiver_reminders_restart(*, email: str) -> None:
    _memberships_of(email).filter(receives_reminders=False).update(receives_reminders=True)


def caregiver_nudges_stop(*, email: str) -> None:
    _memberships_of(email).filter(receives_message_nudges=True).update(
        receives_message_nudges=False
    )


def caregiver_nudges_restart(*, email: str) -> None:
    _memberships_of(email).filter(receives_message_nudges=False).update(
        receives_message_nudges=True
    )


def caregiver_summaries_stop(*, email: str) -> None:
    _memberships_of(email).exclude(summary_frequency=SummaryFrequency.OFF).update(
        summary_frequency=SummaryFrequency.OFF
    )


def caregiver_summaries_restart(*, email: str) -> None:
    """Back to the practice's usual frequency where they are off; a family
    still on its own frequency keeps it."""
    _memberships_of(email).filter(summary_frequency=SummaryFrequency.OFF).update(
        summary_frequency=Caregiver._meta.get_field("summary_frequency").get_default()
    )


__all__ = [
    "Acceptance",
    "InvitationProblem",
    "Relationship",
    "caregiver_nudges_restart",
    "caregiver_nudges_stop",
    "caregiver_preferences_update",
    "caregiver_reminders_restart",
    "caregiver_reminders_stop",
    "caregiver_remove",
    "caregiver_summaries_restart",
    "caregiver_summaries_stop",
    "caregiver_update",
    "caseload_assign",
    "caseload_end",
    "child_add",
    "child_purge",
    "child_update",
    "consent_give",
    "consent_withdraw",
    "email_question_answer",
    "family_erase_contact_data",
    "family_register",
    "family_update",
    "invitation_accept",
    "invitation_create",
    "invitation_for_token",
    "invitation_resend",
    "invitation_revoke",
]


# --- Consent ------------------------------------------------------------------


def consent_give(*, family: Family, kind: str, by: User, request=None) -> Consent:
    if kind not in ConsentKind.values:
        raise ValidationError("Choose one of the listed consents.")
    try:
        with transaction.atomic():
            consent = Consent.objects.create(family=family, kind=kind, given_by=by)
    except IntegrityError:
        # Already given (a double click, or two parents at once): nothing to do.
        return Consent.objects.current().get(family=family, kind=kind)
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.CONSENT,
        record_type="consent",
        record_id=consent.pk,
        detail=f"{kind} given for family {family.pk}",
    )
    return consent


def consent_withdraw(*, family: Family, kind: str, by: User, request=None) -> bool:
    """Withdraw at once: from the next query on, consent_given() says no.
    Returns False when there was nothing to withdraw."""
    if kind not in ConsentKind.values:
        raise ValidationError("Choose one of the listed consents.")
    withdrawn = Consent.objects.current().filter(family=family, kind=kind)
    consent_ids = list(withdrawn.values_list("pk", flat=True))
    if not withdrawn.update(withdrawn_at=timezone.now(), withdrawn_by=by):
        return False
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.CONSENT,
        record_type="consent",
        record_id=consent_ids[0] if consent_ids else "",
        detail=f"{kind} withdrawn for family {family.pk}",
    )
    return True


def email_question_answer(*, family: Family, by: User, answer: str, request=None) -> Consent | None:
    """Today's question to a primary caregiver whose family has never
    answered: may we e-mail you about the children's therapy? "yes" gives
    the family's consent (recorded and audited as on the consents page);
    "not_now" asks this person again after EMAIL_QUESTION_HIDDEN_FOR, unless
    the family answers on the consents page first. Who may answer is the
    view's to check (families.permissions)."""
    if answer == "yes":
        return consent_give(family=family, kind=ConsentKind.EMAIL_CONTACT, by=by, request=request)
    if answer == "not_now":
        Caregiver.objects.filter(family=family, user=by).update(
            email_question_postponed_at=timezone.now()
        )
        return None
    raise ValidationError("Please answer Yes or Not now.")


# --- Erasure and retention ----------------------------------------------------


ERASED_EMAIL_DOMAIN = "erased.invalid"


@transaction.atomic
def family_erase_contact_data(*, family: Family, by: User, request=None) -> int:
    """An erasure request: remove the family's contact details and close the
    caregivers' accounts, keeping the children's clinical record (which the
    practice must keep until the retention date, families.retention).

    A caregiver who also belongs to another family keeps their account and
    loses only this membership. Returns how many accounts were closed.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    family.name = f"Family {family.pk} (contact details erased)"
    family.address = ""
    family.postcode = ""
    family.phone = ""
    family.email = ""
    family.notes_for_practice = ""
    family.save()
    family.invitations.pending().update(revoked_at=timezone.now())
    family.invitations.update(email=f"invitation@{ERASED_EMAIL_DOMAIN}", full_name="Erased")

    memberships = list(Caregiver.objects.filter(family=family).select_related("user"))
    elsewhere = set(
        Caregiver.objects.filter(user__in=[m.user_id for m in memberships])
        .exclude(family=family)
        .values_list("user_id", flat=True)
    )
    closed = []
    for membership in memberships:
        user = membership.user
        if user.pk in elsewhere or user.role != Role.CAREGIVER:
            membership.delete()
            continue
        user.email = f"user{user.pk}@{ERASED_EMAIL_DOMAIN}"
        user.full_name = "Former caregiver"
        user.phone = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        closed.append(user.pk)
    EmailAddress.objects.filter(user_id__in=closed).delete()
    Authenticator.objects.filter(user_id__in=closed).delete()
    # A closed account's mobile number and devices go too: nothing more is sent.
    MobileNumber.objects.filter(user_id__in=closed).delete()
    PushDevice.objects.filter(user_id__in=closed).delete()
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.CHANGE,
        record_type="family",
        record_id=family.pk,
        detail=f"erasure: contact details removed, {len(closed)} accounts closed",
    )
    return len(closed)


def child_purge(*, child: Child, by: User, request=None) -> dict[str, int]:
    """Destroy a child's record once its retention date has passed: everything
    the rule covers, in every app (families.retention.destroyers: sessions,
    signed notes and assessments, uploaded files; then the child with its
    goals, strategies, logs, wins, messages, bookings' link to them, intake and
    reports), in one transaction, audited with how much went. The audit trail
    itself stays: it names the child only by number. Returns what went, by kind."""
    from django.db.models import ProtectedError

    from families.retention import destroyers, is_past_retention, retention_until

    if not is_past_retention(child):
        raise ValidationError(
            f"{child.display_name}'s record must be kept until {retention_until(child):%-d %B %Y}."
        )
    child_id, family_id = child.pk, child.family_id
    destroyed: dict[str, int] = {}
    try:
        with transaction.atomic():
            for destroy in destroyers():
                for kind, count in destroy(child).items():
                    destroyed[kind] = destroyed.get(kind, 0) + count
            _, cascaded = child.delete()
            for kind, count in cascaded.items():
                destroyed[kind] = destroyed.get(kind, 0) + count
            destroyed = {kind: count for kind, count in sorted(destroyed.items()) if count}
            # The audit line has room for the clinical record first, briefly.
            clinical = sorted(destroyed, key=lambda kind: not kind.startswith("sessions_app."))
            summary = f"{sum(destroyed.values())} rows and files: " + ", ".join(
                f"{destroyed[kind]} {kind.rsplit('.', 1)[-1]}" for kind in clinical
            )
            audit_record(
                request=request,
                user=by,
                action=AuditEvent.Action.DELETE,
                record_type="child",
                record_id=child_id,
                child_id=child_id,
                detail=f"record destroyed after retention (family {family_id}): {summary}",
            )
    except ProtectedError as error:
        # A kind of record no app has registered a destroyer for yet.
        logger.error("Child %s could not be destroyed: %s", child_id, error)
        raise ValidationError(
            "Some of this child's records could not be destroyed. Nothing was deleted; please "
            "tell the team that looks after the portal."
        ) from error
    return destroyed
