from datetime import timedelta

from django import forms
from django.utils import timezone

from core.forms import ChoicesByIdField, DateField, DateTimeField
from families.models import Caregiver, Family
from goals.models import Goal, Routine
from sessions_app.models import (
    Addendum,
    Assessment,
    SessionNote,
    StandardisedTest,
    StrategyChange,
    TherapySession,
)


class CaregiverChoiceField(ChoicesByIdField):
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
        field_classes = {"starts_at": DateTimeField}

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
        labels = {"text": "What to add"}
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
        field_classes = {"assessed_on": DateField}
        widgets = {
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

    goals = ChoicesByIdField(
        label="Goals that came of it",
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Agree the goals with the family on the goals page, then tick them here.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["goals"].queryset = Goal.objects.filter(
                child_id=self.instance.child_id
            ).order_by("priority", "id")
            self.initial.setdefault(
                "goals", [link.goal_id for link in self.instance.goal_links.all()]
            )
        else:
            del self.fields["goals"]

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return day


class StandardisedTestForm(forms.ModelForm):
    class Meta:
        model = StandardisedTest
        fields = ["name", "administered_on", "scores", "interpretation"]
        field_classes = {"administered_on": DateField}
        widgets = {
            "scores": forms.Textarea(attrs={"rows": 2}),
            "interpretation": forms.Textarea(attrs={"rows": 2}),
        }


StandardisedTestFormSet = forms.formset_factory(
    StandardisedTestForm, extra=1, can_delete=True, max_num=20
)


class NoteGoalsForm(forms.Form):
    """The child's active goals, each with an optional GAS level for today
    and a short comment; and the active home strategies, each optionally
    marked as changed or retired in the session."""

    def __init__(self, *args, goals=(), strategies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        self.strategies = list(strategies)
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}_level"] = forms.TypedChoiceField(
                label=f"Level today for “{goal.title}”",
                choices=[("", "Not worked on today")]
                + [(level, f"{label}: {words}") for level, label, words in goal.scale],
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.fields[f"goal_{goal.pk}_comment"] = forms.CharField(
                label="What you saw", max_length=300, required=False
            )
        for strategy in self.strategies:
            self.fields[f"strategy_{strategy.pk}_action"] = forms.ChoiceField(
                label=f"“{strategy.title}”",
                choices=[
                    ("", "Carry on as it is"),
                    (StrategyChange.Action.CHANGED, "Changed in this session"),
                    (StrategyChange.Action.RETIRED, "Retire it"),
                ],
                required=False,
            )
            self.fields[f"strategy_{strategy.pk}_detail"] = forms.CharField(
                label="What changed, or why it is retired", max_length=300, required=False
            )

    def goal_rows(self):
        return [
            (goal, self[f"goal_{goal.pk}_level"], self[f"goal_{goal.pk}_comment"])
            for goal in self.goals
        ]

    def strategy_rows(self):
        return [
            (
                strategy,
                self[f"strategy_{strategy.pk}_action"],
                self[f"strategy_{strategy.pk}_detail"],
            )
            for strategy in self.strategies
        ]

    def clean(self):
        cleaned = super().clean()
        for strategy in self.strategies:
            action = cleaned.get(f"strategy_{strategy.pk}_action")
            if action == StrategyChange.Action.CHANGED and not cleaned.get(
                f"strategy_{strategy.pk}_detail"
            ):
                self.add_error(f"strategy_{strategy.pk}_detail", "Say briefly what changed.")
        return cleaned

    def goals_addressed(self) -> list[dict]:
        return [
            {
                "goal": goal,
                "level": self.cleaned_data[f"goal_{goal.pk}_level"],
                "comment": self.cleaned_data[f"goal_{goal.pk}_comment"],
            }
            for goal in self.goals
            if self.cleaned_data.get(f"goal_{goal.pk}_level") is not None
        ]

    def strategy_changes(self) -> list[dict]:
        return [
            {
                "action": self.cleaned_data[f"strategy_{strategy.pk}_action"],
                "strategy": strategy,
                "detail": self.cleaned_data[f"strategy_{strategy.pk}_detail"],
            }
            for strategy in self.strategies
            if self.cleaned_data.get(f"strategy_{strategy.pk}_action")
        ]

    @staticmethod
    def initial_from(note) -> dict:
        if note is None:
            return {}
        initial = {}
        for row in note.goals_addressed.all():
            initial[f"goal_{row.goal_id}_level"] = row.level
            initial[f"goal_{row.goal_id}_comment"] = row.comment
        for change in note.strategy_changes.all():
            if change.strategy_id and change.action != StrategyChange.Action.INTRODUCED:
                initial[f"strategy_{change.strategy_id}_action"] = change.action
                initial[f"strategy_{change.strategy_id}_detail"] = change.detail
        return initial


class NewStrategyForm(forms.Form):
    """A home strategy introduced in the session; the goals app creates it
    when the note is signed."""

    title = forms.CharField(label="New strategy", max_length=150, required=False)
    goal = forms.ModelChoiceField(
        label="The goal it serves", queryset=Goal.objects.none(), required=False
    )
    routine = forms.ChoiceField(
        label="When in the day", choices=[("", "Choose…"), *Routine.choices], required=False
    )
    what_to_do = forms.CharField(
        label="What to do", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.filter(pk__in=[goal.pk for goal in goals])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("title"):
            for name in ("goal", "routine", "what_to_do"):
                if not cleaned.get(name):
                    self.add_error(name, "Needed for a new strategy.")
        return cleaned

    def strategy_changes(self) -> list[dict]:
        if not self.cleaned_data.get("title"):
            return []
        return [{"action": StrategyChange.Action.INTRODUCED, **self.cleaned_data}]

    @staticmethod
    def initial_from(note) -> dict:
        if note is None:
            return {}
        for change in note.strategy_changes.all():
            if change.action == StrategyChange.Action.INTRODUCED:
                return {
                    "title": change.title,
                    "goal": change.goal_id,
                    "routine": change.routine,
                    "what_to_do": change.what_to_do,
                }
        return {}
