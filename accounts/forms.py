from allauth.account import forms as allauth_forms
from django import forms

from accounts.models import AuditEvent
from core.forms import DateField


class AuditSearchForm(forms.Form):
    user = forms.CharField(label="Person (name or e-mail)", max_length=150, required=False)
    action = forms.ChoiceField(
        choices=[("", "Any action"), *AuditEvent.Action.choices], required=False
    )
    record_type = forms.ChoiceField(label="Record type", choices=[("", "Any")], required=False)
    child = forms.IntegerField(label="Child number", min_value=1, required=False)
    since = DateField(label="From", required=False)
    until = DateField(label="To", required=False)

    def __init__(self, *args, record_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", "Any"), *((t, t) for t in record_types)]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return cleaned


class LockoutLiftForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("pair", "An account at an address"), ("address", "An address")]
    )
    address = forms.CharField(max_length=45)
    account = forms.CharField(max_length=255, required=False)


class LoginForm(allauth_forms.LoginForm):
    """allauth's log-in form, with "remember me" said in words a parent reads
    the same way we mean it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me logged in on this device for 14 days"
            self.fields["remember"].help_text = (
                "Leave this unticked on a shared computer. Staff are always logged out after "
                "30 minutes without activity."
            )
