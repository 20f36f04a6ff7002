"""Every date a person can send is held to a sane range (a date of 9999-12-31
in a form or an address once gave 500s): each date field of every form of the
portal is one of core.forms' bounded fields."""

import importlib
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.conf import settings

from core import forms as formtools

pytestmark = pytest.mark.django_db


def _portal_forms() -> list[type[forms.BaseForm]]:
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)):
            continue
        for module in pkgutil.iter_modules([config.path]):
            if module.name == "forms":
                importlib.import_module(f"{config.name}.forms")
    found, waiting = [], [forms.Form, forms.ModelForm]
    while waiting:
        cls = waiting.pop()
        for sub in cls.__subclasses__():
            waiting.append(sub)
            if sub.__module__.split(".")[0] in {c.name for c in apps.get_app_configs()}:
                found.append(sub)
    return found


def test_the_walk_finds_the_forms_it_must():
    names = {cls.__name__ for cls in _portal_forms()}
    assert {"DiaryFilterForm", "AuditSearchForm", "ChildForm", "GoalForm"} <= names


def test_every_date_field_of_every_form_is_bounded():
    loose = []
    for cls in _portal_forms():
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.DateField | forms.DateTimeField) and not isinstance(
                field, formtools.DateField | formtools.DateTimeField
            ):
                loose.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert loose == []


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "1899-12-31", "2100-01-01"])
def test_a_date_out_of_range_is_refused_with_a_clear_message(typed):
    field = formtools.DateField()
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(typed)
    assert refused.value.messages == [formtools.OUT_OF_RANGE]


@pytest.mark.parametrize("typed", ["1900-01-01", "2099-12-31", "2027-10-31"])
def test_dates_in_range_are_taken(typed):
    assert formtools.DateField().clean(typed).isoformat() == typed


def test_a_date_and_time_out_of_range_is_refused():
    with pytest.raises(forms.ValidationError):
        formtools.DateTimeField().clean("9999-12-31T10:00")
