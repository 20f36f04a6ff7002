"""Strategies shown, not just told: the therapist's photos and videos on a
child's home strategy (only under the family's consent, a minute at most,
cleaned like every upload), the practice's demonstrations on a library
strategy, who may see each, and the family's card and picture sheet."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from messaging.models import MediaFile, MediaKind
from tests.factories import HomeStrategyFactory, StrategyTemplateFactory
from tests.messaging.factories import clip_bytes, give_media_consent, jpeg_bytes, png_bytes


def _add(client, strategy, name, content, content_type="image/png", caption=""):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(
        reverse("messaging:strategy_media", args=[strategy.pk]),
        {"attachment": upload, "caption": caption},
    )


def _served(client, media, **headers):
    response = client.get(reverse("messaging:media", args=[media.id]), headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_the_form_takes_a_photo_or_video_straight_from_the_phone_camera(world, login):
    give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child)
    page = login(world.therapist).get(reverse("messaging:strategy_media", args=[strategy.pk]))
    html = page.content.decode()
    assert 'accept="image/*,video/*"' in html and 'capture="environment"' in html
    assert "No photos or videos yet" in html


def test_therapist_adds_a_photo_with_its_step_and_the_family_sees_it_on_the_card(world, login):
    give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child, title="Coat on the floor")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 40.0)}
    response = _add(
        login(world.therapist),
        strategy,
        "IMG_0001.jpg",
        jpeg_bytes(exif=exif.tobytes()),
        "image/jpeg",
        caption="Lay the coat upside down",
    )
    assert response.status_code == 302
    media = MediaFile.objects.get()
    assert (media.strategy, media.child, media.kind) == (strategy, world.child, MediaKind.IMAGE)
    assert media.caption == "Lay the coat upside down" and "IMG_0001" not in media.file.name

    card = login(world.supporting).get(reverse("goals:routines", args=[world.child.pk]))
    html = card.content.decode()
    assert f'src="{reverse("messaging:media", args=[media.id])}"' in html
    assert "Lay the coat upside down" in html
    served, body = _served(login(world.supporting), media)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(body)).getexif()  # no location left in the file


def test_no_consent_no_photos_and_the_therapist_is_told_why(world, login):
    strategy = HomeStrategyFactory(child=world.child)
    client = login(world.therapist)
    page = client.get(reverse("messaging:strategy_media", args=[strategy.pk]))
    assert "has not agreed to photos and videos" in page.content.decode()
    response = _add(client, strategy, "a.png", png_bytes())
    assert response.status_code == 400
    assert "has not agreed to photos and videos" in response.content.decode()
    assert not MediaFile.objects.exists()


def test_a_withdrawn_consent_hides_the_childs_photos_from_the_family(world, login):
    consent = give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child)
    assert _add(login(world.therapist), strategy, "a.png", png_bytes()).status_code == 302
    media = MediaFile.objects.get()
    consent.withdrawn_at = timezone.now()
    consent.save()

    card = login(world.parent).get(reverse("goals:routines", args=[world.child.pk]))
    assert str(media.id) not in card.content.decode()
    assert _served(login(world.parent), media)[0].status_code == 404
    # The therapist still reaches it, to take it off the strategy.
    assert _served(login(world.therapist), media)[0].status_code == 200
    assert _add(login(world.therapist), strategy, "b.png", png_bytes()).status_code == 400


def test_a_video_of_ten_seconds_is_kept_and_one_over_a_minute_refused(world, login, tmp_path):
    give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child)
    client = login(world.therapist)
    ten = clip_bytes(tmp_path, seconds=10)
    assert _add(client, strategy, "clip.webm", ten, "video/webm").status_code == 302
    media = MediaFile.objects.get()
    assert media.kind == MediaKind.VIDEO and media.content_type == "video/webm"

    long = clip_bytes(tmp_path, seconds=65, container="mp4")
    response = _add(client, strategy, "long.mp4", long, "video/mp4")
    assert response.status_code == 400
    assert "up to a minute long; this one runs 65 seconds" in response.content.decode()
    assert MediaFile.objects.count() == 1


@pytest.mark.parametrize("persona", ["parent", "supporting", "other_parent", "admin"])
def test_only_the_childs_therapist_adds_photos(world, login, persona):
    give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child)
    client = login(getattr(world, persona))
    assert _add(client, strategy, "a.png", png_bytes()).status_code == 404
    other = login(world.other_therapist)
    assert _add(other, strategy, "a.png", png_bytes()).status_code == 404
    assert not MediaFile.objects.exists()


def test_the_therapist_removes_a_photo_and_its_file(
    world, login, django_capture_on_commit_callbacks
):
    give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child)
    _add(login(world.therapist), strategy, "a.png", png_bytes())
    media = MediaFile.objects.get()
    storage, name = media.file.storage, media.file.name
    remove = reverse("messaging:strategy_media_remove", args=[media.id])
    assert login(world.parent).post(remove).status_code == 404
    assert storage.exists(name)
    client = login(world.therapist)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(remove).status_code == 302
    assert not MediaFile.objects.exists()
    assert not storage.exists(name)


def test_a_library_demonstration_shows_to_every_family_using_it(world, login):
    template = StrategyTemplateFactory(title="Backward chaining: socks")
    ours = HomeStrategyFactory(child=world.child, template=template)
    client = login(world.therapist)
    response = client.post(
        reverse("messaging:template_media", args=[template.pk]),
        {
            "attachment": SimpleUploadedFile("d.png", png_bytes(), content_type="image/png"),
            "caption": "Sock over the toes",
        },
    )
    assert response.status_code == 302
    demo = MediaFile.objects.get()
    assert demo.template == template and demo.child is None
    assert demo.file.name.startswith("practice-media/")

    # No family consent is needed for the practice's own pictures.
    card = login(world.parent).get(reverse("goals:routines", args=[world.child.pk]))
    assert str(demo.id) in card.content.decode() and ours.title in card.content.decode()
    assert _served(login(world.supporting), demo)[0].status_code == 200
    assert _served(login(world.other_therapist), demo)[0].status_code == 200
    for outsider in ("other_parent", "supporting_unlinked", "admin"):
        assert _served(login(getattr(world, outsider)), demo)[0].status_code == 404
    # A family whose strategy from it has been retired no longer sees it.
    ours.retired_on = timezone.localdate()
    ours.save()
    assert _served(login(world.parent), demo)[0].status_code == 404


def test_the_picture_sheet_of_a_routine_shows_its_photos_as_steps(world, login):
    give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child, routine="bedtime", title="Teeth")
    other = HomeStrategyFactory(child=world.child, routine="dressing", title="Shoes")
    client = login(world.therapist)
    _add(client, strategy, "1.png", png_bytes(), caption="Toothpaste on")
    _add(client, strategy, "2.png", png_bytes(), caption="Top teeth, then bottom")
    _add(client, other, "3.png", png_bytes(), caption="Left shoe first")

    sheet = login(world.parent).get(
        reverse("goals:routine_sheet", args=[world.child.pk, "bedtime"])
    )
    html = sheet.content.decode()
    assert sheet.status_code == 200
    assert html.index("Toothpaste on") < html.index("Top teeth, then bottom")
    assert "Left shoe first" not in html and "Shoes" not in html
    assert "picture sheet" in html  # the title
    missing = login(world.parent).get(
        reverse("goals:routine_sheet", args=[world.child.pk, "sleepover"])
    )
    assert missing.status_code == 404


def test_an_empty_routine_sheet_says_so(world, login):
    sheet = login(world.parent).get(reverse("goals:routine_sheet", args=[world.child.pk, "bath"]))
    assert "Nothing for this part of the day yet" in sheet.content.decode()


def test_the_card_and_the_sheet_read_media_in_a_constant_number_of_queries(
    world, login, django_assert_max_num_queries
):
    give_media_consent(world.family)
    template = StrategyTemplateFactory()
    client = login(world.parent)

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    routines = reverse("goals:routines", args=[world.child.pk])
    sheet = reverse("goals:routine_sheet", args=[world.child.pk, "dressing"])
    HomeStrategyFactory(child=world.child, template=template)
    before = count(routines), count(sheet)
    for _ in range(3):
        strategy = HomeStrategyFactory(child=world.child, template=template)
        for _ in range(2):
            MediaFile.objects.create(
                child=world.child,
                strategy=strategy,
                kind=MediaKind.IMAGE,
                content_type="image/png",
                extension="png",
                size=1,
                file="family-media/x.png",
            )
        MediaFile.objects.create(
            template=template,
            kind=MediaKind.IMAGE,
            content_type="image/png",
            extension="png",
            size=1,
            file="practice-media/x.png",
        )
    assert (count(routines), count(sheet)) == before
    with django_assert_max_num_queries(20):
        client.get(routines)


def test_the_photos_pages_read_in_a_constant_number_of_queries(
    world, login, django_assert_max_num_queries
):
    give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child)
    template = StrategyTemplateFactory()
    client = login(world.therapist)
    for _ in range(5):
        _add(client, strategy, "a.png", png_bytes(), caption="A step")
        client.post(
            reverse("messaging:template_media", args=[template.pk]),
            {"attachment": SimpleUploadedFile("d.png", png_bytes(), content_type="image/png")},
        )
    with django_assert_max_num_queries(14):
        page = client.get(reverse("messaging:strategy_media", args=[strategy.pk]))
    assert page.content.decode().count("A step") >= 5
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("messaging:template_media", args=[template.pk])).status_code == 200
        )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("goals:library")).status_code == 200
