"""Queueing and sending e-mails through the outbox, exactly once.

- Queue: a row per message, inserted with a dedupe key under a unique
  constraint. A second insert of the same key (a retried task, a second beat,
  a second sweep) is ignored by the database.
- Send: rows are claimed with one compare-and-swap UPDATE (queued → sending,
  with a fresh claim token); only the claimer sends, and marks each row sent
  straight after its own SMTP hand-over. A second worker given the same ids
  claims nothing.
- Retry: an SMTP or network error marks the row failed with a back-off; the
  outbox sweep retries it until MAX_ATTEMPTS. Any other error releases the rows
  not yet sent (back to queued) and re-raises, so the task's retry (or the next
  sweep) sends only what is left.
- A worker killed outright leaves its claimed rows "sending"; once the claim is
  older than CLAIM_LEASE (longer than the task time limit, so the claimer is
  surely dead) the sweep claims them again. That is the one window where an
  e-mail the SMTP server had already taken is handed over twice: it carries
  the same Message-ID both times (`message_id`), which mail servers and
  inboxes treat as one message. Nothing is lost.
"""

import hashlib
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.models import EmailOptOut, OutboxMessage
from notifications.registry import Rendered, get_kind
from notifications.signing import unsubscribe_url

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status

MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
CLAIM_LEASE = timedelta(seconds=settings.OUTBOX_CLAIM_LEASE_SECONDS)
DISPATCH_CHUNK = 100
# Errors worth another try later: the mail server or the network. smtplib's
# errors are OSErrors too.
RETRYABLE = (OSError,)


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** min(max(attempts - 1, 0), 16), RETRY_CAP)


def deliverable(now: datetime) -> Q:
    """Rows a sender may claim now."""
    return (
        Q(status=Status.QUEUED, next_attempt_at__lte=now)
        | Q(status=Status.FAILED, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    )


# --- Queueing -------------------------------------------------------------------


def message_queue(
    *,
    kind: str,
    recipient_email: str,
    dedupe_key: str,
    recipient_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    params: dict | None = None,
) -> OutboxMessage | None:
    """Queue one message (inside the caller's transaction) and hand it to a
    worker once that commits. None when the same message was queued before."""
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                kind=kind,
                recipient_email=recipient_email,
                recipient_id=recipient_id,
                dedupe_key=dedupe_key[:200],
                object_type=object_type,
                object_id=object_id,
                params=params or {},
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: dispatch([message.pk]))
    return message


def messages_queue_many(messages: list[OutboxMessage]) -> None:
    """Insert many rows at once; those whose key exists already are ignored."""
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=1000)


def dispatch(message_ids: list[int]) -> int:
    """Hand rows to the workers in chunks. A broker that is down is logged and
    forgiven: the rows stay queued and the outbox sweep sends them."""
    from notifications import tasks

    handed = 0
    for start in range(0, len(message_ids), DISPATCH_CHUNK):
        chunk = message_ids[start : start + DISPATCH_CHUNK]
        try:
            tasks.deliver.delay(message_ids=chunk)
        except Exception:  # the rows are safe in the database
            logger.warning(
                "Could not hand %d e-mail(s) to a worker; the outbox sweep will send them",
                len(chunk),
            )
            return handed
        handed += len(chunk)
    return handed


def due_message_ids(*, limit: int = 5000) -> list[int]:
    now = timezone.now()
    return list(
        OutboxMessage.objects.filter(deliverable(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_sweep(*, limit: int = 5000) -> int:
    """Periodic: hand every deliverable row to the workers. Harmless twice."""
    return dispatch(due_message_ids(limit=limit))


# --- Unsubscribing -----------------------------------------------------------------


def optout_create(*, email: str, kind: str) -> None:
    try:
        with transaction.atomic():
            EmailOptOut.objects.get_or_create(email=email.lower(), kind=kind)
    except IntegrityError:  # clicked twice at once: already done
        pass


def optout_remove(*, email: str, kind: str) -> None:
    EmailOptOut.objects.filter(email=email.lower(), kind=kind).delete()


def opted_out(email: str, kind: str) -> bool:
    return EmailOptOut.objects.filter(email=email.lower(), kind=kind).exists()


def optout_kinds(email: str) -> set[str]:
    """The kinds of e-mail this address has unsubscribed from."""
    return set(EmailOptOut.objects.filter(email=email.lower()).values_list("kind", flat=True))


def unsubscribe(*, email: str, kind: str) -> None:
    """By an e-mail's link: stop this kind of e-mail to the address, and let
    the app that keeps the person's own choice of it change that choice too
    (the kind's `on_optout`), in one transaction."""
    registered = get_kind(kind)
    with transaction.atomic():
        optout_create(email=email, kind=kind)
        if registered is not None and registered.on_optout is not None:
            registered.on_optout(email=email.lower())


def resubscribe(*, email: str, kind: str) -> None:
    """By an e-mail's link, "I changed my mind": the reverse of `unsubscribe`."""
    registered = get_kind(kind)
    with transaction.atomic():
        optout_remove(email=email, kind=kind)
        if registered is not None and registered.on_optin is not None:
            registered.on_optin(email=email.lower())


# --- Sending ----------------------------------------------------------------------


@dataclass
class Delivery:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def _claim(message_ids: list[int]) -> tuple[str, list[OutboxMessage]]:
    token = uuid.uuid4().hex
    now = timezone.now()
    # One UPDATE: on PostgreSQL a competing UPDATE waits for this one's row
    # locks and then re-checks the WHERE on the new row, which no longer matches.
    OutboxMessage.objects.filter(pk__in=message_ids).filter(deliverable(now)).update(
        status=Status.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    return token, list(OutboxMessage.objects.filter(claim_token=token).order_by("id"))


def _skip(ids_reasons: dict[int, str], token: str) -> None:
    by_reason: dict[str, list[int]] = defaultdict(list)
    for pk, reason in ids_reasons.items():
        by_reason[reason[:120]].append(pk)
    for reason, ids in by_reason.items():
        OutboxMessage.objects.filter(pk__in=ids, claim_token=token).update(
            status=Status.SKIPPED, skip_reason=reason, claim_token=""
        )


def _render(messages: list[OutboxMessage]) -> dict[int, Rendered | str]:
    by_kind: dict[str, list[OutboxMessage]] = defaultdict(list)
    for message in messages:
        by_kind[message.kind].append(message)
    rendered: dict[int, Rendered | str] = {}
    for key, batch in by_kind.items():
        kind = get_kind(key)
        if kind is None:
            rendered.update({m.pk: "unknown kind of e-mail" for m in batch})
            continue
        result = kind.render(batch)
        rendered.update({m.pk: result.get(m.pk, "nothing to send") for m in batch})
    return rendered


def header_value(text: str) -> str:
    """A line break in a header would end it (and Django refuses to send
    one): user text in a subject, such as a family's name, loses its breaks."""
    return " ".join(text.split())


def email_headers(message: OutboxMessage) -> dict[str, str]:
    """The headers every e-mail of the portal carries, by its kind."""
    kind = get_kind(message.kind)
    headers = {"Message-ID": message_id(message)}
    if kind is None or not kind.transactional:
        url = unsubscribe_url(message.recipient_email, message.kind)
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if kind is None or kind.automatic:
        headers["Auto-Submitted"] = "auto-generated"
    return headers


def _email(message: OutboxMessage, content: Rendered, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=header_value(content.subject),
        body=content.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient_email],
        connection=connection,
        headers=email_headers(message),
    )
    email.attach_alternative(content.html, "text/html")
    for filename, data, mimetype in content.attachments:
        email.attach(filename, data, mimetype)
    return email


def site_domain() -> str:
    """The portal's own domain (from SITE_URL), for Message-IDs."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def message_id(message: OutboxMessage) -> str:
    """The same Message-ID every time this row is sent. If a worker dies after
    the mail server took a message but before the row was marked sent, the
    retry hands over the same message again, and mail servers and inboxes
    treat two copies with one Message-ID as one. On the site's own domain:
    the sending address may be another's (a shared mailbox)."""
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:20]
    return f"<outbox.{message.pk}.{digest}@{site_domain()}>"


def outbox_deliver(*, message_ids: list[int]) -> Delivery:
    """Send the given rows that are still due, each at most once."""
    result = Delivery()
    token, messages = _claim(message_ids)
    if not messages:
        return result
    done: set[int] = set()
    try:
        optouts = set(
            EmailOptOut.objects.filter(
                email__in={m.recipient_email.lower() for m in messages},
                kind__in={m.kind for m in messages},
            ).values_list("email", "kind")
        )
        skips = {
            m.pk: "unsubscribed" for m in messages if (m.recipient_email.lower(), m.kind) in optouts
        }
        rendered = _render([m for m in messages if m.pk not in skips])
        skips.update({pk: value for pk, value in rendered.items() if isinstance(value, str)})
        _skip(skips, token)
        done.update(skips)
        result.skipped.extend(skips)
        connection = get_connection()
        try:
            for message in messages:
                if message.pk in done:
                    continue
                try:
                    _email(message, rendered[message.pk], connection).send()
                except RETRYABLE as error:
                    attempts = message.attempts
                    OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
                        status=Status.FAILED,
                        claim_token="",
                        last_error=f"{type(error).__name__}: {error}"[:300],
                        next_attempt_at=timezone.now() + retry_delay(attempts),
                    )
                    logger.warning("E-mail %s failed (attempt %d): %s", message.pk, attempts, error)
                    result.failed.append(message.pk)
                else:
                    OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
                        status=Status.SENT, claim_token="", sent_at=timezone.now(), last_error=""
                    )
                    result.sent.append(message.pk)
                done.add(message.pk)
        finally:
            connection.close()
    except BaseException as error:
        # Not an e-mail problem (a bug, a time limit, a dying worker): put back
        # what was not sent, so that the retry sends exactly the rest.
        left = [m.pk for m in messages if m.pk not in done]
        OutboxMessage.objects.filter(pk__in=left, claim_token=token).update(
            status=Status.QUEUED,
            claim_token="",
            claimed_at=None,
            attempts=F("attempts") - 1,
            last_error=f"{type(error).__name__}: {error}"[:300],
        )
        raise
    return result


# --- Messages sent by their own task ---------------------------------------------------

DIRECT_RETRY_LATER = timedelta(days=3650)


def message_send_direct(
    *,
    kind: str,
    recipient_email: str,
    dedupe_key: str,
    content: Rendered,
    recipient_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
) -> bool:
    """Send a message whose content cannot be rebuilt later (an invitation's
    one-time link lives only in its task), recording it in the outbox.

    The row is claimed by inserting it already "sending" (or, on the task's
    retry, by a compare-and-swap from "failed"). An e-mail error marks it
    failed and re-raises, for the task's own retry; the outbox sweep leaves
    these rows alone. True when this call sent it."""
    if opted_out(recipient_email, kind):
        return False
    token = uuid.uuid4().hex
    now = timezone.now()
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                kind=kind,
                recipient_email=recipient_email,
                recipient_id=recipient_id,
                dedupe_key=dedupe_key[:200],
                object_type=object_type,
                object_id=object_id,
                status=Status.SENDING,
                claim_token=token,
                claimed_at=now,
                attempts=1,
            )
    except IntegrityError:
        claimed = OutboxMessage.objects.filter(
            dedupe_key=dedupe_key[:200], status=Status.FAILED
        ).update(
            status=Status.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
        )
        if not claimed:
            return False  # sent already, or being sent
        message = OutboxMessage.objects.get(claim_token=token)
    try:
        _email(message, content, get_connection()).send()
    except RETRYABLE as error:
        OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
            status=Status.FAILED,
            claim_token="",
            last_error=f"{type(error).__name__}: {error}"[:300],
            next_attempt_at=now + DIRECT_RETRY_LATER,
        )
        raise
    OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
        status=Status.SENT, claim_token="", sent_at=timezone.now(), last_error=""
    )
    return True
