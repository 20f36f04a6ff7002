"""Checking what a family uploads: the type from the bytes (never the name or
the browser's word), the size, and no metadata kept: photos are re-encoded
through Pillow from their pixels alone (no EXIF, XMP or comment segment, any
of which can hold a location or an address; decompression bombs refused), and
videos are remuxed by ffmpeg with their video and sound streams only, without
metadata, chapters or data tracks (a phone's GPS track lives there). Without
ffmpeg, videos are refused rather than stored as they came."""

import io
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

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
# ffmpeg's name for each container, so the remux keeps the family's format.
VIDEO_MUXERS = {"mp4": "mp4", "mov": "mov", "webm": "webm"}
# Copying streams takes a second or two for a 100 MB clip; anything longer
# is a file that is not what it claims.
REMUX_TIMEOUT_SECONDS = 120

# Process-wide on purpose: every image this portal opens comes from a family.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

WRONG_TYPE = (
    "Please choose a photo (JPEG, PNG or WebP) or a short video (MP4, MOV or WebM). "
    "This file is not one of those."
)
NOT_A_PHOTO = "Please choose a photo (JPEG, PNG or WebP). This file is not one of those."
NO_VIDEOS = (
    "We can't take videos at the moment, sorry. Please send a photo instead, or show "
    "the video to your therapist at your next session."
)


@dataclass(frozen=True)
class CheckedMedia:
    kind: str
    content_type: str
    extension: str
    content: bytes  # the cleaned file: re-encoded photo or remuxed video
    size: int


def check_upload(upload: UploadedFile, *, photos_only: bool = False) -> CheckedMedia:
    """The upload checked and cleaned, or a ValidationError saying why not.
    `photos_only`: where only a photo belongs (a win), anything else is
    refused before it is decoded."""
    if not upload.size:
        raise ValidationError("This file is empty. Please choose the photo or video again.")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guess = filetype.guess(head)
    mime = guess.mime if guess else ""
    if photos_only and mime not in IMAGE_TYPES:
        raise ValidationError(NOT_A_PHOTO)
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
        content = _clean_video(upload, VIDEO_TYPES[mime])
        return CheckedMedia(
            kind=MediaKind.VIDEO,
            content_type=mime,
            extension=VIDEO_TYPES[mime],
            content=content,
            size=len(content),
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
                # Pillow writes back some of what it read (a JPEG's comment
                # segment, for one): save the pixels with nothing else but
                # the colour profile, which says how to show them.
                params: dict = {"quality": 90} if pillow_format != "PNG" else {}
                if image.info.get("icc_profile"):
                    params["icc_profile"] = image.info["icc_profile"]
                image.info = {}
                out = io.BytesIO()
                image.save(out, format=pillow_format, **params)
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


def ffmpeg_path() -> str | None:
    """Debian's ffmpeg (installed by `make install` and by CI), if present."""
    return shutil.which("ffmpeg")


def _clean_video(upload: UploadedFile, extension: str) -> bytes:
    """A copy of the video's pictures and sound, without metadata (location,
    device, dates), chapters, subtitles or data tracks. Streams are copied, not
    re-encoded, so quality is untouched and it takes a moment."""
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        raise ValidationError(NO_VIDEOS)
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        source, target = Path(folder) / f"in.{extension}", Path(folder) / f"out.{extension}"
        upload.seek(0)
        with source.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        command = [
            ffmpeg,
            *("-nostdin", "-hide_banner", "-loglevel", "error"),
            *("-i", str(source)),
            # Pictures and sound only: no data streams (GPS tracks), no subtitles.
            *("-map", "0:v", "-map", "0:a?", "-dn", "-sn"),
            *("-map_metadata", "-1", "-map_chapters", "-1"),
            *("-c", "copy"),
            # No encoder name or version written in the file either.
            *("-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"),
            *("-f", VIDEO_MUXERS[extension], str(target)),
        ]
        try:
            subprocess.run(  # noqa: S603 (fixed program, our own temporary paths)
                command, capture_output=True, timeout=REMUX_TIMEOUT_SECONDS, check=True
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            raise ValidationError("This video could not be read. It may be damaged.") from None
        return target.read_bytes()


def video_seconds(content: bytes, extension: str) -> float:
    """How long a cleaned video runs, read by ffprobe (which comes with
    Debian's ffmpeg). A file ffprobe cannot time is refused as unreadable."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise ValidationError(NO_VIDEOS)
    with tempfile.TemporaryDirectory(prefix="probe-") as folder:
        path = Path(folder) / f"video.{extension}"
        path.write_bytes(content)
        command = [
            ffprobe,
            *("-v", "error", "-show_entries", "format=duration"),
            *("-of", "default=noprint_wrappers=1:nokey=1", str(path)),
        ]
        try:
            done = subprocess.run(  # noqa: S603 (fixed program, our own temporary path)
                command, capture_output=True, timeout=REMUX_TIMEOUT_SECONDS, check=True, text=True
            )
            return float(done.stdout.strip())
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, ValueError):
            raise ValidationError("This video could not be read. It may be damaged.") from None
