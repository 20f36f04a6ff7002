"""The kinds of message the portal sends, each with the function that renders
a batch of outbox rows. Apps register their kinds in AppConfig.ready(), so this
app (low in the stack) never imports the apps above it."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from notifications.models import OutboxMessage


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    # (file name, content, MIME type): a report sent to school.
    attachments: tuple[tuple[str, bytes, str], ...] = ()


@dataclass(frozen=True)
class Short:
    """A text message or a push notification. Like an e-mail's subject, the
    title names no child (it shows on a locked phone); `url` is a path of the
    portal, opened when the notification is tapped."""

    title: str
    body: str
    url: str


# Rows in, per row id: the e-mail, or the reason it is no longer to be sent
# (booking cancelled or moved, nothing happened in the period…).
Renderer = Callable[[list[OutboxMessage]], dict[int, Rendered | str]]
# The same for text messages and push notifications.
ShortRenderer = Callable[[list[OutboxMessage]], dict[int, Short | str]]


class Purpose(StrEnum):
    """Why a kind of e-mail is sent, which says whether a family's consent to
    being e-mailed about their child's therapy (families.ConsentKind.
    EMAIL_CONTACT) governs it. Every kind states it once, where it registers;
    the outbox reads the consent when sending (notifications.services)."""

    # Sent whatever the consent says: account e-mails (password reset, a
    # changed address, invitations, security notices), a download the person
    # asked for, a report sent at the parent's own request.
    NECESSARY = "necessary"
    # To a family's caregivers only while the family agrees: reminders,
    # progress summaries, message alerts, waitlist offers.
    ABOUT_THERAPY = "about therapy"
    # Confirms something: necessary to the person who did it (the row's
    # params["by"]), who needs the receipt; about therapy to everyone else it
    # goes to (the other caregivers, or all of them when the practice did it).
    RECEIPT = "receipt"


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
    purpose: Purpose
    on_optout: EmailHook | None = None
    on_optin: EmailHook | None = None
    # Sent because the person just did something and needs it (a password
    # reset, a download they asked for): no unsubscribe link or header.
    transactional: bool = False
    # Written by the portal rather than on a person's behalf (an invitation
    # or a report sent to school is a person's): `Auto-Submitted:
    # auto-generated`, so that auto-responders do not answer it (RFC 3834).
    automatic: bool = True
    # Kinds also sent by text message or push notification render them here.
    render_short: ShortRenderer | None = None

    @property
    def is_chosen_in_portal(self) -> bool:
        return self.on_optout is not None

    def needs_consent(self, message: OutboxMessage) -> bool:
        """Whether this row goes to a family's caregiver only while the family
        agrees to e-mails about therapy."""
        if self.purpose == Purpose.RECEIPT:
            return message.params.get("by") != message.recipient_id
        return self.purpose == Purpose.ABOUT_THERAPY


_KINDS: dict[str, Kind] = {}


def register(
    key: str,
    *,
    label: str,
    render: Renderer,
    purpose: Purpose,
    on_optout: EmailHook | None = None,
    on_optin: EmailHook | None = None,
    transactional: bool = False,
    automatic: bool = True,
    render_short: ShortRenderer | None = None,
) -> None:
    _KINDS[key] = Kind(
        key,
        label,
        render,
        purpose,
        on_optout=on_optout,
        on_optin=on_optin,
        transactional=transactional,
        automatic=automatic,
        render_short=render_short,
    )


def get_kind(key: str) -> Kind | None:
    return _KINDS.get(key)


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)


@dataclass(frozen=True)
class ReplyOutcome:
    answer: str  # texted back to the sender
    outcome: str  # recorded with the reply: what was done


class ReplyHandler(Protocol):
    """Given the people a received text's number belongs to and its keyword
    (upper case), act on it and say what was done, or None if it is not
    about this handler's texts."""

    def __call__(self, *, user_ids: list[int], keyword: str) -> ReplyOutcome | None: ...


_REPLY_HANDLERS: list[ReplyHandler] = []


def register_reply_handler(handler: ReplyHandler) -> None:
    if handler not in _REPLY_HANDLERS:
        _REPLY_HANDLERS.append(handler)


def reply_handlers() -> list[ReplyHandler]:
    return list(_REPLY_HANDLERS)


class ConsentReader(Protocol):
    """Given people (user ids), the families of each of them that do not agree
    now to being e-mailed about therapy. Only a family's caregivers appear:
    staff are never asked. One query, whatever the number of people."""

    def __call__(self, *, user_ids: set[int]) -> dict[int, set[int]]: ...


_CONSENT_READERS: list[ConsentReader] = []


def register_consent_reader(reader: ConsentReader) -> None:
    """The families app keeps the consent; it registers the reading of it here
    (AppConfig.ready), so that this app never imports it."""
    _CONSENT_READERS[:] = [reader]


def consent_reader() -> ConsentReader | None:
    return _CONSENT_READERS[0] if _CONSENT_READERS else None
