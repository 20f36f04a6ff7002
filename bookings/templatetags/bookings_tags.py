from django import template

from bookings.forms import PLAIN_WIDGETS

register = template.Library()


@register.simple_tag
def plain_widget(field: dict) -> str:
    """A form field drawn from the plain values of bookings.forms.plain_fields,
    by the same widget and in the same markup as the form itself draws it."""
    widget_class = PLAIN_WIDGETS[field["widget"]]
    widget = widget_class(choices=field["choices"]) if "choices" in field else widget_class()
    return widget.render(field["name"], field["value"], attrs=field["attrs"])
