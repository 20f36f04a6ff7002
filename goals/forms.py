"""Input checks for the goals pages. Services check the rest (dates against
today, goals of the right child) and views put their errors by the field."""

from django import forms
from django.utils import timezone

from core.forms import ChoicesByIdField, DateField
from goals.models import (
    STRATEGY_FIELDS,
    FamilyRating,
    Goal,
    GoalStatus,
    HomeStrategy,
    Outcome,
    StrategyTemplate,
)
from goals.services import GOAL_FIELDS

FUTURE_DATE = "This date is in the future. Choose today or an earlier day."


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(FUTURE_DATE)
    return value


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = GOAL_FIELDS
        widgets = {
            "baseline": forms.Textarea(attrs={"rows": 2}),
            "therapist_notes": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = dict.fromkeys(
            ["target_date", "review_date", "agreed_with_family_on"], DateField
        )

    def clean_agreed_with_family_on(self):
        return _not_future(self.cleaned_data.get("agreed_with_family_on"))


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(choices=GoalStatus.choices)


LEVEL_CHOICES = [(2, "+2"), (1, "+1"), (0, "0"), (-1, "−1"), (-2, "−2")]


class ProgressRatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label="Which comes closest to how it looked?",
        coerce=int,
        choices=LEVEL_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose the one that comes closest."},
    )
    rated_on = DateField(label="Date", initial=timezone.localdate)
    note = forms.CharField(
        label="What you noticed (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, goal: Goal, in_words: bool = True, **kwargs):
        """`in_words`: the levels as families read them (GAS_LEVEL_WORDS);
        the therapist's form keeps −2…+2 beside them."""
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            (level, f"{words}{'' if in_words else f' ({number})'}: {text}")
            for level, number, words, text in goal.scale_in_words
        ]

    def clean_rated_on(self):
        return _not_future(self.cleaned_data["rated_on"])


ONE_TO_TEN = "Choose a number from 1 to 10."


def _one_to_ten_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": ONE_TO_TEN,
            "max_value": ONE_TO_TEN,
            "invalid": ONE_TO_TEN,
            "required": ONE_TO_TEN,
        },
    )


class FamilyRatingForm(forms.ModelForm):
    performance = _one_to_ten_field("How well does it go? (1 to 10)")
    satisfaction = _one_to_ten_field("How happy are you with it? (1 to 10)")

    class Meta:
        model = FamilyRating
        fields = ["kind", "rated_on", "performance", "satisfaction"]
        field_classes = {"rated_on": DateField}

    def __init__(self, *args, for_therapist: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rated_on"].initial = timezone.localdate
        if for_therapist:
            # The therapist records the family's ratings in clinical words.
            self.fields["performance"].label = "Performance, as the family rates it (1 to 10)"
            self.fields["satisfaction"].label = "Satisfaction, as the family rates it (1 to 10)"

    def clean_rated_on(self):
        return _not_future(self.cleaned_data["rated_on"])


class StrategyForm(forms.ModelForm):
    """The goals offered are the child's own, but the service checks again:
    a strategy never serves another child's goal."""

    goals = ChoicesByIdField(
        queryset=Goal.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Goals it serves",
        error_messages={
            "required": "Choose at least one of this child's goals.",
            "invalid_choice": "Choose only this child's goals: a strategy serves one child.",
            "invalid_pk_value": "Choose only this child's goals: a strategy serves one child.",
        },
    )

    class Meta:
        model = HomeStrategy
        fields = [*STRATEGY_FIELDS, "goals"]
        widgets = {
            "what_to_do": forms.Textarea(attrs={"rows": 3}),
            "why_it_helps": forms.Textarea(attrs={"rows": 2}),
            "hard_day_tip": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = goals


class PracticeLogForm(forms.Form):
    outcome = forms.ChoiceField(
        label="How did it go?", choices=Outcome.choices, widget=forms.RadioSelect
    )
    practised_on = DateField(label="Date", initial=timezone.localdate)
    note = forms.CharField(
        label="Anything to tell the therapist? (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_practised_on(self):
        return _not_future(self.cleaned_data["practised_on"])


class QuickPracticeForm(forms.Form):
    """The one-tap button: the outcome only, today's date. `client_id` is the
    id given to this one tap (a new one each time the card is drawn, or the
    one a phone without a connection chose, static/js/companion.js), so the
    same tap sent twice logs once (goals.services.practice_log_add). A log
    queued offline also brings the day it was made."""

    outcome = forms.ChoiceField(choices=Outcome.choices)
    practised_on = DateField(required=False)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean_practised_on(self):
        value = self.cleaned_data["practised_on"]
        return _not_future(value) if value else None


class WinForm(forms.Form):
    text = forms.CharField(
        label="What happened?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Big or small: it all counts.",
    )
    goal = forms.ModelChoiceField(
        queryset=Goal.objects.none(), required=False, label="Goal it links to (optional)"
    )
    photo = forms.FileField(
        label="A photo (optional)",
        required=False,
        help_text="Seen only by the people who see the win. Where it was taken and other "
        "hidden details are removed.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    # The id the page gave this form, so that one tap sent twice shares once.
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, goals, photo_allowed: bool = False, **kwargs):
        """`photo_allowed`: whether the family's consent to photos stands now;
        without it there is no photo field (and the service refuses a photo
        sent anyway)."""
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goals
        if not photo_allowed:
            del self.fields["photo"]


class SinceForm(forms.Form):
    since = DateField(label="Practice since", required=False)

    def clean_since(self):
        return _not_future(self.cleaned_data.get("since"))


class TemplateChoiceForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=StrategyTemplate.objects.order_by("routine", "title"),
        label="Start from the practice library",
        required=False,
    )
