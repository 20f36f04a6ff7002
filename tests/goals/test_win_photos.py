"""A photo with a win: offered only while the family's consent to photos
stands (a photo sent anyway is refused, the win not shared, the words kept),
stored by messaging's service for photos from home (type from the bytes,
metadata gone), on the win's card in place and without script, and seen by
whoever sees the win, by its policy (goals.permissions.wins_for), and no one
else."""

import io
import json
import uuid
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from families.models import Consent
from goals import services
from goals.models import Win
from messaging.models import MediaFile
from messaging.permissions import media_for
from tests.messaging.factories import give_media_consent, jpeg_bytes, png_bytes

pytestmark = pytest.mark.timesweep

HTMX = {"HTTP_HX_REQUEST": "true"}
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def _url(world) -> str:
    return reverse("goals:win_create", args=[world.child.pk])


def _photo(content: bytes | None = None, name: str = "shoes.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or jpeg_bytes(), content_type="image/jpeg")


def _located_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 40.0)}
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(
        out, format="JPEG", exif=exif.tobytes(), comment=b"12 Acacia Avenue"
    )
    return out.getvalue()


def test_without_consent_no_photo_is_offered_and_one_sent_anyway_is_refused(world, login):
    client = login(world.parent)
    page = client.get(reverse("goals:child_goals", args=[world.child.pk])).text
    assert 'name="photo"' not in page
    assert 'name="photo"' not in client.get(_url(world)).text

    response = client.post(_url(world), {"text": "Shoes on by himself!", "photo": _photo()}, **HTMX)
    html = response.content.decode()
    assert "has not agreed to sharing photos" in html
    # Nothing kept, and what was typed is still in the form.
    assert not Win.objects.exists() and not MediaFile.objects.exists()
    assert "Shoes on by himself!</textarea>" in html


def test_with_consent_a_photo_is_shared_in_place_without_its_metadata(world, login):
    give_media_consent(world.family)
    client = login(world.parent)
    page = client.get(reverse("goals:child_goals", args=[world.child.pk])).text
    assert 'name="photo"' in page and 'enctype="multipart/form-data"' in page

    original = _located_jpeg()
    response = client.post(
        _url(world),
        {"text": "Shoes on!", "client_id": str(uuid.uuid4()), "photo": _photo(original)},
        **HTMX,
    )
    html = response.content.decode()
    win = Win.objects.get()
    [photo] = win.photos.all()
    assert photo.child == world.child and photo.uploaded_by == world.parent
    assert "Shared ✓" in html
    assert reverse("messaging:media", args=[photo.id]) in html
    stored = photo.file.read()
    assert b"SecretCameraMaker" not in stored and b"Acacia" not in stored
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}


def test_without_script_the_photo_is_shared_and_shown_on_the_card(world, login):
    give_media_consent(world.family)
    client = login(world.supporting_goals_only)  # every linked caregiver shares wins
    form_page = client.get(_url(world)).text
    assert 'enctype="multipart/form-data"' in form_page and 'name="photo"' in form_page
    response = client.post(_url(world), {"text": "Ate his peas", "photo": _photo()})
    assert response.status_code == 302
    photo = MediaFile.objects.get(win__text="Ate his peas")
    page = client.get(response["Location"]).text
    assert reverse("messaging:media", args=[photo.id]) in page
    assert 'alt="Photo shared with this win"' in page


def test_a_file_that_is_not_a_photo_is_refused_and_the_words_kept(world, login):
    give_media_consent(world.family)
    client = login(world.parent)
    response = client.post(
        _url(world),
        {
            "text": "Rode his bike",
            "photo": SimpleUploadedFile("clip.mp4", MP4_HEAD + b"\x00" * 64),
        },
    )
    assert response.status_code == 200
    assert "Please choose a photo (JPEG, PNG or WebP)" in response.text
    assert response.context["form"]["text"].value() == "Rode his bike"
    assert not Win.objects.exists() and not MediaFile.objects.exists()


def test_a_consent_withdrawn_after_the_page_was_drawn_stops_the_photo(world):
    give_media_consent(world.family)
    Consent.objects.filter(family=world.family).delete()
    with pytest.raises(ValidationError) as refused:
        services.win_add(child=world.child, by=world.parent, text="Hi", photo=_photo())
    assert "photo" in refused.value.message_dict
    assert not Win.objects.exists()


def test_the_photo_is_seen_by_whoever_sees_the_win_and_no_one_else(world, login):
    give_media_consent(world.family)
    win = services.win_add(
        child=world.child, by=world.parent, text="Buttons!", photo=_photo(png_bytes())
    )
    [photo] = win.photos.all()
    url = reverse("messaging:media", args=[photo.id])
    # Wins are every linked caregiver's, messages or not (Nani has goals only).
    seers = {"parent", "supporting", "supporting_goals_only", "supporting_booker", "therapist"}
    for name in (*seers, "supporting_unlinked", "other_parent", "other_therapist", "admin"):
        user = world.persona(name)
        expected = 200 if name in seers else 404
        assert login(user).get(url).status_code == expected, name
        assert media_for(user).filter(pk=photo.pk).exists() == (name in seers), name
    # Photos from home (messages and practice) are not where it shows.
    page = login(world.parent).get(reverse("messaging:photos", args=[world.child.pk])).text
    assert url not in page


def test_a_photo_goes_with_its_win_and_is_in_the_familys_download(world, client):
    from portal.export import export_scope, export_zip

    give_media_consent(world.family)
    win = services.win_add(child=world.child, by=world.parent, text="Buttons!", photo=_photo())
    [photo] = win.photos.all()
    scope = export_scope(family=world.family, requester=world.supporting_goals_only)
    archive = zipfile.ZipFile(io.BytesIO(export_zip(scope)))
    records = json.loads(archive.read("json/photos_and_videos.json"))["records"]
    [row] = [r for r in records if r["id"] == str(photo.id)]
    assert row["attached_to"] == "win “Buttons!”"
    assert row["file"] in archive.namelist()

    services.win_undo(child=world.child, win_id=win.pk, by=world.parent)
    assert not MediaFile.objects.filter(pk=photo.pk).exists()


def test_wins_and_their_photos_read_in_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries
):
    from goals import selectors

    give_media_consent(world.family)
    services.win_add(child=world.child, by=world.parent, text="One", photo=_photo())
    with django_assert_max_num_queries(2):
        wins = list(selectors.wins_for_child(world.child)[:5])
        [photo.id for win in wins for photo in win.photos.all()]
    for n in range(4):
        services.win_add(child=world.child, by=world.parent, text=f"More {n}", photo=_photo())
    with django_assert_max_num_queries(2):
        wins = list(selectors.wins_for_child(world.child)[:5])
        assert sum(len(win.photos.all()) for win in wins) == 5
    with django_assert_max_num_queries(2):
        newest = selectors.newest_wins([world.child.pk])
        assert sum(len(win.photos.all()) for win in newest) == 5
