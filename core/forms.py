"""Form helpers every app's views and forms share: the browser's date pickers and
showing a service's errors next to their fields (the ground floor)."""

from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    """The browser's date picker, with the ISO value it expects."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker, with the value it expects."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to the field it names, or above
    the form, so the page re-renders with everything the person typed."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ChoicesByIdField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows by id that also turns away ids no database
    column can hold: PostgreSQL finds no row, but SQLite raises OverflowError
    (found by the fuzz test). Such an id is simply not one of the choices."""

    def _check_values(self, value):
        for candidate in value:
            try:
                number = int(str(candidate))
            except ValueError:
                continue  # not a number at all: Django's own check words it
            if not -(2**63) <= number < 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": candidate},
                )
        return super()._check_values(value)
