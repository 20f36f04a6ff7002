"""The Jinja2 environment for the portal's hot read-only partials.

Django's template language draws the page frame, the forms and everything
allauth shows; a few long, read-only parts of busy pages (a goal's chart and
ratings, the caseload's rows, the family's booking cards) are Jinja2, which
compiles a template to Python and draws them for a fraction of the cost
(measured per page: README, "Performance").
Pages include them with `{% jinja %}` (core/templatetags/jinja.py).

What a Jinja2 partial writes must read exactly as Django's would, so that a
part can move between the two without a page changing:

- every value is written as Django's template language writes it (`finalize`):
  escaped by Django's own escape (`&#x27;`, not `&#39;`), an aware datetime
  in the current time zone, numbers with the language's decimal separator;
- `date` and `uk_time` are the portal's own filters (core.templatetags.zoned_dates),
  and the Django filters the partials use keep Django's behaviour (`add`,
  `pluralize`, `capfirst`, `join`, `linebreaksbr`, `truncatewords`, `lower`);
- `url()` is Django's reverse (the address of a view whose one argument is an
  id reversed once and the id filled in, core.links), `static()` Django's;
- a name the context does not hold is an error (StrictUndefined), in the tests
  as in production, rather than an empty string nobody notices.
"""

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from jinja2 import Environment, StrictUndefined, pass_eval_context

from core.links import url_with_id
from core.templatetags import zoned_dates


@lru_cache(maxsize=16)
def _decimal_separator(language: str | None) -> str:
    return formats.get_format("DECIMAL_SEPARATOR", language)


def _number(value: int | float) -> str:
    """A number as Django's template language writes it (formats.localize)."""
    if isinstance(value, bool) or settings.USE_THOUSAND_SEPARATOR:
        return str(formats.localize(value))
    text = str(value)
    if isinstance(value, int):
        return text
    if "e" in text or "n" in text:  # 1e-05, inf, nan: Django's own rules
        return formats.localize(value)
    separator = _decimal_separator(get_language())
    return text if separator == "." else text.replace(".", separator)


def as_django_writes(value) -> str:
    """Jinja2's `finalize`: every value printed as Django's
    render_value_in_context prints it, escaped once by Django's escape.
    Jinja2 then escapes what comes back unless it is marked safe; for text
    without quotes its escape and Django's write the same, and its own is
    the faster, so such text is left to it."""
    kind = type(value)
    if kind is str:
        return conditional_escape(value) if "'" in value or '"' in value else value
    if kind is int or kind is float:
        return _number(value)
    if isinstance(value, datetime | date | Decimal):
        return conditional_escape(formats.localize(timezone.template_localtime(value)))
    return conditional_escape(value)


def _in_local_time(value):
    """What Django's template language hands a filter marked expects_localtime."""
    return timezone.template_localtime(value)


def date_filter(value, arg=None):
    if value is None:
        return ""
    return zoned_dates.date(_in_local_time(value), arg)


def uk_time(value, arg=None):
    if value is None:
        return ""
    return zoned_dates.uk_time(_in_local_time(value), arg)


def url(viewname: str, *args, **kwargs) -> str:
    if len(args) == 1 and not kwargs and isinstance(args[0], int):
        return url_with_id(viewname, args[0])
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


@pass_eval_context
def join(eval_ctx, value, arg: str) -> SafeString:
    """Django's `join`: each item escaped by Django's escape."""
    return defaultfilters.join(value, arg, autoescape=eval_ctx.autoescape)


@pass_eval_context
def linebreaksbr(eval_ctx, value) -> SafeString:
    return defaultfilters.linebreaksbr(value, autoescape=eval_ctx.autoescape)


def environment(**options) -> Environment:
    options["undefined"] = StrictUndefined
    options["finalize"] = as_django_writes
    # Escaping is on whatever the settings say: the partials print families' words.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals.update(static=static, url=url)
    env.filters.update(
        date=date_filter,
        uk_time=uk_time,
        add=defaultfilters.add,
        pluralize=defaultfilters.pluralize,
        capfirst=defaultfilters.capfirst,
        lower=defaultfilters.lower,
        truncatewords=defaultfilters.truncatewords,
        join=join,
        linebreaksbr=linebreaksbr,
    )
    return env
