"""A family's consent to being e-mailed about therapy (ConsentKind.EMAIL_CONTACT)
and what is sent: each kind of e-mail states whether it is necessary or about
therapy (notifications.registry.Purpose); a family's caregivers get e-mails
about therapy only while the family agrees, read when sending, in one query per
batch. Staff are not affected."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from bookings.emails import CANCELLED, CONFIRMED, REMINDER, booking_notify, reminders_sweep
from families import services as family_services
from families.models import AccessLevel, Caregiver, ConsentKind, Relationship
from messaging import services as messaging_services
from messaging.models import Topic
from notifications.models import OutboxMessage
from notifications.registry import Purpose, all_kinds, get_kind
from notifications.services import NO_CONSENT, outbox_sweep
from portal.summaries import SUMMARY, summaries_sweep, summary_send_now
from tests import factories
from tests.bookings.factories import AvailabilityFactory, ServiceFactory, in_days
from tests.messaging.factories import ConversationFactory, MessageFactory
from tests.notifications.helpers import due_booking, escort_of
from tests.notifications.test_every_email import KINDS, NEEDS_CLIENT
from tests.notifications.test_summaries import _activity, _next_week

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]

EMAIL = ConsentKind.EMAIL_CONTACT


def _withdraw(family, by):
    family_services.consent_withdraw(family=family, kind=EMAIL, by=by)


def _to(user) -> list:
    return [m for m in mail.outbox if user.email in m.to]


def _held(**filters) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(skip_reason=NO_CONSENT, **filters))


def _next_week_activity(world):
    """A week of news for the Ahmeds; the day their summary is due."""
    _activity(world)
    return _next_week()


# --- Each kind says why it is sent ------------------------------------------------------


NECESSARY = {
    "account_password_reset",
    "account_unknown",
    "account_password_changed",
    "account_password_set",
    "account_email_changed",
    "account_notice",
    "invitation",
    "access_granted",
    "family_download",
    "report_share",
}
ABOUT_THERAPY = {
    "booking_reminder",
    "progress_summary",
    "message_nudge",
    "waitlist_offer",
    "waitlist_expired",
}
RECEIPTS = {CONFIRMED, CANCELLED}


def test_every_kind_of_email_says_whether_it_is_necessary_or_about_therapy():
    purposes = {kind.key: kind.purpose for kind in all_kinds()}
    assert set(purposes) == NECESSARY | ABOUT_THERAPY | RECEIPTS
    assert {key for key, purpose in purposes.items() if purpose == Purpose.NECESSARY} == NECESSARY
    assert {
        key for key, purpose in purposes.items() if purpose == Purpose.ABOUT_THERAPY
    } == ABOUT_THERAPY
    assert {key for key, purpose in purposes.items() if purpose == Purpose.RECEIPT} == RECEIPTS


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_family_without_consent_gets_only_necessary_emails(
    kind, world, client, django_capture_on_commit_callbacks
):
    """Every kind, made the way the portal makes it, for a family with no
    consent: necessary ones arrive, the others are recorded as not sent."""
    _withdraw(world.family, world.parent)
    make, recipient, _names = KINDS[kind]
    if make in NEEDS_CLIENT:
        make(world, client, django_capture_on_commit_callbacks)
    else:
        make(world, django_capture_on_commit_callbacks)
    outbox_sweep()
    sent = [m for m in mail.outbox if recipient in m.to]
    if get_kind(kind).purpose == Purpose.NECESSARY:
        assert len(sent) == 1
    else:
        assert sent == []
        assert recipient in {row.recipient_email for row in _held(kind=kind)}


# --- Reminders ------------------------------------------------------------------------------


def test_reminders_go_only_to_families_that_agree(world):
    due_booking(world, escort=escort_of(world))
    other = SimpleNamespace(family=world.other_family, child=world.other_child)
    due_booking(other)
    _withdraw(world.family, world.parent)
    assert reminders_sweep() == 3
    # The Jones family agrees; the Ahmeds withdrew: neither their parent nor
    # the grandad bringing Yusuf hears.
    assert [m.to for m in mail.outbox] == [[world.other_parent.email]]
    assert sorted(row.recipient_email for row in _held(kind=REMINDER)) == sorted(
        [world.parent.email, world.supporting.email]
    )


def test_withdrawing_stops_emails_already_queued(world, django_capture_on_commit_callbacks):
    """Read when sending: an e-mail queued before the withdrawal is not sent."""
    booking = due_booking(world, hours_ahead=72)
    with django_capture_on_commit_callbacks(execute=False):
        booking_notify(booking=booking, kind=CONFIRMED)  # queued, not handed over
    _withdraw(world.family, world.parent)
    outbox_sweep()
    assert mail.outbox == []
    assert [row.recipient_email for row in _held(kind=CONFIRMED)] == [world.parent.email]


def test_withdrawing_on_the_consents_page_stops_them_and_giving_again_restarts(world, client):
    client.force_login(world.parent)
    url = reverse("families:consents", args=[world.family.pk])
    client.post(url, {"kind": EMAIL, "decision": "withdraw"})
    due_booking(world)
    reminders_sweep()
    assert mail.outbox == []
    client.post(url, {"kind": EMAIL, "decision": "give"})
    due_booking(world)
    reminders_sweep()
    assert [m.to for m in mail.outbox] == [[world.parent.email]]


def test_a_caregiver_of_two_families_hears_only_about_the_one_that_agrees(world):
    """The family is the booking's: the nanny of two families gets the
    reminders of the family that agrees, not those of the one that withdrew."""
    nanny = factories.UserFactory(email="shared.nanny@example.org")
    for family in (world.family, world.other_family):
        factories.CaregiverFactory(
            user=nanny,
            family=family,
            relationship=Relationship.NANNY,
            access_level=AccessLevel.SUPPORTING,
        )
    ahmed = Caregiver.objects.get(user=nanny, family=world.family)
    jones = Caregiver.objects.get(user=nanny, family=world.other_family)
    due_booking(world, escort=ahmed)
    due_booking(SimpleNamespace(family=world.other_family, child=world.other_child), escort=jones)
    _withdraw(world.family, world.parent)
    reminders_sweep()
    to_nanny = OutboxMessage.objects.filter(recipient=nanny, kind=REMINDER)
    assert sorted((row.params["family"], row.status) for row in to_nanny) == sorted(
        [(world.family.pk, "skipped"), (world.other_family.pk, "sent")]
    )
    assert len(_to(nanny)) == 1


def test_reminders_without_consent_add_no_query_per_recipient(world, django_assert_max_num_queries):
    """The consent is read once per batch, and rows held for it are closed
    together: more families without it cost no more queries."""
    service = ServiceFactory(reminder_offsets_hours=[48, 2])

    def families_without_consent(count):
        for _ in range(count):
            family = factories.FamilyFactory(email_consent=False)
            child = factories.ChildFactory(family=family)
            factories.CaregiverFactory(family=family)
            due_booking(SimpleNamespace(family=family, child=child), service=service)

    families_without_consent(1)
    with django_assert_max_num_queries(40) as few:
        reminders_sweep()
    OutboxMessage.objects.all().delete()
    families_without_consent(8)
    with django_assert_max_num_queries(40) as many:
        reminders_sweep()
    assert mail.outbox == []
    assert len(many.captured_queries) == len(few.captured_queries)
    assert OutboxMessage.objects.filter(skip_reason=NO_CONSENT).count() == 9


# --- Progress summaries --------------------------------------------------------------------


def test_summaries_go_only_to_families_that_agree(world):
    today = _next_week_activity(world)
    _withdraw(world.family, world.parent)
    summaries_sweep(today=today)
    assert mail.outbox == []
    held = _held(kind=SUMMARY)
    assert world.parent.email in {row.recipient_email for row in held}
    # Given again later: the summary held is not sent late (the next one goes).
    family_services.consent_give(family=world.family, kind=EMAIL, by=world.parent)
    summaries_sweep(today=today)
    assert mail.outbox == []


def test_the_therapists_send_now_button_respects_it_too(world, django_capture_on_commit_callbacks):
    _next_week_activity(world)
    _withdraw(world.family, world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        queued = summary_send_now(family=world.family)
    assert queued
    assert mail.outbox == []
    assert {row.recipient_email for row in _held(kind=SUMMARY)} == {
        caregiver.user.email for caregiver in queued
    }


def test_summaries_without_consent_add_no_query_per_recipient(world, django_assert_max_num_queries):
    today = _next_week_activity(world)
    _withdraw(world.family, world.parent)
    with django_assert_max_num_queries(60) as few:
        summaries_sweep(today=today)
    OutboxMessage.objects.all().delete()
    for _ in range(6):
        family = factories.FamilyFactory(email_consent=False)
        child = factories.ChildFactory(family=family)
        factories.CaregiverFactory(family=family)
        factories.PracticeLogFactory(strategy=factories.HomeStrategyFactory(child=child))
    with django_assert_max_num_queries(60) as many:
        summaries_sweep(today=today)
    assert mail.outbox == []
    # Building the summaries grows by nothing, nor does holding them.
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Message alerts --------------------------------------------------------------------------


def test_message_alerts_reach_staff_but_not_a_family_that_withdrew(world):
    """A parent's message waits unread: the therapist (staff) is alerted
    whatever the family's consent; the grandad (a caregiver) is not."""
    _withdraw(world.family, world.parent)
    message = MessageFactory(
        conversation=ConversationFactory(child=world.child, topic=Topic.THERAPY),
        author=world.parent,
        body="How was today?",
        created_at=timezone.now() - timedelta(minutes=31),
    )
    assert messaging_services.message_nudge(message_id=message.pk) == 2
    outbox_sweep()
    assert [m.to for m in mail.outbox] == [[world.therapist.email]]
    assert [row.recipient_email for row in _held(kind="message_nudge")] == [world.supporting.email]


# --- Bookings: a receipt for what you did, news of what others did --------------------------


@pytest.fixture
def online_therapy(world):
    service = ServiceFactory(kind="therapy", parent_only=False, bookable_online=True)
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday)
    return service


def _book(world, service, *, by, escort=None):
    return booking_services.appointment_book(
        service=service,
        therapist=world.therapist,
        starts_at=in_days(3),
        family=world.family,
        children=[world.child],
        escort=escort,
        by=by,
    )


def test_a_booking_made_by_the_practice_is_not_emailed_without_consent(
    world, online_therapy, django_capture_on_commit_callbacks
):
    _withdraw(world.family, world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(world, online_therapy, by=world.admin, escort=escort_of(world))
    assert mail.outbox == []
    assert sorted(row.recipient_email for row in _held(kind=CONFIRMED)) == sorted(
        [world.parent.email, world.supporting.email]
    )
    # Cancelled by the practice: news too.
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_cancel(booking=booking, by=world.admin, reason="Unwell")
    assert mail.outbox == []
    assert len(_held(kind=CANCELLED)) == 2


def test_the_parent_who_books_or_cancels_gets_the_receipt_whatever_the_consent(
    world, online_therapy, django_capture_on_commit_callbacks
):
    """Necessary to the parent who did it; the grandad bringing the child
    hears only while the family agrees."""
    _withdraw(world.family, world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(world, online_therapy, by=world.parent, escort=escort_of(world))
    assert [m.to for m in mail.outbox] == [[world.parent.email]]
    assert mail.outbox[0].subject.startswith("Booked:")
    assert [row.recipient_email for row in _held(kind=CONFIRMED)] == [world.supporting.email]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_cancel(booking=booking, by=world.parent)
    assert [m.to for m in mail.outbox] == [[world.parent.email]]
    assert mail.outbox[0].subject.startswith("Cancelled:")


def test_with_consent_everyone_who_hears_about_a_booking_gets_it(
    world, online_therapy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _book(world, online_therapy, by=world.admin, escort=escort_of(world))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.parent.email, world.supporting.email]
    )
    assert not _held()


def test_an_email_about_therapy_cannot_skip_the_consent_by_being_sent_directly(world):
    """message_send_direct reads no consent: it refuses every kind but the
    necessary ones, so nothing about therapy can go out that way."""
    from notifications.registry import Rendered
    from notifications.services import message_send_direct

    with pytest.raises(ValueError, match="queue it"):
        message_send_direct(
            kind=REMINDER,
            recipient_email=world.parent.email,
            recipient_id=world.parent.pk,
            dedupe_key="direct-reminder",
            content=Rendered(subject="Reminder", text="Tomorrow at ten.", html=""),
        )
    assert not OutboxMessage.objects.filter(kind=REMINDER).exists()
    assert not mail.outbox
