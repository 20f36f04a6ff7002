from django import forms

from core.forms import DateField
from reports.models import ReportShare


class PeriodForm(forms.Form):
    start = DateField(label="From", required=False)
    end = DateField(label="To", required=False)


class ShareForm(forms.ModelForm):
    class Meta:
        model = ReportShare
        fields = ["recipient_kind", "recipient_email"]
        widgets = {"recipient_kind": forms.RadioSelect}

    def __init__(self, *args, allowed: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = allowed or []
        # With one recipient agreed to, there is nothing to choose.
        self.fields["recipient_kind"].required = False
        if allowed is not None:
            # Offer only the recipients the family has agreed to.
            self.fields["recipient_kind"].choices = [
                (value, label) for value, label in ReportShare.Recipient.choices if value in allowed
            ]
            if allowed:
                self.fields["recipient_kind"].initial = allowed[0]

    def clean_recipient_kind(self) -> str:
        chosen = self.cleaned_data.get("recipient_kind")
        return chosen or (self.allowed[0] if self.allowed else "")

    def clean(self):
        cleaned = super().clean()
        if not self.allowed:
            self.add_error(
                None,
                "Your family has not agreed to sharing progress with the school or the doctor. "
                "A parent can change this under consents.",
            )
        return cleaned


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=150, label="Title the family will see")
    file = forms.FileField(
        label="PDF file", widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )
