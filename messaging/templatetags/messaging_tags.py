from django import template

register = template.Library()


@register.filter
def can_change(message, user) -> bool:
    return message.can_change(user)
