from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Families join through an invitation from the practice or a parent;
        # staff accounts are made by the practice manager.
        return False
