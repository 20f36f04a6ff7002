from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Families join through an invitation from the practice or a parent;
        # staff accounts are made by the practice manager.
        return False


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        # Staff must keep their second factor: without it the middleware would
        # lock them out of every page anyway. Families may switch it off.
        from accounts.mfa import mfa_required

        if mfa_required(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
