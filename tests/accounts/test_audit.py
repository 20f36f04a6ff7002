"""The audit trail: append-only in the ORM and in PostgreSQL, searchable by the
admin and the superuser, and a child's access history for their therapist."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent
from tests.factories import AdminFactory, UserFactory


def _event(**fields) -> AuditEvent:
    defaults = {"action": AuditEvent.Action.VIEW, "record_type": "note", "record_id": "1"}
    return AuditEvent.objects.create(**{**defaults, **fields})


def test_orm_refuses_to_change_or_delete(db):
    event = _event()
    event.detail = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    with pytest.raises(ValueError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    with pytest.raises(ValueError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.postgres
def test_database_refuses_update_and_delete(db):
    event = _event(detail="original")
    for sql in (
        "UPDATE accounts_auditevent SET detail = 'rewritten' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.detail == "original"


@pytest.mark.postgres
def test_database_lets_an_account_be_deleted(db):
    """The one change allowed: the foreign key clears user_id when an account
    is deleted; the event itself stays."""
    person = UserFactory()
    event = _event(user=person, detail="kept")
    person.delete()
    event.refresh_from_db()
    assert event.user_id is None
    assert event.detail == "kept"


def test_audit_record_notes_ip_and_page(rf, world):
    request = rf.get("/children/1/?tab=notes", REMOTE_ADDR="203.0.113.7")
    request.user = world.therapist
    event = audit_record(request=request, action="view", record_type="child", record_id=1)
    assert (event.user, event.ip_address, event.path) == (
        world.therapist,
        "203.0.113.7",
        "/children/1/?tab=notes",
    )


def test_admin_searches_by_user_action_type_child_and_dates(world, client):
    _event(user=world.therapist, record_type="note", child_id=world.child.pk)
    _event(user=world.other_therapist, record_type="goal", child_id=world.other_child.pk)
    _event(user=world.parent, action=AuditEvent.Action.LOGIN, record_type="user")
    client.force_login(world.admin)
    url = reverse("accounts:audit_search")

    def found(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return list(response.context["page"].object_list)

    assert {e.user for e in found(user="Nia Thomas")} == {world.therapist}
    assert {e.user for e in found(user="Sam Lee")} == {world.other_therapist}
    logins = found(action="login")
    assert logins and all(e.action == "login" for e in logins)
    assert {e.record_type for e in found(record_type="goal")} == {"goal"}
    assert {e.child_id for e in found(child=world.child.pk)} == {world.child.pk}
    today = timezone.localdate()
    assert found(since=today.isoformat(), until=today.isoformat())
    assert found(until=(today - timedelta(days=1)).isoformat()) == []


def test_search_keeps_bad_input_by_the_field(world, client):
    client.force_login(world.admin)
    response = client.get(
        reverse("accounts:audit_search"), {"child": "abc", "since": "2026-02-31", "until": "x"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "child" in form.errors and "since" in form.errors
    assert 'value="abc"' in response.content.decode()


def test_superuser_can_search_and_nobody_else(world, client):
    operations = UserFactory(email="ops@example.org", is_superuser=True, is_staff=True)
    client.force_login(operations)
    assert client.get(reverse("accounts:audit_search")).status_code == 200
    for persona in ("parent", "therapist", "supporting"):
        client.force_login(world.persona(persona))
        assert client.get(reverse("accounts:audit_search")).status_code == 404


def test_search_is_read_only(world, client):
    client.force_login(world.admin)
    event = _event(detail="original")
    client.post(reverse("accounts:audit_search"), {"detail": "changed"})
    event.refresh_from_db()
    assert event.detail == "original"


def test_search_runs_constant_queries(world, client, django_assert_num_queries):
    client.force_login(world.admin)
    url = reverse("accounts:audit_search")
    _event(user=world.therapist)
    # session, user, record types, count, page of events (users joined), the
    # menu's unread count
    with django_assert_num_queries(6):
        client.get(url, {"action": "view"})
    for n in range(60):
        _event(user=AdminFactory(), record_type=f"type{n % 7}", child_id=n)
    with django_assert_num_queries(6):
        response = client.get(url, {"action": "view"})
    assert len(response.context["page"].object_list) == 50
    with django_assert_num_queries(6):
        client.get(url, {"action": "view", "page": 2})


def test_therapist_sees_their_childs_access_history(world, client):
    _event(user=world.parent, child_id=world.child.pk, detail="opened the goals")
    _event(user=world.other_therapist, child_id=world.other_child.pk, detail="other child")
    client.force_login(world.therapist)
    response = client.get(reverse("families:child_access_history", args=[world.child.pk]))
    text = response.content.decode()
    assert "opened the goals" in text
    assert "other child" not in text
    assert (
        client.get(
            reverse("families:child_access_history", args=[world.other_child.pk])
        ).status_code
        == 404
    )


def test_access_history_runs_constant_queries(world, client, django_assert_max_num_queries):
    client.force_login(world.therapist)
    url = reverse("families:child_access_history", args=[world.child.pk])
    _event(user=world.parent, child_id=world.child.pk)
    # session, user, the child with the caseload check, count, page of events,
    # and the menu's counts (unread messages, notes to sign)
    with django_assert_max_num_queries(7) as few:
        client.get(url)
    for _ in range(60):
        _event(user=UserFactory(), child_id=world.child.pk)
    with django_assert_max_num_queries(len(few)):
        client.get(url)


def test_invitation_and_permission_changes_are_audited(world, client):
    client.force_login(world.parent)
    client.post(
        reverse("families:invitation_create", args=[world.family.pk]),
        {
            "full_name": "Auntie",
            "email": "auntie@example.org",
            "relationship": "other",
            "access_level": "supporting",
            "children": [world.child.pk],
        },
    )
    assert AuditEvent.objects.filter(action="invite", user=world.parent).exists()
    client.force_login(world.admin)
    client.post(
        reverse("families:caseload_manage", args=[world.sibling.pk]),
        {"therapist": world.therapist.pk, "kind": "lead", "starts_on": "2026-01-05"},
    )
    assert AuditEvent.objects.filter(
        action="permission", child_id=world.sibling.pk, user=world.admin
    ).exists()


def _request_from(rf, remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_forwarded_for_is_ignored_without_a_trusted_proxy(rf, settings):
    """Issue 19, finding 4: nobody can write an invented address into the
    audit trail or the lock-out counts by sending X-Forwarded-For."""
    from accounts.audit import client_ip

    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request_from(rf, "198.51.100.4", "203.0.113.99")) == "198.51.100.4"


def test_the_address_our_proxy_saw_is_taken_from_the_right(rf, settings):
    from accounts.audit import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "6.6.6.6"; our one proxy appended the address it saw.
    request = _request_from(rf, "10.0.0.2", "6.6.6.6, 203.0.113.5")
    assert client_ip(request) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 2
    request = _request_from(rf, "10.0.0.3", "6.6.6.6, 203.0.113.5, 10.0.0.2")
    assert client_ip(request) == "203.0.113.5"
    # Fewer entries than proxies, or garbage where the address should be:
    # the nearest sender is all we know.
    assert client_ip(_request_from(rf, "10.0.0.3", "203.0.113.5")) == "10.0.0.3"
    assert client_ip(_request_from(rf, "10.0.0.3", "x, <script>")) == "10.0.0.3"


def test_a_failed_login_records_the_real_address_not_the_invented_one(client, world):
    from django.urls import reverse

    client.post(
        reverse("account_login"),
        {"login": world.parent.email, "password": "wrong"},
        REMOTE_ADDR="198.51.100.30",
        HTTP_X_FORWARDED_FOR="192.0.2.77",
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.ip_address == "198.51.100.30"
