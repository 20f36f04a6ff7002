"""What every page of the portal must get right, checked the same way by the
page tests (Django's test client) and the browser journeys."""

import re

from django.conf import settings

# HTML's valid date, month, time or global date and time: no fractions of a
# second (the standard allows them, but we never mean them, and they are
# what `|date:'c'` leaks).
VALID_DATETIME = re.compile(
    r"^\d{4}-\d{2}(-\d{2})?$"
    r"|^\d{2}:\d{2}(:\d{2})?$"
    r"|^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?$"
)


def page_faults(title: str, times: list[str]) -> list[str]:
    faults = []
    practice = settings.PRACTICE_NAME
    suffix = f" · {practice}"
    if not title.endswith(suffix) or not title[: -len(suffix)].strip():
        faults.append(f"title {title!r} should be '<the page> · {practice}'")
    faults += [f"<time datetime={value!r}>" for value in times if not VALID_DATETIME.match(value)]
    return faults
