from django import forms

from intake.models import IntakeQuestionnaire, Section


def section_form_class(section: Section) -> type[forms.ModelForm]:
    return forms.modelform_factory(
        IntakeQuestionnaire,
        fields=section.fields,
        widgets={name: forms.Textarea(attrs={"rows": 6}) for name in section.fields},
    )
