"""The home page per role, and the site's own error pages."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.utils.text import get_text_list

from accounts.models import Role, User
from accounts.policy import offline_readable
from bookings import selectors as bookings_selectors
from bookings.permissions import Memberships
from families import selectors as family_selectors
from families.permissions import caregiver_memberships
from goals import selectors as goals_selectors
from goals.models import Outcome
from intake import selectors as intake_selectors
from messaging import selectors as messaging_selectors
from sessions_app import selectors as sessions_selectors

# How many notes, conversations (and twice as many goals) the caseload lists
# before "all of them".
HOME_LIST_LENGTH = 5


@offline_readable
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.ADMIN:
        search = request.GET.get("q", "").strip()[:100]
        page = Paginator(family_selectors.family_list_for_staff(user, search=search), 25).get_page(
            request.GET.get("page")
        )
        return render(request, "portal/home_admin.html", {"page": page, "search": search})
    if user.role == Role.THERAPIST:
        # The caseload: the clinical picture from the sessions app, the next
        # visit from the diary; the home page is where the two meet.
        return render(request, "portal/home_therapist.html", _therapist_home(user))
    return render(request, "portal/home_caregiver.html", _caregiver_home(user))


def _therapist_home(user: User) -> dict:
    """The caseload: today's and tomorrow's visits, notes to sign, unread
    messages and goals due for review first, then every child. The clinical
    picture comes from the sessions and goals apps, the visits from the
    diary, the messages from messaging; the home page is where they meet."""
    children = sessions_selectors.caseload(user)
    next_visits = bookings_selectors.next_visits([child.pk for child in children])
    for child in children:
        child.next_visit_at = next_visits.get(child.pk)
    unsigned = sessions_selectors.unsigned_sessions(user)
    unsigned_count = unsigned.count()
    unread = messaging_selectors.unread_conversations(user)
    goals_due = goals_selectors.goals_due_review(
        user, limit=HOME_LIST_LENGTH * 2, within_days=sessions_selectors.REVIEW_SOON_DAYS
    )
    today = timezone.localdate()
    return {
        "children": children,
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "visits": bookings_selectors.visits_soon(user),
        "unsigned": list(unsigned[:HOME_LIST_LENGTH]),
        "unsigned_count": unsigned_count,
        # The menu's count too (sessions_app.context_processors), read once.
        "notes_to_sign_count": unsigned_count,
        "unread": unread[:HOME_LIST_LENGTH],
        "unread_count": sum(conversation.unread for conversation in unread),
        "goals_due": goals_due,
        # The caseload has counted them, child by child.
        "goals_due_count": sum(child.goals_due_review for child in children),
    }


def _caregiver_home(user: User) -> dict:
    """Today, the family's home: what needs them now (unread messages, an
    intake questionnaire to finish before the assessment, a waitlist place
    offered until a deadline, whether we may e-mail them about therapy,
    today's strategies not practised yet), then
    this week at home and progress, then bookings, children and wins. A fixed
    number of small queries, whatever the size of the family."""
    memberships = caregiver_memberships(user)
    context = {"families": [m.family_name for m in memberships]}
    if not memberships:
        return context
    booking_memberships = Memberships.of(memberships)
    children = family_selectors.children_for_home(user)
    current = [child for child in children if child.discharged_on is None]
    by_pk = {child.pk: child for child in current}
    assessments = bookings_selectors.assessments_ahead(booking_memberships)
    intakes = [
        {"child": by_pk[pk], "assessment_at": assessments[pk]}
        for pk in intake_selectors.not_sent(pk for pk in assessments if pk in by_pk)
    ]
    strategies = goals_selectors.today_strategies(current, viewer=user)
    unread = messaging_selectors.unread_conversations(user)
    offers = bookings_selectors.open_offers(booking_memberships)
    # Asked per family with children in care, naming them (read with them).
    email_questions = [
        {
            "family_id": m.family_id,
            "children": get_text_list(
                [child.display_name for child in current if child.family_id == m.family_id],
                "and",
            ),
        }
        for m in memberships
        if any(child.email_question for child in current if child.family_id == m.family_id)
    ]
    context.update(
        children=current,
        unread=unread,
        intakes=intakes,
        offers=offers,
        email_questions=email_questions,
        outcomes=Outcome.choices,
        needs_you=bool(unread or intakes or offers or email_questions or strategies["to_do"]),
        progress=goals_selectors.progress_for_home(current),
        coming_up=bookings_selectors.coming_up_for_today(user, booking_memberships),
        # Discharged children's wins still show.
        wins=goals_selectors.newest_wins([child.pk for child in children]),
        **strategies,
    )
    return context


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the error may have come from one of them.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
