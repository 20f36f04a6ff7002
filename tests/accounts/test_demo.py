from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command

from accounts.demo import DEMO_MFA_EMAILS, DEMO_TOTP_SECRET
from tests.accounts.helpers import totp_code


def test_seed_demo_sets_up_two_step_log_in_once(db, capsys):
    call_command("seed_demo", "--force")
    call_command("seed_demo", "--force")
    output = capsys.readouterr().out
    assert output.count(DEMO_TOTP_SECRET) == 2
    for email in DEMO_MFA_EMAILS:
        assert Authenticator.objects.filter(user__email=email, type="totp").count() == 1
        assert Authenticator.objects.filter(user__email=email, type="recovery_codes").count() == 1
        assert f"recovery codes for {email}" in output
        totp = TOTP(Authenticator.objects.get(user__email=email, type="totp"))
        assert totp.validate_code(totp_code())
    assert not Authenticator.objects.filter(user__email="parent1@demo.example").exists()
