"""The pages of the background work, on a phone and a desktop: the admin's
outbox, the therapist's summary preview and send button, and the one-click
unsubscribe page a parent reaches from an e-mail. Each is checked with axe-core."""

import pytest
from django.core import mail

from bookings.emails import REMINDER
from notifications.models import OutboxMessage
from notifications.signing import unsubscribe_token
from tests.notifications.test_summaries import _activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_admin_reads_the_outbox_with_failures(world, open_browser, viewport):
    from playwright.sync_api import expect

    OutboxMessage.objects.create(
        kind=REMINDER,
        recipient_email=world.parent.email,
        dedupe_key="browser:failed",
        status=OutboxMessage.Status.FAILED,
        attempts=2,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    OutboxMessage.objects.create(
        kind=REMINDER,
        recipient_email=world.supporting.email,
        dedupe_key="browser:sent",
        status=OutboxMessage.Status.SENT,
        attempts=1,
    )
    admin = open_browser(viewport, user=world.admin)
    admin.go("/")
    admin.go("/practice/outbox/")
    expect(admin.page.get_by_role("heading", name="E-mails sent")).to_be_visible()
    assert "SMTPServerDisconnected" in admin.page.content()
    admin.check("outbox")
    admin.page.locator("#status").select_option("failed")
    admin.page.get_by_role("button", name="Show", exact=True).click()
    expect(admin.page.get_by_text("SMTPServerDisconnected")).to_be_visible()
    assert world.supporting.email not in admin.page.content()
    admin.check("outbox-failed")


@pytest.mark.parametrize("viewport", ["phone"])
def test_therapist_previews_and_sends_a_summary(world, open_browser, viewport):
    from playwright.sync_api import expect

    _activity(world)
    therapist = open_browser(viewport, user=world.therapist)
    therapist.go(f"/families/{world.family.pk}/")
    therapist.page.get_by_role("link", name="Preview the next summary").click()
    expect(therapist.page.get_by_text("Both shoes on before breakfast!")).to_be_visible()
    therapist.check("summary-preview")
    therapist.page.get_by_role("button", name="Send the summary now").click()
    expect(therapist.page.get_by_text("Progress summary on its way")).to_be_visible()
    # One for each of the family's four caregivers (the parent and the three supporting
    # caregivers, whatever each may see of it).
    assert len(mail.outbox) == 4


@pytest.mark.parametrize("viewport", ["phone"])
def test_parent_unsubscribes_in_one_click_without_logging_in(world, open_browser, viewport):
    from playwright.sync_api import expect

    visitor = open_browser(viewport)
    visitor.go(f"/unsubscribe/{unsubscribe_token(world.parent.email, REMINDER)}/")
    visitor.check("unsubscribe")
    visitor.page.get_by_role("button", name="Unsubscribe").click()
    expect(visitor.page.get_by_role("heading", name="You're unsubscribed")).to_be_visible()
    visitor.check("unsubscribed")
