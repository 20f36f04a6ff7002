"""A fresh id for each form a page draws, so that one tap sent twice (a
double tap, a browser's retry) is recognised by the server as one."""

from uuid import uuid4

from django import template

register = template.Library()


@register.simple_tag
def new_tap_id() -> str:
    return str(uuid4())
