"""Form helpers every app's views and forms share: the browser's date pickers and
showing a service's errors next to their fields (the ground floor)."""

from datetime import date, datetime

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


# Every date a person can send is held to these: a practice has no business
# before 1900 or after 2099, and a date near the ends of Python's calendar
# (9999-12-31 plus a week) cannot even be computed with.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2099, 12, 31)
OUT_OF_RANGE = "Please choose a date between 1 January 1900 and 31 December 2099."


def date_in_range(value: date | datetime | None) -> None:
    """The validator that holds a form's date to EARLIEST_DATE..LATEST_DATE."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")


class DateField(forms.DateField):
    """A date typed or picked in a form (the browser's picker), held to a sane
    range. Every date field of the portal's forms is one of these or a
    DateTimeField below (tests/test_dates_in_range.py walks them)."""

    widget = DateInput
    default_validators = [date_in_range]


class DateTimeField(forms.DateTimeField):
    """A British wall-clock date and time (the form's time zone is the current
    one, which the settings make London), held to a sane range."""

    widget = DateTimeInput
    default_validators = [date_in_range]

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)


def day_from_query(value: str | None, default: date) -> date:
    """A day named in a query string (`?from=2027-01-04`), or `default` when
    it is missing, malformed or out of range: such values come from links
    and edited addresses, and a page of the wrong day is better than none."""
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if EARLIEST_DATE <= day <= LATEST_DATE else default


def valid_filters(form: forms.Form) -> dict:
    """The values of a filter form's valid fields: a filter keeps every part
    that is valid and ignores the rest, and the form re-renders with an error
    next to the part it ignored. (A wrong therapist in the diary's address
    must not also throw away the date and the view.)"""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {name: value for name, value in form.cleaned_data.items() if name not in form.errors}


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


def searchable(filter_label: str) -> forms.Select:
    """A plain select that static/js/searchable_select.js gives a text box to
    narrow its options when the list is long (a large practice's families).
    Without script it is an ordinary select."""
    return forms.Select(attrs={"data-searchable": filter_label})
