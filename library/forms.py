from django import forms

from core.forms import searchable
from families.permissions import children_for, families_for
from goals.models import Area, HomeStrategy


class AreaFilterForm(forms.Form):
    area = forms.ChoiceField(
        label="OT area", required=False, choices=[("", "All areas"), *Area.choices]
    )


class ShareForm(forms.Form):
    family = forms.ModelChoiceField(
        label="Share with", queryset=None, widget=searchable("Find a family")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = families_for(user).order_by("name")


class LinkForm(forms.Form):
    strategy = forms.ModelChoiceField(
        label="Link to a home strategy",
        queryset=None,
        widget=searchable("Find a child or strategy"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy"].queryset = (
            HomeStrategy.objects.filter(child__in=children_for(user), retired_on__isnull=True)
            .select_related("child")
            .order_by("child__first_name", "title")
        )
        self.fields["strategy"].label_from_instance = lambda s: f"{s.child.display_name}: {s.title}"
