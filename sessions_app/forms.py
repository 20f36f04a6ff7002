from datetime import timedelta

from django import forms
from django.utils import timezone

from families.forms import DateInput
from families.models import Caregiver, Family
from sessions_app.models import Addendum, Assessment, SessionNote, StandardisedTest, TherapySession


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CaregiverChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Caregiver) -> str:
        return f"{obj.user} ({obj.get_relationship_display().lower()})"


class SessionForm(forms.ModelForm):
    """Record a session with a child (or a parents-only consultation, by
    unticking the child)."""

    caregivers_attended = CaregiverChoiceField(
        queryset=Caregiver.objects.none(), required=False, label="Who from the family was there"
    )

    class Meta:
        model = TherapySession
        fields = [
            "session_type",
            "starts_at",
            "duration_minutes",
            "location",
            "child_attended",
            "caregivers_attended",
            "others_attended",
        ]
        widgets = {"starts_at": DateTimeInput()}

    def __init__(self, *args, family: Family, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caregivers_attended"].queryset = family.caregivers.select_related(
            "user"
        ).order_by("access_level", "id")
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("starts_at", now)

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at > timezone.now() + timedelta(days=1):
            raise forms.ValidationError("Record a session once it has happened.")
        return starts_at


class SessionNoteForm(forms.ModelForm):
    class Meta:
        model = SessionNote
        fields = ["subjective", "objective", "assessment", "plan", "family_summary"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}


class AddendumForm(forms.ModelForm):
    class Meta:
        model = Addendum
        fields = ["reason", "text"]
        labels = {"text": "Addendum"}
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = [
            "assessed_on",
            "developmental_history",
            "concerns_parent",
            "concerns_school",
            "concerns_other",
            "observed_home",
            "observed_school",
            "observed_clinic",
            "observations",
            "strengths",
            "summary",
            "recommendations",
        ]
        widgets = {
            "assessed_on": DateInput(),
            **{
                name: forms.Textarea(attrs={"rows": 4})
                for name in (
                    "developmental_history",
                    "concerns_parent",
                    "concerns_school",
                    "concerns_other",
                    "observations",
                    "strengths",
                    "summary",
                    "recommendations",
                )
            },
        }

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return day


class StandardisedTestForm(forms.ModelForm):
    class Meta:
        model = StandardisedTest
        fields = ["name", "administered_on", "scores", "interpretation"]
        widgets = {
            "administered_on": DateInput(),
            "scores": forms.Textarea(attrs={"rows": 2}),
            "interpretation": forms.Textarea(attrs={"rows": 2}),
        }


StandardisedTestFormSet = forms.formset_factory(
    StandardisedTestForm, extra=1, can_delete=True, max_num=20
)
