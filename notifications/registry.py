"""The kinds of e-mail the portal sends, each with the function that renders
a batch of outbox rows. Apps register their kinds in AppConfig.ready(), so this
app (low in the stack) never imports the apps above it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from notifications.models import OutboxMessage


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    # (file name, content, MIME type): a report sent to school.
    attachments: tuple[tuple[str, bytes, str], ...] = ()


# Rows in, per row id: the e-mail, or the reason it is no longer to be sent
# (booking cancelled or moved, nothing happened in the period…).
Renderer = Callable[[list[OutboxMessage]], dict[int, Rendered | str]]


class EmailHook(Protocol):
    """Called with the (lower-cased) address, inside the opt-out's transaction."""

    def __call__(self, *, email: str) -> object: ...


@dataclass(frozen=True)
class Kind:
    """A kind of e-mail. A kind that people also choose in the portal (their
    E-mail choices page) brings hooks from the app that keeps that choice:
    unsubscribing by an e-mail's link calls `on_optout`, "send them again"
    calls `on_optin`, so that the page and the link never disagree."""

    key: str
    label: str  # plural, as on the unsubscribe page: "appointment reminders"
    render: Renderer
    on_optout: EmailHook | None = None
    on_optin: EmailHook | None = None
    # Sent because the person just did something and needs it (a password
    # reset, a download they asked for): no unsubscribe link or header.
    transactional: bool = False
    # Written by the portal rather than on a person's behalf (an invitation
    # or a report sent to school is a person's): `Auto-Submitted:
    # auto-generated`, so that auto-responders do not answer it (RFC 3834).
    automatic: bool = True

    @property
    def is_chosen_in_portal(self) -> bool:
        return self.on_optout is not None


_KINDS: dict[str, Kind] = {}


def register(
    key: str,
    *,
    label: str,
    render: Renderer,
    on_optout: EmailHook | None = None,
    on_optin: EmailHook | None = None,
    transactional: bool = False,
    automatic: bool = True,
) -> None:
    _KINDS[key] = Kind(
        key,
        label,
        render,
        on_optout=on_optout,
        on_optin=on_optin,
        transactional=transactional,
        automatic=automatic,
    )


def get_kind(key: str) -> Kind | None:
    return _KINDS.get(key)


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)
