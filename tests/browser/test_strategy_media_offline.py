"""Strategies shown, and the phone as the family's companion, in Chromium:
the therapist attaches a photo and a ten-second video to a strategy on a
phone; the parent plays the video (and seeks: the media view answers 206),
opens the routine's picture sheet, has the manifest and the service worker,
then logs a practice with the network off, sees it waiting, and sees it sent
once when the network is back."""

import re

import pytest
from django.urls import reverse

from goals.models import PracticeLog
from messaging.models import MediaFile, MediaKind
from tests.factories import GoalFactory, HomeStrategyFactory, StrategyTemplateFactory
from tests.messaging.factories import clip_bytes, give_media_consent, jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_strategy_shown_then_practice_logged_offline(world, open_browser, tmp_path):
    from playwright.sync_api import expect

    give_media_consent(world.family)
    goal = GoalFactory(child=world.child, title="Puts on his coat by himself")
    strategy = HomeStrategyFactory(
        child=world.child, goals=[goal], routine="dressing", title="The coat flip"
    )
    photo = tmp_path / "step-1.jpg"
    photo.write_bytes(jpeg_bytes(size=(640, 480)))
    clip_bytes(tmp_path, seconds=10)
    video = tmp_path / "clip-10.webm"
    week = f"/children/{world.child.pk}/at-home/"

    # The therapist, in the session, on a phone.
    therapist = open_browser("phone", user=world.therapist)
    page = therapist.page
    therapist.go(week)
    page.get_by_role("link", name=re.compile("Photos and videos")).click()
    expect(page.get_by_role("heading", name="Photos and videos")).to_be_visible()
    therapist.check("strategy-photos-empty")
    page.get_by_label("Photo or video").set_input_files(str(photo))
    page.get_by_label("What it shows").fill("Coat on the floor, hood by the feet")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("The family sees it there")).to_be_visible()
    page.get_by_label("Photo or video").set_input_files(str(video))
    page.get_by_label("What it shows").fill("Arms in, and flip it over")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("The family sees it there")).to_be_visible()
    therapist.check("strategy-photos")

    # The practice's own demonstration, on the library strategy it came from.
    strategy.template = StrategyTemplateFactory(title="The coat flip, from the library")
    strategy.save()
    therapist.go("/strategy-library/")
    page.get_by_role("link", name=re.compile("Demonstration photos and videos .*coat flip")).click()
    page.get_by_label("Photo or video").set_input_files(str(photo))
    page.get_by_label("What it shows").fill("Our demonstration: hood at the feet")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Every family using it sees it")).to_be_visible()
    therapist.check("library-demonstration")
    assert sorted(MediaFile.objects.filter(strategy=strategy).values_list("kind", flat=True)) == [
        MediaKind.IMAGE,
        MediaKind.VIDEO,
    ]

    # The parent plays the video in the card and seeks in it.
    parent = open_browser("phone", user=world.parent)
    page = parent.page
    media_responses = []
    page.on(
        "response",
        lambda r: media_responses.append(r) if "/shared-media/" in r.url else None,
    )
    parent.go(week)
    card = page.locator(f"#strategy-{strategy.pk}")
    expect(card.get_by_role("img", name="Coat on the floor, hood by the feet")).to_be_visible()
    expect(card.get_by_role("img", name="Our demonstration: hood at the feet")).to_be_visible()
    player = card.locator("video")
    expect(player).to_have_attribute("playsinline", "")
    expect(player).to_have_attribute("preload", "metadata")
    played = player.evaluate(
        """async v => {
            v.muted = true;
            await v.play();
            await new Promise(r => setTimeout(r, 500));
            v.currentTime = 8;
            await new Promise(r => v.addEventListener('seeked', r, {once: true}));
            return {duration: v.duration, time: v.currentTime, error: v.error};
        }"""
    )
    assert played["error"] is None and round(played["duration"]) == 10
    assert played["time"] >= 8
    partial = [r for r in media_responses if r.status == 206]
    assert partial, [(r.url, r.status) for r in media_responses]
    size = MediaFile.objects.get(strategy=strategy, kind=MediaKind.VIDEO).size
    assert all(re.fullmatch(rf"bytes \d+-\d+/{size}", r.headers["content-range"]) for r in partial)
    parent.check("week-with-photos")

    # The picture sheet for the fridge, as it prints.
    page.get_by_role("link", name=re.compile("Picture sheet for the fridge")).first.click()
    expect(page.get_by_role("heading", name=re.compile("Getting dressed|Dressing"))).to_be_visible()
    expect(page.get_by_text("Coat on the floor, hood by the feet")).to_be_visible()
    page.emulate_media(media="print")
    parent.check("fridge-sheet-print")
    page.emulate_media(media="screen")

    # Installable: the manifest and a service worker controlling the page.
    parent.go(week)
    manifest = page.evaluate(
        "async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json()"
    )
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10_000)
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == parent.base_url + "/"
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's browser contexts are private windows, where nothing installs;
    # nothing else (manifest, icons, worker, scope) stands in the way.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors
    # Opened once under the worker, the week is kept on the phone.
    parent.go(week)

    # The network goes; the week and its photo still read, and a practice
    # waits to be sent. What cannot load offline is expected to fail: the
    # video (not kept on the phone), the worker's check for a new version,
    # the queue's look for the portal and its first try to send.
    video = MediaFile.objects.get(strategy=strategy, kind=MediaKind.VIDEO)
    video_url = reverse("messaging:media", args=[video.id])
    parent.expected_error_urls |= {
        parent.base_url + path
        for path in (video_url, "/sw.js", f"/strategies/{strategy.pk}/practice/quick/")
    }
    page.context.set_offline(True)
    page.reload(wait_until="load")
    expect(page.get_by_role("heading", name="This week at home", level=1)).to_be_visible()
    card = page.locator(f"#strategy-{strategy.pk}")
    kept_photo = card.get_by_role("img", name="Coat on the floor, hood by the feet")
    assert kept_photo.evaluate("img => img.complete && img.naturalWidth") == 640
    card.get_by_role("button", name="Went well").click()
    expect(card.get_by_role("status")).to_contain_text("Waiting to send")
    parent.check("practice-waiting")
    assert not PracticeLog.objects.exists()

    # Back online: sent, once.
    page.context.set_offline(False)
    expect(card.get_by_role("status")).to_contain_text("Sent", timeout=25_000)
    logs = list(PracticeLog.objects.all())
    assert len(logs) == 1 and logs[0].client_id is not None
    assert (logs[0].strategy, logs[0].caregiver, logs[0].outcome) == (
        strategy,
        world.parent,
        "well",
    )
    parent.go(week)  # a fresh page finds nothing left in the queue to send
    page.wait_for_timeout(500)
    assert PracticeLog.objects.count() == 1
    assert (
        page.evaluate(
            """() => new Promise(resolve => {
            const open = indexedDB.open('companion', 1);
            open.onsuccess = () => {
                const all = open.result.transaction('practice').objectStore('practice').getAll();
                all.onsuccess = () => resolve(all.result.length);
            };
        })"""
        )
        == 0
    )

    # Logging out empties the pages kept on the phone.
    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_function("async () => !(await caches.has('companion-pages-v1'))", timeout=5_000)
