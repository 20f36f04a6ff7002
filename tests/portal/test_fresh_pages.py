"""Every page is rendered afresh from the database: whatever writes a record
(a form, a queryset's update(), a raw statement), the next page shows it, and
no cache holds a rendered page with a person's data."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEvent
from families.models import Caregiver, Child
from tests.factories import GoalFactory, WinFactory

pytestmark = pytest.mark.django_db


def _goals(world) -> str:
    return reverse("goals:child_goals", args=[world.child.pk])


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("write", ["save", "queryset_update", "raw_sql"])
def test_every_kind_of_write_shows_at_once(world, login, write):
    client = login(world.parent)
    assert "Yusuf-Ali" not in _html(client, _goals(world))
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
    assert "Yusuf-Ali" in _html(client, _goals(world))


def test_a_new_record_and_a_deleted_one_show_at_once(world, login):
    client = login(world.parent)
    goal = GoalFactory(child=world.child, title="Zips up his coat")
    assert "Zips up his coat" in _html(client, _goals(world))
    win = WinFactory(child=world.child, text="Put both shoes on by himself")
    assert "Put both shoes on by himself" in _html(client, _goals(world))
    assert "Put both shoes on by himself" in _html(client, "/")
    goal.delete()
    win.delete()
    assert "Zips up his coat" not in _html(client, _goals(world))
    assert "Put both shoes on by himself" not in _html(client, "/")


def test_one_viewers_page_never_reaches_another(world, login):
    assert "Yusuf" in _html(login(world.parent), "/")
    jones_home = _html(login(world.other_parent), "/")
    assert "Ffion" in jones_home and "Yusuf" not in jones_home
    # The grandparent shares the parent's family but only sees the child linked to him.
    assert login(world.supporting_unlinked).get(_goals(world)).status_code in {403, 404}
    _html(login(world.parent), _goals(world))
    assert login(world.other_parent).get(_goals(world)).status_code == 404


def test_access_taken_away_is_refused_at_once(world, login):
    client = login(world.supporting)
    _html(client, _goals(world))
    Caregiver.objects.filter(user=world.supporting).delete()
    assert client.get(_goals(world)).status_code in {403, 404}


def test_a_message_is_shown_once(world, login):
    client = login(world.parent)
    response = client.post(
        reverse("goals:win_create", args=[world.child.pk]),
        {"text": "Brushed his teeth without a fuss"},
        follow=True,
    )
    assert "Your win is on the page." in response.content.decode()
    html = _html(client, _goals(world))
    assert "Your win is on the page." not in html
    assert "Brushed his teeth without a fuss" in html


def test_every_view_of_the_clinical_timeline_is_recorded(world, login):
    client = login(world.therapist)
    url = reverse("sessions_app:timeline", args=[world.child.pk])
    _html(client, url)
    _html(client, url)
    views = AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, record_type="clinical_timeline", user=world.therapist
    )
    assert views.count() == 2


def test_no_cache_keeps_a_page_with_a_persons_data(world, login, settings):
    """Children's health data stays in the database: after every busy page,
    no configured cache holds anything of what was shown."""
    for alias in settings.CACHES:
        caches[alias].clear()
    goal = GoalFactory(child=world.child, title="Shoes on before school")
    WinFactory(child=world.child, text="Tied his laces")
    pages = [
        (world.parent, "/"),
        (world.parent, _goals(world)),
        (world.parent, reverse("goals:routines", args=[world.child.pk])),
        (world.parent, reverse("goals:goal_detail", args=[goal.pk])),
        (world.parent, reverse("bookings:my_bookings")),
        (world.therapist, "/"),
        (world.therapist, reverse("sessions_app:timeline", args=[world.child.pk])),
        (world.admin, reverse("bookings:diary")),
    ]
    for user, url in pages:
        _html(login(user), url)
    for alias in settings.CACHES:
        held = list(_everything_in(caches[alias]))
        for text in ("Tied his laces", "Shoes on before school", "Yusuf"):
            assert not any(text.encode() in value for value in held), (alias, text)


def _everything_in(store):
    """Every value a cache holds, as the bytes it keeps (pickled: a text
    shown on a page would be found in them)."""
    if isinstance(store, RedisCache):
        client = store._cache.get_client()
        for key in client.scan_iter(f"{store.key_prefix}*" if store.key_prefix else "*"):
            value = client.get(key)
            if isinstance(value, bytes):
                yield value
    else:
        yield from (v for v in store._cache.values() if isinstance(v, bytes))
