from django import template

from bookings import selectors

register = template.Library()


@register.inclusion_tag("bookings/includes/upcoming.html", takes_context=True)
def upcoming_bookings(context) -> dict:
    """The next few bookings of the signed-in caregiver (for their home page)."""
    user = context["request"].user
    return {"upcoming_bookings": selectors.upcoming_for_home(user), "request": context["request"]}
