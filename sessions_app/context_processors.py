"""What every page's menu needs from the sessions app."""

from django.utils.functional import SimpleLazyObject

from accounts.models import Role
from sessions_app.selectors import unsigned_sessions


def notes_to_sign(request) -> dict:
    """A therapist's count of notes to sign, for the menu: one count, read by
    the partial index of unsigned sessions, and only when a page shows it. A
    page that has counted them already (the caseload) passes its own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != Role.THERAPIST:
        return {}
    return {"notes_to_sign_count": SimpleLazyObject(lambda: unsigned_sessions(user).count())}
