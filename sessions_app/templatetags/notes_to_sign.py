"""The count beside "Notes to sign" in a therapist's menu."""

from django import template

from sessions_app.selectors import unsigned_sessions

register = template.Library()


@register.simple_tag(takes_context=True)
def notes_to_sign_count(context) -> int:
    """How many of the therapist's past sessions still wait for a signed
    note: one count, read by the partial index of unsigned sessions, unless
    the page has counted them already (the caseload does)."""
    if "unsigned_count" in context:
        return context["unsigned_count"]
    return unsigned_sessions(context["request"].user).count()
