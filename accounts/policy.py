"""Role checks shared by every app. Object-level scoping lives in each app's
permissions module; this holds only what depends on the account alone."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Role


def role_required(*roles: str) -> Callable:
    """Only these roles may use the view; anyone else gets a 404, as for an
    object that is not theirs, so that staff pages do not announce themselves."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role not in roles:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(Role.THERAPIST, Role.ADMIN)
admin_required = role_required(Role.ADMIN)
therapist_required = role_required(Role.THERAPIST)


# The header static/js/sw.js looks for before keeping a copy of a page.
OFFLINE_HEADER = "X-Offline-Readable"


def offline_readable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page a parent or carer may read on their phone without a connection
    (their home, this week at home). The service worker keeps a copy of a
    page that carries OFFLINE_HEADER in the browser's Cache Storage on that
    device, and the page script empties it at log-out. Families' pages only:
    a member of staff's pages hold many families' records."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return mark_offline_readable(request, view(request, *args, **kwargs))

    return wrapped


def mark_offline_readable(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """offline_readable for one response (a strategy's photo, say)."""
    user = request.user
    if response.status_code == 200 and user.is_authenticated and user.role == Role.CAREGIVER:
        response[OFFLINE_HEADER] = "1"
    return response
