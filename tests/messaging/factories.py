import io

import factory
from django.core.files.base import ContentFile
from PIL import Image

from families.models import Consent, ConsentKind
from messaging.models import Conversation, MediaFile, MediaKind, Message, Topic
from tests.factories import ChildFactory, UserFactory


def png_bytes(size=(8, 8), color=(200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size=(16, 16), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG", **kwargs)
    return out.getvalue()


def give_media_consent(family) -> Consent:
    return Consent.objects.get_or_create(
        family=family, kind=ConsentKind.PHOTOS_IN_NOTES, withdrawn_at=None
    )[0]


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation
        django_get_or_create = ("child", "topic")

    child = factory.SubFactory(ChildFactory)
    topic = Topic.THERAPY


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    author = factory.SubFactory(UserFactory)
    from_family = True
    body = "Buttons went well this morning."


class MediaFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediaFile

    message = factory.SubFactory(MessageFactory)
    child = factory.LazyAttribute(lambda o: o.message.conversation.child)
    uploaded_by = factory.LazyAttribute(lambda o: o.message.author)
    kind = MediaKind.IMAGE
    content_type = "image/png"
    extension = "png"
    size = factory.LazyAttribute(lambda o: len(png_bytes()))
    file = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="photo.png"))
