"""One tap on a strategy card logs practice in place: with htmx the card's
practice part answers ("Logged ✓ — undo", who did it today); without script
the page reloads at the card. The same tap sent twice logs once, and only
the person who logged it may undo it, for a short time."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from goals import selectors, services
from goals.models import PRACTICE_UNDO_WINDOW, PracticeLog
from tests.factories import GoalFactory, HomeStrategyFactory, PracticeLogFactory

pytestmark = pytest.mark.timesweep

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def strategy(world):
    return HomeStrategyFactory(
        child=world.child, goals=[GoalFactory(child=world.child)], title="Shoe stair"
    )


def _tap(client, strategy, outcome="well", **extra):
    data = {"outcome": outcome, "client_id": str(uuid.uuid4()), **extra}
    return client.post(reverse("goals:practice_quick", args=[strategy.pk]), data, **extra)


# --- services ---------------------------------------------------------------


def test_the_same_tap_sent_twice_logs_once(world, strategy):
    tap = uuid.uuid4()
    first = services.practice_log_add(
        strategy=strategy, by=world.parent, outcome="well", client_id=tap
    )
    again = services.practice_log_add(
        strategy=strategy, by=world.parent, outcome="well", client_id=tap
    )
    assert again.pk == first.pk
    assert PracticeLog.objects.count() == 1
    # A new tap (a new id) is a new practice; an id is only ever sent again by
    # the page that chose it, so another person's copy of it is refused.
    services.practice_log_add(
        strategy=strategy, by=world.parent, outcome="hard", client_id=uuid.uuid4()
    )
    with pytest.raises(ValidationError, match="could not be saved"):
        services.practice_log_add(
            strategy=strategy, by=world.supporting, outcome="well", client_id=tap
        )
    assert PracticeLog.objects.count() == 2


def test_undo_is_the_authors_and_only_for_a_short_time(world, strategy, clock_at):
    log = services.practice_log_add(strategy=strategy, by=world.parent, outcome="mixed")
    with pytest.raises(ValidationError, match="Only the person who logged"):
        services.practice_log_undo(strategy=strategy, log_id=log.pk, by=world.supporting)
    clock_at.shift(PRACTICE_UNDO_WINDOW + timedelta(seconds=1))
    with pytest.raises(ValidationError, match="too late to undo"):
        services.practice_log_undo(strategy=strategy, log_id=log.pk, by=world.parent)
    assert PracticeLog.objects.filter(pk=log.pk).exists()

    fresh = services.practice_log_add(strategy=strategy, by=world.parent, outcome="well")
    services.practice_log_undo(strategy=strategy, log_id=fresh.pk, by=world.parent)
    assert not PracticeLog.objects.filter(pk=fresh.pk).exists()
    with pytest.raises(ValidationError):
        services.practice_log_undo(strategy=strategy, log_id=fresh.pk, by=world.parent)


def test_the_card_says_who_did_it_today(world, strategy):
    PracticeLogFactory(strategy=strategy, caregiver=world.supporting)
    PracticeLogFactory(strategy=strategy, caregiver=world.parent)
    card = selectors.practice_card(strategy, viewer=world.parent)
    assert card.done_today_by == f"you and {world.supporting.get_short_name()}"
    assert card.practised_this_week == 2


# --- views ------------------------------------------------------------------


def test_a_tap_with_htmx_answers_with_the_card_in_place(world, strategy, login):
    response = _tap(login(world.parent), strategy, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    log = PracticeLog.objects.get()
    assert html.strip().startswith(
        f'<div class="practice-area" id="practice-{strategy.pk}" data-in-place>'
    )
    assert "<html" not in html
    assert "Logged ✓" in html and "Done today by you." in html
    assert reverse("goals:practice_undo", args=[strategy.pk, log.pk]) in html
    assert "data-undo-offer" in html


def test_a_double_tap_with_one_id_logs_once(world, strategy, login):
    client = login(world.parent)
    data = {"outcome": "well", "client_id": str(uuid.uuid4())}
    url = reverse("goals:practice_quick", args=[strategy.pk])
    client.post(url, data, **HTMX)
    client.post(url, data, **HTMX)
    client.post(url, data)
    assert PracticeLog.objects.count() == 1


def test_a_tap_without_script_reloads_the_page_at_the_card(world, strategy, login):
    response = _tap(login(world.parent), strategy)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/at-home/#strategy-{strategy.pk}")
    response = _tap(login(world.parent), strategy, back="today")
    assert response["Location"] == f"{reverse('home')}#strategy-{strategy.pk}"
    page = login(world.parent).get(reverse("goals:routines", args=[world.child.pk]))
    html = page.content.decode()
    # The undo is on the card without script too, while it may be used.
    assert "Logged ✓" in html and "Done today by you." in html


def test_undo_with_and_without_htmx(world, strategy, login):
    client = login(world.parent)
    _tap(client, strategy, **HTMX)
    log = PracticeLog.objects.get()
    url = reverse("goals:practice_undo", args=[strategy.pk, log.pk])
    response = client.post(url, **HTMX)
    assert response.status_code == 200
    assert "Undone: not logged." in response.content.decode()
    assert not PracticeLog.objects.exists()

    _tap(client, strategy)
    log = PracticeLog.objects.get()
    response = client.post(reverse("goals:practice_undo", args=[strategy.pk, log.pk]))
    assert response.status_code == 302
    assert not PracticeLog.objects.exists()


def test_another_caregiver_cannot_undo(world, strategy, login):
    _tap(login(world.parent), strategy, **HTMX)
    log = PracticeLog.objects.get()
    response = login(world.supporting).post(
        reverse("goals:practice_undo", args=[strategy.pk, log.pk]), **HTMX
    )
    assert "Only the person who logged" in response.content.decode()
    assert PracticeLog.objects.filter(pk=log.pk).exists()
    # Nor does their card offer it.
    card = selectors.practice_card(strategy, viewer=world.supporting)
    assert card.undoable_log_id is None


def test_the_htmx_answer_runs_few_queries(world, strategy, login, django_assert_max_num_queries):
    client = login(world.parent)
    _tap(client, strategy, **HTMX)
    # Session, user, the strategy by policy, its lock, the insert, the card.
    with django_assert_max_num_queries(12):
        _tap(client, strategy, **HTMX)


# --- wins -------------------------------------------------------------------


def test_a_win_shared_twice_with_one_id_is_shared_once_and_undone_by_its_author(
    world, login, clock_at
):
    from goals.models import WIN_UNDO_WINDOW, Win

    client = login(world.parent)
    url = reverse("goals:win_create", args=[world.child.pk])
    data = {"text": "Shoes on by himself!", "client_id": str(uuid.uuid4())}
    response = client.post(url, data, **HTMX)
    client.post(url, data, **HTMX)
    assert Win.objects.count() == 1
    html = response.content.decode()
    win = Win.objects.get()
    assert html.strip().startswith(f'<div class="wins-area" id="wins-{world.child.pk}"')
    assert "Shared ✓" in html and "Shoes on by himself!" in html
    undo = reverse("goals:win_undo", args=[world.child.pk, win.pk])
    assert undo in html
    # Not the grandparent's to undo; and the author's only for a short time.
    other = login(world.supporting).post(undo, **HTMX).content.decode()
    assert "Only the person who shared this win" in other
    clock_at.shift(WIN_UNDO_WINDOW + timedelta(seconds=1))
    late = login(world.parent).post(undo, **HTMX).content.decode()
    assert "too late to undo" in late
    assert Win.objects.filter(pk=win.pk).exists()


def test_a_win_undone_in_place_and_without_script(world, login):
    from goals.models import Win

    client = login(world.parent)
    url = reverse("goals:win_create", args=[world.child.pk])
    client.post(url, {"text": "Ate his peas", "client_id": str(uuid.uuid4())}, **HTMX)
    win = Win.objects.get()
    response = client.post(reverse("goals:win_undo", args=[world.child.pk, win.pk]), **HTMX)
    assert "Undone: the win is no longer on the page." in response.content.decode()
    assert not Win.objects.exists()
    # Without script: the page reloads, as before.
    response = client.post(url, {"text": "Brushed his teeth"})
    assert response.status_code == 302
    win = Win.objects.get()
    response = client.post(reverse("goals:win_undo", args=[world.child.pk, win.pk]))
    assert response.status_code == 302 and not Win.objects.exists()


def test_an_empty_win_is_answered_in_place_with_the_error_by_the_field(world, login):
    response = login(world.parent).post(
        reverse("goals:win_create", args=[world.child.pk]), {"text": ""}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "is-invalid" in html and "<html" not in html
