"""Django's `date` filter, telling GMT from BST on the night the clocks go back.

Django leaves the zone out ("T" prints nothing) for a wall-clock time that
happens twice: 01:30 on the last Sunday of October is both 01:30 BST and,
an hour later, 01:30 GMT. But a value from the database is an instant, and
the template engine has already turned it into local time with the right
`fold`, so its zone is known exactly; showing it is what tells a family which
01:30 their appointment is at. Installed as a builtin (settings.TEMPLATES),
so every `|date:"... T"` of the portal, pages and e-mails, uses it.
"""

from datetime import datetime

from django import template
from django.template import defaultfilters
from django.utils import formats, timezone
from django.utils.dateformat import DateFormat

register = template.Library()


class _ZonedDateFormat(DateFormat):
    def T(self) -> str:
        return self.data.tzname() or ""


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return _ZonedDateFormat(value).format(formats.get_format(arg or "DATE_FORMAT"))
    return defaultfilters.date(value, arg)
