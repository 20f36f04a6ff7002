"""The therapist's caseload and timeline: what they show, and a number of
queries that does not grow with the number of sessions."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from families.models import Caregiver, CaseloadAssignment
from sessions_app.models import Addendum
from tests import factories
from tests.factories import GoalFactory, ProgressRatingFactory
from tests.sessions_app.factories import (
    AssessmentFactory,
    NoteFactory,
    SessionFactory,
    sign,
    signed_note,
)

pytestmark = pytest.mark.timesweep


def _add_history(world, child, count: int) -> None:
    grandad = Caregiver.objects.get(user=world.supporting)
    parent = Caregiver.objects.get(user=world.parent)
    for i in range(count):
        session = SessionFactory(
            child=child,
            therapist=world.therapist,
            starts_at=timezone.now() - timedelta(days=2 + i),
            caregivers=[grandad, parent],
        )
        if i % 3 == 0:
            note = signed_note(session=session)
            Addendum.objects.create(note=note, author=world.therapist, reason="r", text="t")
        elif i % 3 == 1:
            NoteFactory(session=session)
    AssessmentFactory(child=child, therapist=world.therapist)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_caseload_shows_last_session_and_unsigned_notes(world, client):
    now = timezone.localtime()
    SessionFactory(child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=10))
    last = SessionFactory(
        child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=3)
    )
    signed_note(session=last)
    client.force_login(world.therapist)
    html = client.get(reverse("home")).content.decode()
    assert world.child.full_name in html and world.other_child.full_name not in html
    assert f"{last.starts_at.astimezone(now.tzinfo):%-d %b %Y}" in html
    assert '<span class="badge text-bg-warning">1</span>' in html


def test_caseload_queries_do_not_grow(world, client, django_assert_max_num_queries):
    client.force_login(world.therapist)
    url = reverse("home")
    _add_history(world, world.child, 2)
    before = _queries(client, url)
    for _ in range(4):
        child = factories.ChildFactory(family=world.family)
        factories.CaseloadFactory(therapist=world.therapist, child=child)
        _add_history(world, child, 4)
    _add_history(world, world.child, 6)
    with django_assert_max_num_queries(before):
        client.get(url)
    # The caseload, its next visits, today's visits and groups, notes to sign,
    # unread conversations and goals due (issue 22).
    assert before <= 11  # and the menu's unread count


def test_timeline_newest_first_with_notes_assessments_and_addenda(world, client):
    now = timezone.now()
    old = signed_note(
        session=SessionFactory(
            child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=40)
        ),
        plan="The old plan",
    )
    Addendum.objects.create(note=old, author=world.therapist, reason="Typo", text="Addendum text")
    new = NoteFactory(
        session=SessionFactory(
            child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=1)
        )
    )
    AssessmentFactory(
        child=world.child,
        therapist=world.therapist,
        assessed_on=(now - timedelta(days=60)).date(),
        summary="Assessment summary",
    )
    client.force_login(world.therapist)
    html = client.get(reverse("sessions_app:timeline", args=[world.child.pk])).content.decode()
    positions = [
        html.index(reverse("sessions_app:session_detail", args=[new.session_id])),
        html.index("The old plan"),
        html.index("Assessment summary"),
    ]
    assert positions == sorted(positions)
    assert "Addendum text" in html and "Draft" in html


def _older_link(html: str) -> str | None:
    found = re.search(r'href="(\?before=[^"]+)">Older<', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_timeline_pages_by_keyset_newest_first(world, client):
    _add_history(world, world.child, 25)
    client.force_login(world.therapist)
    url = reverse("sessions_app:timeline", args=[world.child.pk])
    first = client.get(url).content.decode()
    # A child's history is not counted (that cost grows with it): no "of N".
    assert "Page 1" not in first and ">Newest<" not in first
    older = _older_link(first)
    assert older is not None
    second = client.get(url + older).content.decode()
    assert "Initial assessment" in second  # the oldest entry, on the last page
    assert _older_link(second) is None and ">Newest<" in second
    # Every session once, across the two pages, newest first.
    sessions = re.findall(r'href="/sessions/(\d+)/"', first + second)
    assert len(sessions) == len(set(sessions)) == 25
    # Nonsense answers the newest page.
    for nonsense in ("?before=abc", "?before=2026-01-01~9~1", "?before=2026-01-01T00:00~0~x"):
        assert client.get(url + nonsense).content.decode().count("timeline-entry") == 20


def test_timeline_cut_between_records_of_the_same_moment(world, client):
    """Entries at the same time and day are ordered by kind and id, so a
    page cut among them neither repeats nor skips one."""
    day = timezone.localdate() - timedelta(days=3)
    goal = GoalFactory(child=world.child)
    for n in range(30):
        ProgressRatingFactory(goal=goal, rated_on=day, note=f"rating {n}")
    client.force_login(world.therapist)
    url = reverse("sessions_app:timeline", args=[world.child.pk])
    first = client.get(url).content.decode()
    second = client.get(url + _older_link(first)).content.decode()
    notes = re.findall(r"\. (rating \d+)</p>", first + second)
    assert sorted(notes) == sorted(f"rating {n}" for n in range(30))
    assert notes == [f"rating {n}" for n in range(29, -1, -1)]


def test_timeline_queries_do_not_grow(world, client, django_assert_max_num_queries):
    client.force_login(world.therapist)
    url = reverse("sessions_app:timeline", args=[world.child.pk])
    _add_history(world, world.child, 3)
    before = _queries(client, url)
    _add_history(world, world.child, 15)
    with django_assert_max_num_queries(before):
        client.get(url)
    # The session, the user, the child, the sessions with their attendees,
    # addenda and goals, each other kind, the audit row and the menu's unread count.
    assert before <= 13


def test_family_sessions_page_queries_do_not_grow(world, client, django_assert_max_num_queries):
    client.force_login(world.parent)
    url = reverse("sessions_app:child_sessions", args=[world.child.pk])
    _add_history(world, world.child, 3)
    before = _queries(client, url)
    _add_history(world, world.child, 15)
    with django_assert_max_num_queries(before):
        client.get(url)


def test_unsigned_notes_queries_do_not_grow(world, client, django_assert_max_num_queries):
    client.force_login(world.therapist)
    url = reverse("sessions_app:unsigned_notes")
    _add_history(world, world.child, 3)
    before = _queries(client, url)
    _add_history(world, world.child, 12)
    with django_assert_max_num_queries(before):
        client.get(url)


def test_record_pages_queries_do_not_grow(world, client, django_assert_max_num_queries):
    from sessions_app.models import StandardisedTest
    from tests.sessions_app.factories import sign

    note = signed_note(session=SessionFactory(child=world.child, therapist=world.therapist))
    assessment = AssessmentFactory(child=world.child, therapist=world.therapist)
    client.force_login(world.therapist)
    urls = [
        note.session.get_absolute_url(),
        assessment.get_absolute_url(),
        reverse("families:child_access_history", args=[world.child.pk]),
    ]
    before = [_queries(client, url) for url in urls]
    for i in range(6):
        StandardisedTest.objects.create(
            assessment=assessment, name=f"Test {i}", administered_on="2026-01-10", scores="x"
        )
        Addendum.objects.create(note=note, author=world.therapist, reason=f"r{i}", text="t")
    sign(assessment)
    for _ in range(3):
        Addendum.objects.create(assessment=assessment, author=world.therapist, reason="r", text="t")
    for _ in range(3):
        for url in urls:
            client.get(url)  # more audit events for the access log
    for url, count in zip(urls, before, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


def test_timeline_entries_follow_the_records_after_being_remembered(world, client):
    """Timeline entries are remembered fragments: an addendum, a signature or
    another viewer each show the entry as it now is."""
    session = SessionFactory(child=world.child, therapist=world.therapist)
    note = NoteFactory(session=session)
    url = reverse("sessions_app:timeline", args=[world.child.pk])
    client.force_login(world.therapist)
    html = client.get(url).content.decode()
    assert "Draft" in html and "Finish the note" in html

    signed_note_now = signed_note(session=SessionFactory(child=world.child))
    sign(note)
    Addendum.objects.create(note=note, author=world.therapist, reason="Typo", text="Late text")
    html = client.get(url).content.decode()
    assert "Finish the note" not in html and "Late text" in html and "Reason: Typo" in html
    assert signed_note_now.session.get_absolute_url() in html

    # Another therapist on the caseload sees the same entry with no link to write it.
    covering = factories.TherapistFactory()
    factories.CaseloadFactory(
        therapist=covering, child=world.child, kind=CaseloadAssignment.Kind.COVERING
    )
    draft = SessionFactory(child=world.child, therapist=world.therapist)
    NoteFactory(session=draft)
    client.force_login(covering)
    html = client.get(url).content.decode()
    assert reverse("sessions_app:note_edit", args=[draft.pk]) not in html
