"""What takes a while shows that it is under way: the progress report (a few
seconds to make) and the family's download (built in the background)."""

import pytest

from tests.factories import GoalFactory, ProgressRatingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_report_says_it_is_being_made_then_downloads(world, open_browser):
    from playwright.sync_api import expect

    goal = GoalFactory(child=world.child, title="Puts on shoes by himself")
    ProgressRatingFactory(goal=goal, level=-1)
    parent = open_browser("phone", user=world.parent)
    page = parent.page
    parent.go(f"/children/{world.child.pk}/reports/")
    parent.check("reports")
    # Record what the status line and the bar show while the PDF is made.
    page.evaluate(
        """() => {
        window.seen = [];
        const status = document.getElementById("pdf-status");
        const bar = document.getElementById("pdf-progress");
        new MutationObserver(() => window.seen.push(
            [status.textContent, !bar.classList.contains("d-none")]
        )).observe(document.body, {subtree: true, childList: true, attributes: true,
                                   characterData: true});
    }"""
    )
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the progress report (PDF)").click()
    assert download.value.suggested_filename.startswith("progress-report-")
    seen = page.evaluate("() => window.seen")
    assert any(text.startswith("Making your report") and shown for text, shown in seen), seen
    expect(page.get_by_role("status")).to_contain_text("Your report is ready")
    expect(page.locator("#pdf-progress")).to_be_hidden()


def test_the_download_page_shows_its_progress_then_the_file(world, open_browser):
    from playwright.sync_api import expect

    parent = open_browser("desktop", user=world.parent)
    page = parent.page
    parent.go(f"/families/{world.family.pk}/download/")
    parent.check("download")
    page.get_by_role("button", name="Make the ZIP file").click()
    # Tasks run inline here, so the ZIP is ready by the time the page shows.
    expect(page.get_by_role("link", name="Download the ZIP file")).to_be_visible()
    parent.check("download-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the ZIP file").click()
    assert download.value.suggested_filename.startswith(f"family-{world.family.pk}-")
