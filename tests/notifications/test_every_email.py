"""Every kind of e-mail the portal sends, made the way the portal makes it and
read back with Python's e-mail parser: a row in the outbox ("E-mails sent"),
a text part and an HTML part that is a whole document (lang, title), a
Message-ID on the site's domain, List-Unsubscribe (+Post) unless it is
transactional, Auto-Submitted on automatic mail, and no child's name unless
the family chose it."""

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.emails import (
    CANCELLED,
    CONFIRMED,
    WAITLIST_EXPIRED,
    WAITLIST_OFFER,
    booking_notify,
    reminders_sweep,
    waitlist_notify,
)
from bookings.models import WaitlistEntry
from families.grants import GRANT_NOTICE, grant_notice_queue
from families.models import Caregiver, Consent, ConsentKind
from families.tasks import send_invitation_email
from messaging import services as messaging_services
from notifications.models import OutboxMessage
from notifications.registry import all_kinds, get_kind
from notifications.services import outbox_sweep
from portal.summaries import summaries_sweep
from tests.bookings.factories import GroupSessionFactory
from tests.factories import GoalFactory, PracticeLogFactory, WinFactory, make_invitation
from tests.messaging.factories import MessageFactory
from tests.notifications.helpers import due_booking

pytestmark = pytest.mark.django_db

SITE = "portal.example.org"
NOW = "2026-12-06 10:30:00+00:00"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = f"https://{SITE}"
    with time_machine.travel(NOW, tick=False):
        yield


def _reminder(world, capture):
    due_booking(world)
    reminders_sweep()


def _confirmed(world, capture):
    booking = due_booking(world, hours_ahead=72)
    with capture(execute=True):
        booking_notify(booking=booking, kind=CONFIRMED)


def _cancelled(world, capture):
    booking = due_booking(world, hours_ahead=72)
    with capture(execute=True):
        booking_notify(booking=booking, kind=CANCELLED)


def _waitlist(kind, status):
    def make(world, capture):
        now = timezone.now()
        entry = WaitlistEntry.objects.create(
            group_session=GroupSessionFactory(topic="Calmer mornings"),
            family=world.family,
            position=1,
            joined_by=world.parent,
            status=status,
            offered_at=now,
            offer_expires_at=now + timedelta(days=1),
        )
        with capture(execute=True):
            waitlist_notify(entry=entry, kind=kind)

    return make


def _summary(world, capture):
    goal = GoalFactory(child=world.child, title="Puts on his shoes alone")
    PracticeLogFactory(strategy__child=world.child, strategy__goals=[goal], caregiver=world.parent)
    WinFactory(child=world.child, text="Both shoes on before breakfast!")
    Caregiver.objects.exclude(user=world.parent).update(summary_frequency="off")
    summaries_sweep(today=timezone.localdate() + timedelta(days=7))


def _invitation(world, capture):
    invitation, token = make_invitation(family=world.family, by=world.parent)
    send_invitation_email(invitation_id=invitation.pk, token=token)


def _grant_notice(world, capture):
    invitation, _ = make_invitation(family=world.family, by=world.admin, email="gran@example.org")
    grant_notice_queue(
        by=world.admin, family=world.family, object_type="invitation", object_id=invitation.pk
    )


def _nudge(world, capture):
    message = MessageFactory(
        conversation__child=world.child,
        author=world.therapist,
        body="About Yusuf's handwriting",
        created_at=timezone.now() - timedelta(minutes=31),
    )
    Caregiver.objects.exclude(user=world.parent).update(receives_message_nudges=False)
    with capture(execute=True):
        messaging_services.message_nudge(message_id=message.pk)


def _download(world, client, capture):
    client.force_login(world.parent)
    with capture(execute=True):
        client.post(reverse("privacy:family_export", args=[world.family.pk]))


def _password_reset(world, client, capture):
    client.post(reverse("account_reset_password"), {"email": world.parent.email})


def _unknown_account(world, client, capture):
    client.post(reverse("account_reset_password"), {"email": "stranger@example.org"})


def _report_share(world, client, capture):
    Consent.objects.create(
        family=world.family, kind=ConsentKind.SHARE_WITH_SCHOOL, given_by=world.parent
    )
    client.force_login(world.parent)
    with capture(execute=True):
        client.post(
            reverse("reports:share", args=[world.child.pk]),
            {"recipient_email": "senco@school.example"},
        )


# kind → (how to make one, to whom, whether the family chose to see the
# child's name in it)
KINDS = {
    "booking_reminder": (_reminder, "parent@example.org", False),
    CONFIRMED: (_confirmed, "parent@example.org", False),
    CANCELLED: (_cancelled, "parent@example.org", False),
    WAITLIST_OFFER: (_waitlist(WAITLIST_OFFER, "offered"), "parent@example.org", False),
    WAITLIST_EXPIRED: (_waitlist(WAITLIST_EXPIRED, "expired"), "parent@example.org", False),
    # Progress summaries are about the child's goals by nature: the family
    # chooses them (and how often) on the E-mail choices page.
    "progress_summary": (_summary, "parent@example.org", True),
    "invitation": (_invitation, "new.person@example.org", False),
    GRANT_NOTICE: (_grant_notice, "parent@example.org", False),
    "message_nudge": (_nudge, "parent@example.org", False),
    "family_download": (_download, "parent@example.org", False),
    "account_password_reset": (_password_reset, "parent@example.org", False),
    "account_unknown": (_unknown_account, "stranger@example.org", False),
    # The family sends the report about the child to the school themselves.
    "report_share": (_report_share, "senco@school.example", True),
}
NEEDS_CLIENT = {_download, _password_reset, _unknown_account, _report_share}


def test_every_kind_of_email_is_tested_here():
    """A new kind of e-mail must be added to KINDS (and so to the test below)."""
    untested = {kind.key for kind in all_kinds()} - set(KINDS)
    # Sent by allauth only for flows this portal has switched off (sign-up,
    # e-mail changes): their headers and shell come from the same code.
    untested -= {
        "account_password_changed",
        "account_password_set",
        "account_email_changed",
        "account_notice",
    }
    assert not untested


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_email_reads_right_in_a_mail_program(
    kind, world, client, django_capture_on_commit_callbacks
):
    make, recipient, names_chosen = KINDS[kind]
    mail.outbox.clear()
    if make in NEEDS_CLIENT:
        make(world, client, django_capture_on_commit_callbacks)
    else:
        make(world, django_capture_on_commit_callbacks)
    outbox_sweep()
    sent = [m for m in mail.outbox if recipient in m.to]
    assert len(sent) == 1, [(m.to, m.subject) for m in mail.outbox]

    # The outbox: one row, sent, of this kind.
    row = OutboxMessage.objects.get(kind=kind, recipient_email=recipient)
    assert row.status == OutboxMessage.Status.SENT

    parsed = message_from_bytes(sent[0].message().as_bytes(), policy=policy.default)
    registered = get_kind(kind)
    # Message-ID on the site's own domain, the same the outbox gives the row.
    assert re.fullmatch(
        rf"<outbox\.{row.pk}\.[0-9a-f]{{20}}@{re.escape(SITE)}>", parsed["Message-ID"].strip()
    )
    if registered.transactional:
        assert parsed["List-Unsubscribe"] is None
        assert parsed["List-Unsubscribe-Post"] is None
    else:
        assert re.fullmatch(
            rf"<https://{re.escape(SITE)}/[^>]*unsubscribe[^>]*>",
            parsed["List-Unsubscribe"].strip(),
        )
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    if registered.automatic:
        assert parsed["Auto-Submitted"] == "auto-generated"
    else:
        assert parsed["Auto-Submitted"] is None

    # Text and HTML, the HTML a whole document titled with the subject.
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    body = html.get_content()
    assert body.lstrip().lower().startswith("<!doctype html>")
    assert '<html lang="en-GB">' in body
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    assert title.replace("&#x27;", "'").replace("&amp;", "&") == parsed["Subject"]
    assert "</body>" in body and "</html>" in body

    # Links are the site's, never the request's host.
    everything = parsed["Subject"] + text.get_content() + body
    assert "testserver" not in everything
    for url in re.findall(r"https?://[^\s\"'<>]+", everything):
        # The practice's video call is the one link elsewhere.
        assert url.startswith((f"https://{SITE}/", "https://meet.example.org/")), url

    if not names_chosen:
        assert world.child.first_name not in everything
        assert world.sibling.first_name not in everything


def test_password_reset_is_branded_and_linked_from_the_site(world, client):
    client.post(reverse("account_reset_password"), {"email": world.parent.email})
    [email] = mail.outbox
    assert email.subject == "Setting a new password for Family OT Portal"
    assert "[" not in email.subject and "Password Reset" not in email.subject
    link = re.search(r"https://\S+", email.body).group(0)
    assert link.startswith(f"https://{SITE}/accounts/password/reset/key/")
    # The link works: it leads to the page to choose a new password.
    response = client.get(link.removeprefix(f"https://{SITE}"), follow=True)
    assert response.status_code == 200
    assert b"password1" in response.content
