from django import template

from bookings import selectors
from bookings.forms import PLAIN_WIDGETS

register = template.Library()


@register.inclusion_tag("bookings/includes/upcoming.html", takes_context=True)
def upcoming_bookings(context) -> dict:
    """The next few bookings of the signed-in caregiver (for their home page)."""
    user = context["request"].user
    return {"upcoming_bookings": selectors.upcoming_for_home(user), "request": context["request"]}


@register.simple_tag
def plain_widget(field: dict) -> str:
    """A form field drawn from the plain values of bookings.forms.plain_fields,
    by the same widget and in the same markup as the form itself draws it."""
    widget_class = PLAIN_WIDGETS[field["widget"]]
    widget = widget_class(choices=field["choices"]) if "choices" in field else widget_class()
    return widget.render(field["name"], field["value"], attrs=field["attrs"])
