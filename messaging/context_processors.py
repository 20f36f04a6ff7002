"""The unread count beside "Messages" in the main menu, on every page."""

from django.utils.functional import SimpleLazyObject

from messaging.selectors import unread_count


def unread_messages(request) -> dict:
    """Counted once per page, and only where a page shows the menu to
    someone logged in (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": SimpleLazyObject(lambda: unread_count(user))}
