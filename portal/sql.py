"""Helpers for the few reads written in SQL (where building the query through
the ORM cost more than running it: the child policy, the clinical timeline,
the caseload, the caregiver home's wins).

Table and column names come from the models' `_meta`, values always go as
parameters. SQLite hands dates and times back as the text it keeps when they
come out of a union or a subquery (it knows a column's type only when the
column is read directly): these turn them into what PostgreSQL returns."""

from collections.abc import Sequence
from datetime import UTC, date, datetime

from django.db import connection
from django.utils import timezone


def table(model) -> str:
    """The model's table, quoted for this database."""
    return connection.ops.quote_name(model._meta.db_table)


def instance(model, values: Sequence):
    """A model instance from the values of its concrete fields, in their
    order, converted as the ORM converts what it reads (an aware datetime
    from SQLite, for one)."""
    fields = model._meta.concrete_fields
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def as_date(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def as_datetime(value) -> datetime | None:
    """An aware datetime (SQLite keeps UTC without the offset)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value
