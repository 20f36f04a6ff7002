"""The kinds of e-mail the portal sends, each with the function that renders
a batch of outbox rows. Apps register their kinds in AppConfig.ready(), so this
app (low in the stack) never imports the apps above it."""

from collections.abc import Callable
from dataclasses import dataclass

from notifications.models import OutboxMessage


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


# Rows in, per row id: the e-mail, or the reason it is no longer to be sent
# (booking cancelled or moved, nothing happened in the period…).
Renderer = Callable[[list[OutboxMessage]], dict[int, Rendered | str]]


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # plural, as on the unsubscribe page: "appointment reminders"
    render: Renderer


_KINDS: dict[str, Kind] = {}


def register(key: str, *, label: str, render: Renderer) -> None:
    _KINDS[key] = Kind(key, label, render)


def get_kind(key: str) -> Kind | None:
    return _KINDS.get(key)


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)
