"""A parent and a grandparent use the portal as they would, on a phone and on a
desktop. Every page visited is checked with axe-core."""

import re

import pytest
from django.core import mail

from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_parent_logs_in_with_the_keyboard_and_invites_a_grandparent(
    world, open_browser, viewport, settings
):
    from playwright.sync_api import expect

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    parent = open_browser(viewport)
    page = parent.page
    parent.go("/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    parent.check("login")
    # Keyboard only: the skip link comes first, then the form.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.get_by_label("Email").focus()
    page.keyboard.type(world.parent.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=world.child.first_name, exact=True)).to_be_visible()
    assert world.other_child.first_name not in page.content()
    parent.check("home")

    page.get_by_role("link", name=world.child.first_name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.child.first_name)
    parent.check("child")

    parent.go(f"/families/{world.family.pk}/")
    expect(page.get_by_role("heading", name=world.family.name, exact=True)).to_be_visible()
    parent.check("my-family")
    page.get_by_role("link", name="Invite someone").click()
    parent.check("invite-form")
    # A mistake first: no child chosen. What was typed must survive.
    page.get_by_label("Their name").fill("Grace Ahmed")
    page.get_by_label("Their e-mail address").fill("grace@example.org")
    page.get_by_label("Relationship").select_option("grandparent")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Choose at least one child they will help with.")).to_be_visible()
    expect(page.get_by_label("Their name")).to_have_value("Grace Ahmed")
    parent.check("invite-form-error")
    page.get_by_label(world.child.first_name).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("We've sent an invitation to grace@example.org")).to_be_visible()
    expect(page.get_by_text("Invitations waiting")).to_be_visible()
    parent.check("invitation-sent")

    body = mail.outbox[-1].body
    link = re.search(r"https?://\S+/invite/\S+/", body).group(0)
    path = link[link.index("/invite/") :]

    grandparent = open_browser(viewport)
    gpage = grandparent.page
    grandparent.go(path)
    expect(gpage.get_by_role("heading", name=f"Join {world.family.name}")).to_be_visible()
    grandparent.check("accept-invitation")
    gpage.get_by_label("Your name").fill("Grace Ahmed")
    gpage.get_by_label("Choose a password").fill("sunny-garden-trowel-91")
    gpage.get_by_label("Type it again").fill("sunny-garden-trowel-91")
    gpage.get_by_role("button", name="Create my account and join").click()
    expect(gpage.get_by_role("link", name=world.child.first_name, exact=True)).to_be_visible()
    content = gpage.content()
    assert world.sibling.first_name not in content
    grandparent.check("grandparent-home")
    # Supporting caregivers have no family page with everyone's contact details.
    grandparent.go(f"/families/{world.family.pk}/", expect_status=404)
    grandparent.check("grandparent-not-found")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_admin_registers_a_family(world, open_browser, viewport):
    from playwright.sync_api import expect

    admin = open_browser(viewport, user=world.admin)
    page = admin.page
    admin.go("/")
    expect(page.get_by_role("heading", name="The practice's families")).to_be_visible()
    admin.check("admin-home")
    admin.go("/families/new/")
    admin.check("register-family")
    page.locator("#id_family-name").fill("The Brown family")
    page.locator("#id_caregiver-full_name").fill("Megan Brown")
    page.locator("#id_caregiver-email").fill("megan@example.org")
    page.locator("#id_children-0-first_name").fill("Alfie")
    page.locator("#id_children-0-last_name").fill("Brown")
    page.locator("#id_children-0-date_of_birth").fill("2019-05-02")
    page.get_by_role("button", name="Register and send the invitation").click()
    # Registering leads on to the family's lead therapist and first visit.
    expect(page.get_by_role("heading", name="First visit for The Brown family")).to_be_visible()
    admin.check("family-registered")


@pytest.mark.parametrize("viewport", ["phone"])
def test_therapist_sees_the_caseload(world, open_browser, viewport):
    from playwright.sync_api import expect

    extra = factories.ChildFactory(family=world.family, first_name="Zainab")
    factories.CaseloadFactory(therapist=world.therapist, child=extra, kind="covering")
    therapist = open_browser(viewport, user=world.therapist)
    therapist.go("/")
    expect(therapist.page.get_by_role("heading", name="My caseload")).to_be_visible()
    assert "Zainab" in therapist.page.content()
    assert world.other_child.first_name not in therapist.page.content()
    therapist.check("caseload")
