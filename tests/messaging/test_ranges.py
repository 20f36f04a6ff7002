"""Photos and videos are served in ranges, so a video seeks (and plays at all
on an iPhone, whose Safari first asks for two bytes)."""

import pytest
from django.urls import reverse

from core.ranges import Unsatisfiable, parse_range
from tests.factories import HomeStrategyFactory
from tests.messaging.factories import MediaFileFactory, give_media_consent


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-1", (0, 1)),
        ("bytes=0-", (0, 999)),
        ("bytes=500-", (500, 999)),
        ("bytes=900-5000", (900, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes = 10 - 19", (10, 19)),
        # Not understood, so the whole file (as the RFC says):
        ("", None),
        ("bytes=-", None),
        ("bytes=5-2", None),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_past_the_end_is_unsatisfiable(header):
    with pytest.raises(Unsatisfiable):
        parse_range(header, 1000)


@pytest.fixture
def photo(world):
    give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child)
    return MediaFileFactory(
        message=None, child=world.child, strategy=strategy, uploaded_by=world.therapist
    )


def _get(client, media, **headers):
    response = client.get(reverse("messaging:media", args=[media.id]), headers=headers)
    return response, b"".join(response.streaming_content) if response.streaming else b""


def test_the_whole_file_says_ranges_are_welcome(world, login, photo):
    whole = photo.file.open("rb").read()
    response, body = _get(login(world.parent), photo)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(whole)) and body == whole
    assert response["Cache-Control"] == "private, no-store"


def test_iphone_safaris_first_two_bytes(world, login, photo):
    whole = photo.file.open("rb").read()
    response, body = _get(login(world.parent), photo, Range="bytes=0-1")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-1/{len(whole)}"
    assert response["Content-Length"] == "2" and body == whole[:2]
    assert response["Content-Type"] == "image/png"


def test_a_seek_to_the_middle_and_to_the_end(world, login, photo):
    whole = photo.file.open("rb").read()
    client = login(world.parent)
    response, body = _get(client, photo, Range="bytes=10-")
    assert response.status_code == 206 and body == whole[10:]
    assert response["Content-Range"] == f"bytes 10-{len(whole) - 1}/{len(whole)}"
    response, body = _get(client, photo, Range="bytes=-7")
    assert response.status_code == 206 and body == whole[-7:]


def test_a_range_past_the_end_answers_416(world, login, photo):
    whole = photo.file.open("rb").read()
    response, _ = _get(login(world.parent), photo, Range=f"bytes={len(whole)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(whole)}"


def test_an_if_range_we_cannot_check_gets_the_whole_file(world, login, photo):
    response, _ = _get(login(world.parent), photo, Range="bytes=0-1", If_Range='"abc"')
    assert response.status_code == 200


def test_a_range_gives_an_outsider_nothing(world, login, photo):
    for outsider in ("other_parent", "admin", "other_therapist"):
        response, _ = _get(login(getattr(world, outsider)), photo, Range="bytes=0-1")
        assert response.status_code == 404
