"""Serving a stored file with HTTP range requests (RFC 9110, section 14), so
that a video seeks. Safari on iPhone asks for `bytes=0-1` before it plays
anything and will not play a video from a server that answers a range
request with the whole file; every browser asks for a range when the viewer
drags the playhead.

One range per request: a request for several (rare; no browser's media
player sends one) is answered with the whole file, which the RFC allows."""

import re
from collections.abc import Iterator

from django.core.files import File
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

SINGLE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")
CHUNK_BYTES = 64 * 1024


class Unsatisfiable(Exception):
    """The range starts beyond the end of the file (answered 416)."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte asked for, or None to send the whole file
    (no header, a header we do not understand, or several ranges)."""
    match = SINGLE_RANGE.match(header or "")
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        # "bytes=-500": the last 500 bytes.
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if last != "" and int(last) < start:
        return None  # not a valid range: ignored, as the RFC says
    if start >= size:
        raise Unsatisfiable
    return start, end


def _read(file: File, start: int, length: int) -> Iterator[bytes]:
    file.seek(start)
    left = length
    while left > 0:
        chunk = file.read(min(CHUNK_BYTES, left))
        if not chunk:
            break
        left -= len(chunk)
        yield chunk


def ranged_file_response(
    request: HttpRequest, file: File, *, size: int, content_type: str
) -> HttpResponse:
    """The file, or the part of it a Range header asks for (206 Partial
    Content with its Content-Range), or 416 for a range past its end. The
    file is closed when the response is. An If-Range header (whose validator
    we do not keep) gets the whole file, as the RFC asks when it cannot be
    checked."""
    header = request.headers.get("Range", "")
    try:
        wanted = None if request.headers.get("If-Range") else parse_range(header, size)
    except Unsatisfiable:
        file.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted if wanted is not None else (0, size - 1)
    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(
        _read(file, start, length),
        status=206 if wanted is not None else 200,
        content_type=content_type,
    )
    response._resource_closers.append(file.close)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if wanted is not None:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
