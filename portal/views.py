"""The home page per role, and the site's own error pages."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from accounts.models import Role, User
from accounts.policy import offline_readable
from bookings import selectors as bookings_selectors
from bookings.permissions import Memberships
from families import selectors as family_selectors
from families.permissions import caregiver_memberships
from goals import selectors as goals_selectors
from sessions_app import selectors as sessions_selectors


@offline_readable
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.ADMIN:
        page = Paginator(family_selectors.family_list_for_staff(user), 25).get_page(
            request.GET.get("page")
        )
        return render(request, "portal/home_admin.html", {"page": page})
    if user.role == Role.THERAPIST:
        # The caseload: the clinical picture from the sessions app, the next
        # visit from the diary; the home page is where the two meet.
        children = sessions_selectors.caseload(user)
        visits = bookings_selectors.next_visits([child.pk for child in children])
        for child in children:
            child.next_visit_at = visits.get(child.pk)
        return render(request, "portal/home_therapist.html", {"children": children})
    return render(request, "portal/home_caregiver.html", _caregiver_home(user))


def _caregiver_home(user: User) -> dict:
    """The caregiver's families, next bookings, children and newest wins, in
    a few small queries."""
    memberships = caregiver_memberships(user)
    context = {"families": [m.family_name for m in memberships]}
    if memberships:
        children = family_selectors.children_for_home(user)
        context.update(
            children=[child for child in children if child.discharged_on is None],
            upcoming_bookings=bookings_selectors.upcoming_cards_for_home(
                user, memberships=Memberships.of(memberships)
            ),
            # Discharged children's wins still show.
            wins=goals_selectors.newest_wins([child.pk for child in children]),
        )
    return context


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the error may have come from one of them.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
