"""Photos and videos from home: consent, type from the bytes, sizes, empty
files, image bombs, EXIF stripped, and no way in for anyone outside the
child's circle, by the matrix (routes.py) and by guessing."""

import io
import struct
import uuid
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from messaging import media as media_checks
from messaging.models import MediaFile, MediaKind, Message
from tests.messaging.factories import (
    ConversationFactory,
    MediaFileFactory,
    MessageFactory,
    give_media_consent,
    jpeg_bytes,
    png_bytes,
)

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def _url(child):
    return reverse("messaging:conversation", args=[child.pk, "therapy"])


def _send(client, child, name, content, body="Look!"):
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    return client.post(_url(child), {"body": body, "attachment": upload})


def _bomb_png(width=100_000, height=100_000) -> bytes:
    """A tiny PNG whose header claims a gigantic picture."""
    data = png_bytes((1, 1))
    ihdr_start = 8 + 8  # signature, then length and type of the IHDR chunk
    header = struct.pack(">II", width, height) + data[ihdr_start + 8 : ihdr_start + 13]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + header) & 0xFFFFFFFF)
    return data[:ihdr_start] + header + crc + data[ihdr_start + 17 :]


def test_photo_with_consent_is_stored_and_served_to_the_therapist(world, login):
    give_media_consent(world.family)
    response = _send(login(world.parent), world.child, "buttons.png", png_bytes())
    assert response.status_code == 302
    media = MediaFile.objects.get()
    assert media.kind == MediaKind.IMAGE and media.content_type == "image/png"
    assert media.message.body == "Look!"
    assert str(media.id) in media.file.name and "buttons" not in media.file.name

    served = login(world.therapist).get(reverse("messaging:media", args=[media.id]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (8, 8)


def test_photo_alone_without_words_is_fine(world, login):
    give_media_consent(world.family)
    assert _send(login(world.parent), world.child, "a.png", png_bytes(), body="").status_code == 302
    assert Message.objects.get().body == ""


def test_a_photos_comment_xmp_and_location_are_all_stripped(world, login):
    """Issue 19, finding 7: a JPEG comment segment survived the re-encode."""
    give_media_consent(world.family)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 40.0)}
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(
        out,
        format="JPEG",
        exif=exif.tobytes(),
        comment=b"Flat 2, 12 Acacia Avenue, London",
        xmp=b"<x:xmpmeta><dc:creator>Aisha at home</dc:creator></x:xmpmeta>",
    )
    original = out.getvalue()
    assert b"Acacia" in original and b"Aisha at home" in original
    assert _send(login(world.parent), world.child, "x.jpg", original).status_code == 302
    stored = MediaFile.objects.get().file.read()
    assert b"Acacia" not in stored and b"Aisha at home" not in stored
    assert b"\xff\xfe" not in stored.split(b"\xff\xda")[0]  # no COM segment before the scan
    picture = Image.open(io.BytesIO(stored))
    assert not {"comment", "exif", "xmp"} & set(picture.info)
    assert dict(picture.getexif()) == {}


def test_exif_is_stripped(world, login):
    give_media_consent(world.family)
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 45.0, 12.0)}  # GPS info
    original = jpeg_bytes(exif=exif.tobytes())
    assert b"SecretCameraMaker" in original
    _send(login(world.parent), world.child, "x.jpg", original)
    stored = MediaFile.objects.get().file.read()
    assert b"SecretCameraMaker" not in stored
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}


def test_without_consent_nothing_is_stored(world, login):
    client = login(world.parent)
    page = client.get(_url(world.child))
    assert 'name="attachment"' not in page.content.decode()
    response = _send(client, world.child, "a.png", png_bytes())
    assert response.status_code == 400
    assert "has not agreed" in response.content.decode()
    assert not MediaFile.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("report.jpg", b"%PDF-1.4\n" + b"x" * 500, "not one of those"),
        ("notes.png", b"just some text pretending to be a picture" * 10, "not one of those"),
        ("page.png", b"<html><script>alert(1)</script></html>" * 10, "not one of those"),
        ("broken.png", png_bytes()[:40], "could not be read"),
        ("bomb.png", _bomb_png(), "too large to open"),
    ],
)
def test_bad_files_are_refused_with_the_reason(world, login, name, content, error):
    give_media_consent(world.family)
    response = _send(login(world.parent), world.child, name, content, body="Kept text")
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert "Kept text" in page  # the form keeps what was typed
    assert not MediaFile.objects.exists() and not Message.objects.exists()


def test_zero_byte_file_is_refused(world, login):
    give_media_consent(world.family)
    response = _send(login(world.parent), world.child, "empty.png", b"")
    assert response.status_code == 400
    assert "empty" in response.content.decode()
    with pytest.raises(ValidationError, match="empty"):
        media_checks.check_upload(SimpleUploadedFile("e.png", b""))
    assert not MediaFile.objects.exists()


def test_oversized_photo_is_refused(world, login):
    give_media_consent(world.family)
    content = png_bytes() + b"\0" * (10 * 1024 * 1024)
    response = _send(login(world.parent), world.child, "huge.png", content)
    assert response.status_code == 400
    assert "up to 10 MB" in response.content.decode()
    assert not MediaFile.objects.exists()


def _video_with_a_location(tmp_path, container="mov") -> bytes:
    """A one-second clip made by ffmpeg itself, tagged as a phone would tag
    it: where it was filmed, and a comment with a home address."""
    import shutil
    import subprocess

    from tests.conftest import skip_or_fail

    if shutil.which("ffmpeg") is None:
        skip_or_fail("this test needs ffmpeg (apt-get install ffmpeg)")
    path = tmp_path / f"clip.{container}"
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"),
            *("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5", "-t", "1", "-c:v", "mpeg4"),
            *("-metadata", "location=+51.5074-000.1278/"),
            *("-metadata", "comment=Flat 2, 12 Acacia Avenue"),
            *("-movflags", "use_metadata_tags", str(path)),
        ],
        check=True,
        capture_output=True,
    )
    return path.read_bytes()


@pytest.mark.parametrize(("container", "mime"), [("mov", "video/quicktime"), ("mp4", "video/mp4")])
def test_videos_lose_their_location_and_keep_their_pictures(
    world, login, tmp_path, container, mime
):
    """Issue 19, finding 7: a video's location tag and comment are gone."""
    import subprocess

    give_media_consent(world.family)
    original = _video_with_a_location(tmp_path, container)
    assert b"+51.5074-000.1278" in original and b"Acacia" in original
    response = _send(login(world.parent), world.child, f"clip.{container}", original)
    assert response.status_code == 302
    media = MediaFile.objects.get()
    assert (media.kind, media.content_type, media.extension) == ("video", mime, container)
    stored = media.file.read()
    assert media.size == len(stored)
    assert b"51.5074" not in stored and b"Acacia" not in stored
    assert b"Lavf" not in stored  # no encoder name or version either
    saved = tmp_path / f"stored.{container}"
    saved.write_bytes(stored)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,width", "-of", "csv", saved],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "stream,video,64"


def test_videos_are_refused_with_a_clear_message_without_ffmpeg(world, login, monkeypatch):
    """Issue 19, finding 7: without ffmpeg nothing is stored byte for byte."""
    monkeypatch.setattr(media_checks, "ffmpeg_path", lambda: None)
    give_media_consent(world.family)
    response = _send(login(world.parent), world.child, "clip.mp4", MP4_HEAD + b"\0" * 2000)
    assert response.status_code == 400
    assert "We can&#x27;t take videos at the moment" in response.content.decode()
    assert not MediaFile.objects.exists()


def test_damaged_and_oversized_videos_are_refused(world, login, monkeypatch, tmp_path):
    give_media_consent(world.family)
    client = login(world.parent)
    response = _send(client, world.child, "clip.mp4", MP4_HEAD + b"\0" * 2000)
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()

    monkeypatch.setattr(media_checks, "MAX_VIDEO_BYTES", 1000)
    response = _send(client, world.child, "long.mov", _video_with_a_location(tmp_path))
    assert response.status_code == 400
    assert "up to 100 MB" in response.content.decode()
    assert not MediaFile.objects.exists()


def test_image_bomb_refused_by_the_checker_directly():
    with pytest.raises(ValidationError, match="too large"):
        media_checks.check_upload(SimpleUploadedFile("b.png", _bomb_png(9000, 9000)))


@pytest.mark.parametrize(
    "persona", ["other_parent", "supporting_unlinked", "other_therapist", "admin"]
)
def test_media_unreachable_outside_the_circle(world, login, persona):
    media = MediaFileFactory(
        message=MessageFactory(
            conversation=ConversationFactory(child=world.child), author=world.parent
        )
    )
    response = login(getattr(world, persona)).get(reverse("messaging:media", args=[media.id]))
    assert response.status_code == 404


def test_guessed_urls_find_nothing(world, login):
    media = MediaFileFactory(
        message=MessageFactory(
            conversation=ConversationFactory(child=world.child), author=world.parent
        )
    )
    client = login(world.parent)
    assert client.get(reverse("messaging:media", args=[media.id])).status_code == 200
    guesses = [
        reverse("messaging:media", args=[uuid.uuid4()]),
        f"/shared-media/{media.id.int}/",
        # One character off (never the real one: a UUID may already end in 0).
        f"/shared-media/{str(media.id)[:-1]}{'1' if str(media.id)[-1] == '0' else '0'}/",
        f"/media/{media.file.name}",
        f"/media-not-served/{media.file.name}",
        f"/static/{media.file.name}",
        f"/{media.file.name}",
    ]
    for url in guesses:
        assert client.get(url).status_code == 404, url
    assert login(None).get(reverse("messaging:media", args=[media.id])).status_code == 302


def test_media_of_a_deleted_message_is_gone(world, login):
    give_media_consent(world.family)
    client = login(world.parent)
    _send(client, world.child, "a.png", png_bytes())
    media = MediaFile.objects.get()
    url = reverse("messaging:media", args=[media.id])
    client.post(reverse("messaging:message_delete", args=[media.message_id]))
    assert not MediaFile.objects.exists()
    assert client.get(url).status_code == 404


def test_consent_withdrawn_stops_the_next_upload(world, login):
    consent = give_media_consent(world.family)
    client = login(world.parent)
    assert _send(client, world.child, "a.png", png_bytes()).status_code == 302
    consent.withdrawn_at = timezone.now()
    consent.save()
    assert _send(client, world.child, "b.png", png_bytes()).status_code == 400
    assert MediaFile.objects.count() == 1


def _log(world):
    from tests.factories import HomeStrategyFactory, PracticeLogFactory

    strategy = HomeStrategyFactory(child=world.child, title="Coat buttons")
    return PracticeLogFactory(strategy=strategy, caregiver=world.supporting)


def test_grandparent_adds_a_photo_to_practice_and_the_therapist_sees_it(world, login):
    give_media_consent(world.family)
    log = _log(world)
    client = login(world.supporting)
    response = client.post(
        reverse("messaging:practice_photo", args=[log.pk]),
        {"attachment": SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")},
    )
    assert response.status_code == 302
    media = MediaFile.objects.get()
    assert media.practice_log == log and media.message is None

    page = login(world.therapist).get(reverse("messaging:photos", args=[world.child.pk]))
    assert reverse("messaging:media", args=[media.id]) in page.content.decode()
    assert "Coat buttons" in page.content.decode()
    assert (
        login(world.therapist).get(reverse("messaging:media", args=[media.id])).status_code == 200
    )
    for outsider in ("supporting_unlinked", "admin", "other_parent", "other_therapist"):
        url = reverse("messaging:media", args=[media.id])
        assert login(getattr(world, outsider)).get(url).status_code == 404


def test_practice_photo_needs_consent_and_a_real_picture(world, login):
    log = _log(world)
    client = login(world.parent)
    url = reverse("messaging:practice_photo", args=[log.pk])
    upload = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    response = client.post(url, {"attachment": upload})
    assert response.status_code == 400 and "has not agreed" in response.content.decode()
    give_media_consent(world.family)
    fake = SimpleUploadedFile("p.jpg", b"MZ\x90\x00" + b"\0" * 300, content_type="image/jpeg")
    response = client.post(url, {"attachment": fake})
    assert response.status_code == 400 and "not one of those" in response.content.decode()
    assert not MediaFile.objects.exists()


def test_photos_page_queries_do_not_grow(world, login, django_assert_max_num_queries):
    give_media_consent(world.family)
    client = login(world.parent)
    MediaFileFactory(message=MessageFactory(conversation=ConversationFactory(child=world.child)))
    with django_assert_max_num_queries(40) as captured:
        client.get(reverse("messaging:photos", args=[world.child.pk]))
    baseline = len(captured)
    for _ in range(5):
        MediaFileFactory(
            message=MessageFactory(conversation=ConversationFactory(child=world.child))
        )
        MediaFile.objects.create(
            child=world.child,
            practice_log=_log(world),
            uploaded_by=world.parent,
            kind="image",
            content_type="image/png",
            extension="png",
            size=1,
            file="family-media/x.png",
        )
    with django_assert_max_num_queries(baseline):
        client.get(reverse("messaging:photos", args=[world.child.pk]))
