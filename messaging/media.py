"""Checking what a family uploads: the type from the bytes (never the name or
the browser's word), the size, and for photos a fresh re-encode through Pillow
that drops EXIF (location, device) and refuses decompression bombs."""

import io
import warnings
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

from messaging.models import MediaKind

MB = 1024 * 1024
MAX_IMAGE_BYTES = 10 * MB
MAX_VIDEO_BYTES = 100 * MB
# A phone photo is 12–50 megapixels; beyond this, treat it as a bomb.
MAX_IMAGE_PIXELS = 60_000_000

IMAGE_TYPES = {
    "image/jpeg": ("jpg", "JPEG"),
    "image/png": ("png", "PNG"),
    "image/webp": ("webp", "WEBP"),
}
VIDEO_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}

# Process-wide on purpose: every image this portal opens comes from a family.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

WRONG_TYPE = (
    "Please choose a photo (JPEG, PNG or WebP) or a short video (MP4, MOV or WebM). "
    "This file is not one of those."
)


@dataclass(frozen=True)
class CheckedMedia:
    kind: str
    content_type: str
    extension: str
    content: bytes | None  # re-encoded image bytes; None: keep the upload as it is
    size: int


def check_upload(upload: UploadedFile) -> CheckedMedia:
    if not upload.size:
        raise ValidationError("This file is empty. Please choose the photo or video again.")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guess = filetype.guess(head)
    mime = guess.mime if guess else ""
    if mime in IMAGE_TYPES:
        if upload.size > MAX_IMAGE_BYTES:
            raise ValidationError("Photos can be up to 10 MB. Please choose a smaller one.")
        content = _clean_image(upload, IMAGE_TYPES[mime][1])
        return CheckedMedia(
            kind=MediaKind.IMAGE,
            content_type=mime,
            extension=IMAGE_TYPES[mime][0],
            content=content,
            size=len(content),
        )
    if mime in VIDEO_TYPES:
        if upload.size > MAX_VIDEO_BYTES:
            raise ValidationError("Videos can be up to 100 MB. Please choose a shorter one.")
        return CheckedMedia(
            kind=MediaKind.VIDEO,
            content_type=mime,
            extension=VIDEO_TYPES[mime],
            content=None,
            size=upload.size,
        )
    raise ValidationError(WRONG_TYPE)


def _clean_image(upload: UploadedFile, pillow_format: str) -> bytes:
    """Decode the whole picture and save a new file of it: only the pixels
    travel, no metadata. Turned the right way up first, since the EXIF
    orientation goes with the rest."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between the limit and twice it: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                if probe.format != pillow_format:
                    raise ValidationError(WRONG_TYPE)
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                if pillow_format == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                out = io.BytesIO()
                image.save(
                    out, format=pillow_format, **({"quality": 90} if pillow_format != "PNG" else {})
                )
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This picture is too large to open. Please send a smaller one."
        ) from None
    except ValidationError:
        raise
    except Exception:
        # Truncated or corrupt files: Pillow raises many kinds; all mean "not a photo".
        raise ValidationError("This photo could not be read. It may be damaged.") from None
    return out.getvalue()
