"""Second factors for the demo: the staff accounts (and one parent, to show the
family side) come with an authenticator app already set up on a published
secret, so anyone trying the demo can log in. Safe to run twice."""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from accounts.models import User

# Published in the README and printed by seed_demo: never a real account's.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105
DEMO_MFA_EMAILS = [
    "admin@demo.example",
    "therapist1@demo.example",
    "therapist2@demo.example",
    "parent3@demo.example",
]


def enrol_demo_user(user: User) -> list[str]:
    """TOTP on the demo secret and a set of recovery codes; the unused codes."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return RecoveryCodes.activate(user).get_unused_codes()


def seed(practice) -> None:
    for email in DEMO_MFA_EMAILS:
        user = practice.users.get(email) or User.objects.get(email=email)
        enrol_demo_user(user)


def recovery_codes() -> dict[str, list[str]]:
    """What seed_demo prints: each demo account's unused recovery codes."""
    codes = {}
    for authenticator in Authenticator.objects.filter(
        user__email__in=DEMO_MFA_EMAILS, type=Authenticator.Type.RECOVERY_CODES
    ).select_related("user"):
        codes[authenticator.user.email] = RecoveryCodes(authenticator).get_unused_codes()
    return codes
