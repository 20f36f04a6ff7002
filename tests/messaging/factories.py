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


def clip_bytes(folder, *, seconds: float, container: str = "webm") -> bytes:
    """A real video of that many seconds, made by ffmpeg (a test pattern, VP8
    in WebM so Chromium plays it; MPEG-4 in MP4 otherwise). Skips, or fails
    under CI=true, without ffmpeg."""
    import shutil
    import subprocess

    from tests.conftest import skip_or_fail

    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        skip_or_fail("this test needs ffmpeg (apt-get install ffmpeg)")
    codec = ["-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime"]
    if container != "webm":
        codec = ["-c:v", "mpeg4"]
    path = folder / f"clip-{seconds}.{container}"
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", str(seconds)),
            *codec,
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path.read_bytes()
