"""Demo conversations: the Bennetts and Amira about Ollie (with a photo from
home, the family having agreed to photos), one waiting for an answer about
Zara, and a bookings question the office answered. Idempotent: a
conversation that already has messages is left as it is."""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from families.demo import DemoPractice
from families.models import ConsentKind
from families.selectors import consent_given
from families.services import consent_give
from messaging.models import Conversation, MediaFile, MediaKind, Message, ReadState, Topic


def _photo() -> bytes:
    """A drawn stand-in for a photo from home: a coat with three buttons."""
    image = Image.new("RGB", (480, 360), (225, 236, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((150, 60, 330, 330), fill=(40, 90, 140))
    for y in (120, 190, 260):
        draw.ellipse((228, y, 252, y + 24), fill=(240, 200, 60))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _conversation(child, topic, lines, now):
    """lines: (minutes ago, author, from_family, body, photo?)."""
    conversation, _ = Conversation.objects.get_or_create(child=child, topic=topic)
    if conversation.messages.exists():
        return
    for minutes_ago, author, from_family, body, photo in lines:
        at = now - timedelta(minutes=minutes_ago)
        message = Message.objects.create(
            conversation=conversation,
            author=author,
            from_family=from_family,
            body=body,
            created_at=at,
            # Demo history, not news: nobody is nudged about it.
            nudge_checked_at=at,
        )
        if photo:
            content = _photo()
            media = MediaFile(
                child=child,
                message=message,
                uploaded_by=author,
                kind=MediaKind.IMAGE,
                content_type="image/jpeg",
                extension="jpg",
                size=len(content),
            )
            media.file.save(f"{media.id}.jpg", ContentFile(content), save=False)
            media.save()
        ReadState.objects.update_or_create(
            conversation=conversation, user=author, defaults={"last_read_at": at}
        )


def seed(practice: DemoPractice) -> None:
    now = timezone.now()
    sarah = practice.users["parent1@demo.example"]
    chidi = practice.users["parent2@demo.example"]
    amira = practice.users["therapist1@demo.example"]
    pat = practice.users["admin@demo.example"]
    bennett = practice.families["bennett"]
    if not consent_given(bennett, ConsentKind.PHOTOS_IN_NOTES):
        consent_give(family=bennett, kind=ConsentKind.PHOTOS_IN_NOTES, by=sarah)

    _conversation(
        practice.children["oliver"],
        Topic.THERAPY,
        [
            (
                60 * 26,
                sarah,
                True,
                "Ollie did up three coat buttons by himself this morning!",
                True,
            ),
            (
                60 * 25,
                amira,
                False,
                "That is brilliant, well done Ollie! Keep the big buttons at the bottom "
                "for now; we will try the small ones on Thursday.",
                False,
            ),
        ],
        now,
    )
    _conversation(
        practice.children["zara"],
        Topic.THERAPY,
        [
            (
                60 * 3,
                chidi,
                True,
                "Zara found the weighted lap pad really helped at dinner. "
                "Should we use it at homework time too?",
                False,
            ),
        ],
        now,
    )
    _conversation(
        practice.children["oliver"],
        Topic.BOOKINGS,
        [
            (60 * 50, sarah, True, "Could we move next week's session to the afternoon?", False),
            (60 * 49, pat, False, "Yes, I have moved it to 3.30pm on the same day.", False),
        ],
        now,
    )
