import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # allauth's rate limits count by the address the portal's own rule
        # believes (TRUSTED_PROXY_COUNT), like django-axes and the audit trail.
        from accounts.audit import client_ip

        return client_ip(request) or super().get_client_ip(request)

    def is_open_for_signup(self, request) -> bool:
        # Families join through an invitation from the practice or a parent;
        # staff accounts are made by the practice manager.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # Someone who logged in moments ago has just proved who they are:
        # staff sent to set up their second factor straight after the log-in
        # should not be asked for their password a second time.
        request = context.request
        if request is not None and request.user.is_authenticated:
            records = get_authentication_records(request, request.user)
            if records and time.time() - records[-1]["at"] < (
                account_settings.REAUTHENTICATION_TIMEOUT
            ):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        # Staff must keep a second factor: without one the middleware would
        # lock them out of every page anyway. Families may switch it off.
        from allauth.mfa.models import Authenticator

        from accounts.mfa import mfa_required

        if mfa_required(authenticator.user):
            # A lost security key may go, as long as another second factor stays.
            others = (
                Authenticator.objects.filter(user_id=authenticator.user_id)
                .exclude(pk=authenticator.pk)
                .exclude(type=Authenticator.Type.RECOVERY_CODES)
            )
            if not others.exists():
                return False
        return super().can_delete_authenticator(authenticator)
