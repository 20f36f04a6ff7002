"""Audit events for what happens inside Django and allauth: log-ins, failed
log-ins and second-factor changes. These are the only signal receivers of the
portal: the events come from library code we cannot call a service from."""

from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from accounts import mfa
from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from accounts.throttling import login_identifier


@receiver(auth_signals.user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    audit_record(
        request=request,
        user=user,
        action=AuditEvent.Action.LOGIN,
        record_type="user",
        record_id=user.pk,
    )
    # Whether a family member has a second factor is looked up once, here,
    # rather than on their first page (see MFARequiredMiddleware).
    session = getattr(request, "session", None)
    if session is not None and not mfa.mfa_required(user) and not mfa.has_authenticator(user):
        session[mfa.NO_AUTHENTICATOR_SESSION_KEY] = user.pk


@receiver(auth_signals.user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    typed = login_identifier(request, credentials)
    # Linked to the account when there is one, for the admin's search; the
    # person at the keyboard never learns whether it exists.
    user = User.objects.filter(email__iexact=typed).first() if typed else None
    audit_record(
        request=request,
        user=user,
        action=AuditEvent.Action.LOGIN_FAILED,
        record_type="user",
        record_id=user.pk if user else "",
        detail=f"wrong password for {typed}"[:300],
    )


def _audit_mfa(request, user, authenticator, what: str) -> None:
    audit_record(
        request=request,
        user=user,
        action=AuditEvent.Action.MFA,
        record_type="authenticator",
        record_id=authenticator.pk or "",
        detail=f"{authenticator.get_type_display()} {what}",
    )


@receiver(mfa_signals.authenticator_added)
def audit_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    _audit_mfa(request, user, authenticator, "added")
    # They have just typed a valid code from the new authenticator: that is the
    # second factor for this session, no need to ask again straight away.
    if (
        authenticator.type != Authenticator.Type.RECOVERY_CODES
        and request is not None
        and getattr(request, "user", None) == user
    ):
        mfa.mark_session_passed_mfa(request, user, id=authenticator.pk, type=authenticator.type)


@receiver(mfa_signals.authenticator_removed)
def audit_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    _audit_mfa(request, user, authenticator, "removed")


@receiver(mfa_signals.authenticator_reset)
def audit_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    _audit_mfa(request, user, authenticator, "renewed")


@receiver(mfa_signals.authentication_failed)
def audit_mfa_failed(sender, request, user, authenticator=None, **kwargs) -> None:
    audit_record(
        request=request,
        user=user,
        action=AuditEvent.Action.LOGIN_FAILED,
        record_type="user",
        record_id=user.pk,
        detail="wrong second-factor code",
    )
