"""Django's `date` filter, telling GMT from BST on the night the clocks go back.

Django leaves the zone out ("T" prints nothing) for a wall-clock time that
happens twice: 01:30 on the last Sunday of October is both 01:30 BST and,
an hour later, 01:30 GMT. But a value from the database is an instant, and
the template engine has already turned it into local time with the right
`fold`, so its zone is known exactly; showing it is what tells a family which
01:30 their appointment is at. Installed as a builtin (settings.TEMPLATES),
so every `|date:"... T"` of the portal, pages and e-mails, uses it.

Both filters format through core.dates, which gives Django's output at a
fraction of its cost (a caseload or a goals page draws hundreds of dates);
core.jinja2 offers the same two to the Jinja2 templates.
"""

from datetime import date as date_type
from datetime import datetime

from django import template
from django.template import defaultfilters
from django.utils import formats, timezone

from core.dates import format_date

register = template.Library()


def format_string(arg: str | None, default: str) -> str:
    """What Django's filters format with: a format string, or the setting it names."""
    if arg and arg not in formats.FORMAT_SETTINGS:
        return arg
    return formats.get_format(arg or default)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    if isinstance(value, date_type):
        aware = isinstance(value, datetime) and timezone.is_aware(value)
        return format_date(value, format_string(arg, "DATE_FORMAT"), zoned=aware)
    return defaultfilters.date(value, arg)


def happens_twice(value: datetime) -> bool:
    """Whether this wall-clock time happens twice (01:00–01:59 on the night
    the clocks go back): the same time on the other pass has another offset."""
    return value.replace(fold=1 - value.fold).utcoffset() != value.utcoffset()


@register.filter(expects_localtime=True, is_safe=False)
def uk_time(value, arg=None):
    """A time as families read it: "Tuesday 15 December, 10:00", the page
    saying once that its times are UK time, instead of "GMT" after each. The
    zone is named only for a time in the hour that happens twice ("01:30 BST",
    then "01:30 GMT"), where without it the time would be ambiguous."""
    if not (isinstance(value, datetime) and timezone.is_aware(value)):
        return defaultfilters.date(value, arg)
    text = format_date(value, format_string(arg, "DATETIME_FORMAT"), zoned=False)
    return f"{text} {value.tzname()}" if happens_twice(value) else text
