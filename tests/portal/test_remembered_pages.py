"""Remembered pages (portal.pages, portal.revisions): a page seen again costs
one query while nothing it read has changed, and every kind of write shows at
once, whoever or whatever made it.

The tests commit their data (transaction=True), as the portal does: a page
is never kept inside a transaction, whose reads may yet be rolled back."""

from datetime import timedelta

import psycopg
import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import Caregiver, Child
from portal import pages, revisions
from tests.factories import GoalFactory, WinFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_page_cache():
    # Redis keeps pages from run to run; each test starts with none.
    caches[pages.CACHE_ALIAS].clear()


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.fixture
def browser(login, settings):
    """A logged-in browser that holds its CSRF cookie, as one does after its
    first page with a form."""

    def _browser(user):
        client = login(user)
        client.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32
        return client

    return _browser


def _goals(world) -> str:
    return reverse("goals:child_goals", args=[world.child.pk])


def test_a_page_seen_again_reads_only_the_session_the_user_and_the_revisions(world, login):
    client = login(world.parent)
    # The first visit gives the browser its CSRF cookie, which a kept page's
    # forms must match: that rendering is not kept.
    _, first_visit = _get(client, _goals(world))
    kept, rendered = _get(client, _goals(world))
    assert rendered == first_visit
    again, served = _get(client, _goals(world))
    assert again == kept
    assert served == 3 < rendered


@pytest.mark.parametrize(
    ("persona", "page", "queries"),
    [
        ("parent", "home", 3),
        ("parent", "goals:child_goals", 3),
        ("parent", "goals:routines", 3),
        ("parent", "goals:goal_detail", 3),
        ("parent", "bookings:my_bookings", 3),
        ("therapist", "home", 3),
        # Every view of the clinical record is recorded, served again or not.
        ("therapist", "sessions_app:timeline", 4),
        ("admin", "bookings:diary", 3),
    ],
)
def test_every_busy_page_is_served_again_from_the_cache(world, browser, persona, page, queries):
    goal = GoalFactory(child=world.child, title="Shoes on before school")
    args = {"goals:child_goals": [world.child.pk], "goals:routines": [world.child.pk]}
    args |= {"goals:goal_detail": [goal.pk], "sessions_app:timeline": [world.child.pk]}
    url = reverse(page, args=args.get(page))
    client = browser(world.persona(persona))
    kept, rendered = _get(client, url)
    again, served = _get(client, url)
    assert again == kept
    assert served == queries < rendered


@pytest.mark.parametrize(
    "write",
    [
        "save",
        "queryset_update",
        "raw_sql",
    ],
)
def test_every_kind_of_write_shows_at_once(world, browser, write):
    client = browser(world.parent)
    _get(client, _goals(world))
    if write == "save":
        world.child.preferred_name = "Yusuf-Ali"
        world.child.save()
    elif write == "queryset_update":
        Child.objects.filter(pk=world.child.pk).update(preferred_name="Yusuf-Ali")
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Child._meta.db_table} SET preferred_name = %s WHERE id = %s",
                ["Yusuf-Ali", world.child.pk],
            )
    html, _ = _get(client, _goals(world))
    assert "Yusuf-Ali" in html


def test_a_new_record_and_a_deleted_one_show_at_once(world, browser):
    client = browser(world.parent)
    goal = GoalFactory(child=world.child, title="Zips up his coat")
    assert "Zips up his coat" in _get(client, _goals(world))[0]
    WinFactory(child=world.child, text="Put both shoes on by himself")
    assert "Put both shoes on by himself" in _get(client, _goals(world))[0]
    goal.delete()
    assert "Zips up his coat" not in _get(client, _goals(world))[0]


def test_one_viewers_page_never_reaches_another(world, browser):
    ahmed_home, _ = _get(browser(world.parent), "/")
    assert "Yusuf" in ahmed_home
    jones_home, _ = _get(browser(world.other_parent), "/")
    assert "Ffion" in jones_home and "Yusuf" not in jones_home
    # The grandparent shares the parent's family but only sees the child linked to him.
    _get(browser(world.supporting_unlinked), "/")
    nanny_goals = browser(world.supporting_unlinked).get(_goals(world))
    assert nanny_goals.status_code in {403, 404}
    # Not theirs: still refused, however often the family has seen the page.
    _get(browser(world.parent), _goals(world))
    _get(browser(world.parent), _goals(world))
    assert browser(world.other_parent).get(_goals(world)).status_code == 404


def test_access_taken_away_is_refused_at_once(world, browser):
    client = browser(world.supporting)
    _get(client, _goals(world))
    Caregiver.objects.filter(user=world.supporting).delete()
    assert client.get(_goals(world)).status_code in {403, 404}


def test_a_message_is_shown_once_and_never_kept(world, browser):
    client = browser(world.parent)
    _get(client, _goals(world))
    response = client.post(
        reverse("goals:win_create", args=[world.child.pk]),
        {"text": "Brushed his teeth without a fuss"},
        follow=True,
    )
    assert "Your win is on the page." in response.content.decode()
    assert "Brushed his teeth without a fuss" in response.content.decode()
    html, _ = _get(client, _goals(world))
    assert "Your win is on the page." not in html
    assert "Brushed his teeth without a fuss" in html


def test_every_view_of_the_clinical_timeline_is_recorded(world, browser):
    client = browser(world.therapist)
    url = reverse("sessions_app:timeline", args=[world.child.pk])
    _, rendered = _get(client, url)
    _, served = _get(client, url)
    assert served < rendered
    views = AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, record_type="clinical_timeline", user=world.therapist
    )
    assert views.count() == 2


def test_a_rendering_that_writes_is_not_kept(world, browser):
    # The therapist's view of the goals is recorded: rendered every time.
    client = browser(world.therapist)
    _, first = _get(client, _goals(world))
    _, second = _get(client, _goals(world))
    assert second == first
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, user=world.therapist).count() == 2
    )


def test_time_relative_words_are_never_older_than_the_setting(
    world, browser, monkeypatch, settings
):
    client = browser(world.parent)
    _, rendered = _get(client, _goals(world))
    later = timezone.now() + timedelta(seconds=settings.PAGE_CACHE_SECONDS)
    monkeypatch.setattr(timezone, "now", lambda: later)
    _, again = _get(client, _goals(world))
    assert again == rendered


def test_off_when_the_setting_is_zero(world, browser, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client = browser(world.parent)
    _, first = _get(client, _goals(world))
    _, second = _get(client, _goals(world))
    assert second == first


def test_a_cache_that_is_down_costs_speed_not_the_page(world, browser, monkeypatch):
    store = caches[pages.CACHE_ALIAS]

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(store, "get", down)
    monkeypatch.setattr(store, "set", down)
    client = browser(world.parent)
    assert "Yusuf" in _get(client, _goals(world))[0]
    assert "Yusuf" in _get(client, _goals(world))[0]


def test_a_database_without_revisions_still_shows_the_page(world, browser, monkeypatch):
    def unreadable():
        raise DatabaseError("relation portal_revision does not exist")

    monkeypatch.setattr(revisions, "current", unreadable)
    client = browser(world.parent)
    assert "Yusuf" in _get(client, _goals(world))[0]


def test_a_page_that_reads_a_table_without_a_revision_is_not_kept(world, browser, monkeypatch):
    current = revisions.current
    monkeypatch.setattr(
        revisions, "current", lambda: {t: n for t, n in current().items() if t != "goals_goal"}
    )
    client = browser(world.parent)
    _, first = _get(client, _goals(world))
    _, second = _get(client, _goals(world))
    assert second == first


def test_every_table_has_a_revision_but_those_written_on_every_request():
    tracked = set(revisions.tracked_tables())
    assert "django_session" not in tracked and "axes_accessattempt" not in tracked
    assert {"families_child", "goals_goal", "bookings_booking_children"} <= tracked
    with_trigger = revisions.installed()
    assert with_trigger == tracked
    assert revisions.missing() == []


def test_the_deployment_check_names_a_table_without_its_trigger(settings):
    settings.REDIS_URL = ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP TRIGGER {revisions.TRIGGER} ON "goals_win"')
        else:
            for event in ("insert", "update", "delete"):
                cursor.execute(f'DROP TRIGGER "{revisions.TRIGGER}_{event}_goals_win"')
    try:
        with pytest.raises(CommandError, match="1 table without the page cache's revision trigger"):
            call_command("check_deployment")
    finally:
        revisions.install()
    assert revisions.missing() == []


def test_a_revision_moves_with_every_write_to_its_table(world):
    before = revisions.current()
    Child.objects.filter(pk=world.child.pk).update(school="Ysgol y Bont")
    after = revisions.current()
    assert after["families_child"] != before["families_child"]
    assert after["goals_goal"] == before["goals_goal"]
    GoalFactory(child=world.child)
    assert revisions.current()["goals_goal"] != after["goals_goal"]


@pytest.mark.postgres
def test_a_page_rendered_while_a_write_is_open_elsewhere_is_not_kept(world, browser):
    """PostgreSQL moves a revision before the writer commits: a page read in
    between would show the old rows under the new revision, for good."""
    client = browser(world.parent)
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None,
        dbname=settings_dict["NAME"],
    )
    try:
        other.execute(
            f"UPDATE {Child._meta.db_table} SET preferred_name = 'Yusuf-Ali' WHERE id = %s",
            [world.child.pk],
        )
        html, rendered = _get(client, _goals(world))
        assert "Yusuf-Ali" not in html
        _, again = _get(client, _goals(world))
        assert again == rendered  # not kept: rendered again
        other.commit()
    finally:
        other.close()
    assert "Yusuf-Ali" in _get(client, _goals(world))[0]


@pytest.mark.django_db(transaction=False)
def test_nothing_is_kept_inside_a_transaction(world, browser):
    client = browser(world.parent)
    _, first = _get(client, _goals(world))
    _, second = _get(client, _goals(world))
    assert second == first
