"""Queueing and sending e-mails, text messages and push notifications
through the outbox, exactly once.

Each channel has rows of its own (OutboxMessage.channel), with keys of their
own, and goes through the same claim, retry and lease as e-mail; a text or a
push notification is rendered from the object when sent, like an e-mail.

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
- Consent: e-mails about therapy (registry.Purpose) go to a family's
  caregivers only while the family agrees; read when sending, with the
  unsubscribes, one query per batch (`without_consent`).
- A worker killed outright leaves its claimed rows "sending"; once the claim is
  older than CLAIM_LEASE (longer than the task time limit, so the claimer is
  surely dead) the sweep claims them again. That is the one window where an
  e-mail the SMTP server had already taken is handed over twice: it carries
  the same Message-ID both times (`message_id`), which mail servers and
  inboxes treat as one message. Nothing is lost.
"""

import base64
import binascii
import hashlib
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import push, text
from notifications.models import (
    Channel,
    EmailOptOut,
    MobileNumber,
    OutboxMessage,
    PushDevice,
    TextReply,
)
from notifications.registry import (
    Purpose,
    Rendered,
    Short,
    consent_reader,
    get_kind,
    reply_handlers,
)
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


# --- The family's consent to e-mails about therapy ---------------------------------

# Why an e-mail about therapy was not sent: shown on "E-mails sent" and in the
# family's download.
NO_CONSENT = "the family has not agreed to e-mails about their child's therapy"


def without_consent(emails: list[OutboxMessage]) -> set[int]:
    """The e-mail rows about therapy (registry.Purpose) whose recipient is a
    caregiver of a family that does not agree to them now. The family is the
    row's params["family"]; a row naming none is held when any of the
    recipient's families does not agree. Read when sending, so that a consent
    withdrawn after the row was queued stops it, and read here only: one
    query for the whole batch, none when nothing in it needs the consent."""
    asking = [
        m
        for m in emails
        if m.recipient_id is not None
        and (kind := get_kind(m.kind)) is not None
        and kind.needs_consent(m)
    ]
    reader = consent_reader()
    if not asking or reader is None:
        return set()
    refusing = reader(user_ids={m.recipient_id for m in asking})
    held = set()
    for message in asking:
        families = refusing.get(message.recipient_id)
        family = message.params.get("family")
        if families and (family is None or family in families):
            held.add(message.pk)
    return held


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


def _render(messages: list[OutboxMessage]) -> dict[int, Rendered | Short | str]:
    by_kind: dict[tuple[str, bool], list[OutboxMessage]] = defaultdict(list)
    for message in messages:
        by_kind[(message.kind, message.channel == Channel.EMAIL)].append(message)
    rendered: dict[int, Rendered | Short | str] = {}
    for (key, is_email), batch in by_kind.items():
        kind = get_kind(key)
        if kind is None:
            rendered.update({m.pk: "unknown kind of message" for m in batch})
            continue
        render = kind.render if is_email else kind.render_short
        if render is None:
            rendered.update({m.pk: "not sent on this channel" for m in batch})
            continue
        result = render(batch)
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


def text_body(content: Short) -> str:
    return f"{content.title}\n{content.body}\n{settings.SITE_URL.rstrip('/')}{content.url}"


def push_payload(content: Short, *, tag: str) -> dict[str, str]:
    """What the service worker receives (README, "Push notifications")."""
    return {"title": content.title, "body": content.body, "url": content.url, "tag": tag}


@dataclass
class _Addresses:
    """Where the text and push rows of a batch go, read when sending."""

    numbers: dict[int, str]
    devices: dict[int, PushDevice]

    @classmethod
    def of(cls, messages: list[OutboxMessage]) -> "_Addresses":
        texts = {m.recipient_id for m in messages if m.channel == Channel.TEXT}
        device_ids = {
            m.params.get("device")
            for m in messages
            if m.channel == Channel.PUSH and isinstance(m.params.get("device"), int)
        }
        numbers = (
            {
                user_id: str(number)
                for user_id, number in MobileNumber.objects.filter(user_id__in=texts).values_list(
                    "user_id", "number"
                )
            }
            if texts
            else {}
        )
        devices = PushDevice.objects.in_bulk(device_ids) if device_ids else {}
        return cls(numbers=numbers, devices=devices)

    def missing(self, message: OutboxMessage) -> str:
        """Why a text or push row has nowhere to go now, or ""."""
        if message.channel == Channel.TEXT:
            if not text.texts_offered():
                return "text messages are switched off"
            if message.recipient_id not in self.numbers:
                return "no mobile number"
        elif message.channel == Channel.PUSH:
            device = self.devices.get(message.params.get("device"))
            if not push.push_offered():
                return "push notifications are switched off"
            if device is None or device.user_id != message.recipient_id:
                return "device removed"
        return ""


class _Final(Exception):
    """Never to be tried again (a number or device the provider refuses)."""


def _send_one(
    message: OutboxMessage, content: Rendered | Short, addresses: _Addresses, connection, provider
) -> None:
    if message.channel == Channel.TEXT:
        assert isinstance(content, Short)
        try:
            provider.send(to=addresses.numbers[message.recipient_id], body=text_body(content))
        except text.TextRefused as error:
            raise _Final(str(error)) from error
    elif message.channel == Channel.PUSH:
        assert isinstance(content, Short)
        device = addresses.devices[message.params["device"]]
        tag = push.topic(message.dedupe_key)
        try:
            push.push_send(device=device, payload=push_payload(content, tag=tag), tag=tag)
        except push.DeviceGone as error:
            PushDevice.objects.filter(pk=device.pk).delete()
            raise _Final(str(error)) from error
        except push.PushRefused as error:
            raise _Final(str(error)) from error
    else:
        assert isinstance(content, Rendered)
        _email(message, content, connection).send()


def outbox_deliver(*, message_ids: list[int]) -> Delivery:
    """Send the given rows that are still due, each at most once."""
    result = Delivery()
    token, messages = _claim(message_ids)
    if not messages:
        return result
    done: set[int] = set()
    try:
        emails = [m for m in messages if m.channel == Channel.EMAIL]
        # An e-mail's unsubscribe link stops that kind of e-mail only: texts
        # and push notifications are chosen on "How we contact you".
        optouts = (
            set(
                EmailOptOut.objects.filter(
                    email__in={m.recipient_email.lower() for m in emails},
                    kind__in={m.kind for m in emails},
                ).values_list("email", "kind")
            )
            if emails
            else set()
        )
        skips = {
            m.pk: "unsubscribed" for m in emails if (m.recipient_email.lower(), m.kind) in optouts
        }
        skips.update(dict.fromkeys(without_consent(emails).difference(skips), NO_CONSENT))
        addresses = _Addresses.of(messages)
        skips.update(
            {
                m.pk: reason
                for m in messages
                if m.pk not in skips and (reason := addresses.missing(m))
            }
        )
        rendered = _render([m for m in messages if m.pk not in skips])
        skips.update({pk: value for pk, value in rendered.items() if isinstance(value, str)})
        _skip(skips, token)
        done.update(skips)
        result.skipped.extend(skips)
        provider = (
            text.text_provider() if any(m.channel == Channel.TEXT for m in messages) else None
        )
        connection = get_connection()
        try:
            for message in messages:
                if message.pk in done:
                    continue
                try:
                    _send_one(message, rendered[message.pk], addresses, connection, provider)
                except (*RETRYABLE, _Final) as error:
                    attempts = message.attempts
                    final = isinstance(error, _Final)
                    # A refusal shows the provider's own error; an outage ours.
                    shown = error.__cause__ if final and error.__cause__ else error
                    OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
                        status=Status.FAILED,
                        claim_token="",
                        last_error=f"{type(shown).__name__}: {error}"[:300],
                        # Refused for good: no more tries.
                        attempts=MAX_ATTEMPTS if final else attempts,
                        next_attempt_at=timezone.now() + retry_delay(attempts),
                    )
                    logger.warning(
                        "%s %s failed (attempt %d): %s",
                        message.get_channel_display(),
                        message.pk,
                        attempts,
                        error,
                    )
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
        # Not a sending problem (a bug, a time limit, a dying worker): put back
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
    these rows alone. True when this call sent it.

    Only necessary kinds (registry.Purpose) are sent this way: the family's
    consent to e-mails about therapy is not read here, so any other kind is
    refused (queue it with message_queue, whose sending reads the consent)."""
    registered = get_kind(kind)
    if registered is not None and registered.purpose != Purpose.NECESSARY:
        raise ValueError(f"{kind} is sent {registered.purpose}: queue it with message_queue")
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


# --- Channels besides e-mail ---------------------------------------------------------


def channel_messages(
    email: OutboxMessage, *, by_text: bool, devices: list[int]
) -> list[OutboxMessage]:
    """The text and push rows that go beside an e-mail row (which need not be
    queued itself), each under a key of its own: the e-mail's key with the
    channel (and device) added, so each channel goes once."""
    rows = []
    fields = {
        "kind": email.kind,
        "recipient_id": email.recipient_id,
        "recipient_email": email.recipient_email,
        "object_type": email.object_type,
        "object_id": email.object_id,
    }
    if by_text and text.texts_offered():
        rows.append(
            OutboxMessage(
                **fields,
                channel=Channel.TEXT,
                params=dict(email.params),
                dedupe_key=f"text:{email.dedupe_key}"[:200],
            )
        )
    if push.push_offered():
        rows.extend(
            OutboxMessage(
                **fields,
                channel=Channel.PUSH,
                params={**email.params, "device": device},
                dedupe_key=f"push:{email.dedupe_key}:d{device}"[:200],
            )
            for device in devices
        )
    return rows


def push_devices_of(user_ids: set[int]) -> dict[int, list[int]]:
    """Each person's push devices (ids), when push is offered: one query."""
    if not user_ids or not push.push_offered():
        return {}
    devices: dict[int, list[int]] = defaultdict(list)
    for user_id, pk in (
        PushDevice.objects.filter(user_id__in=user_ids).values_list("user_id", "pk").order_by("pk")
    ):
        devices[user_id].append(pk)
    return devices


# Keys of the browser's PushSubscription, base64url: the P-256 public key
# (65 bytes, uncompressed) and the 16-byte authentication secret.
def _b64url_bytes(value: str) -> bytes | None:
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def push_device_save(*, user, endpoint: str, p256dh: str, auth: str, label: str = "") -> PushDevice:
    """Keep (or refresh) a browser's subscription for this person. A browser
    that was subscribed for someone else (a shared tablet) now notifies
    whoever subscribed it last."""
    if not isinstance(endpoint, str) or len(endpoint) > 2000 or not push.endpoint_allowed(endpoint):
        raise ValidationError("This browser's push service is not one we can send to.")
    key = _b64url_bytes(p256dh)
    secret = _b64url_bytes(auth)
    if key is None or len(key) != 65 or key[0] != 4 or secret is None or len(secret) != 16:
        raise ValidationError("This browser sent keys we cannot use.")
    with transaction.atomic():
        device, _ = PushDevice.objects.update_or_create(
            endpoint=endpoint,
            defaults={"user": user, "p256dh": p256dh, "auth": auth, "label": label[:80]},
        )
    return device


def push_device_remove(*, user, endpoint: str = "", device_id: int | None = None) -> int:
    """Forget one of the person's own devices (by its address or its id)."""
    devices = PushDevice.objects.filter(user=user)
    if device_id is not None:
        devices = devices.filter(pk=device_id)
    else:
        devices = devices.filter(endpoint=endpoint)
    deleted, _ = devices.delete()
    return deleted


def mobile_number_set(*, user, number) -> MobileNumber | None:
    """Keep the person's mobile number (already validated, E.164); an empty
    one removes it, and texts to them stop."""
    if not number:
        MobileNumber.objects.filter(user=user).delete()
        return None
    mobile, _ = MobileNumber.objects.update_or_create(
        user=user, defaults={"number": number, "updated_at": timezone.now()}
    )
    return mobile


def mobile_number_of(user) -> str:
    found = MobileNumber.objects.filter(user=user).values_list("number", flat=True).first()
    return str(found) if found else ""


UNKNOWN_REPLY = (
    "Sorry, we can't read other replies here. Reply C to confirm or X to cancel, "
    "or call us on {phone}."
)


def text_reply_receive(*, provider_id: str, from_number: str, body: str) -> str:
    """A text a family sent back: act on it once (the provider retries its
    callback when our answer is slow) and give the answer to text back. Only
    the keyword is kept."""
    # The first word, letters only: "c", "C." and "X!" are understood.
    first = (body.split() or [""])[0].upper()
    keyword = "".join(letter for letter in first if "A" <= letter <= "Z")[:10]
    with transaction.atomic():
        reply, created = TextReply.objects.select_for_update().get_or_create(
            provider_id=provider_id[:64], defaults={"keyword": keyword}
        )
        if not created:
            return reply.answer
        user_ids = list(
            MobileNumber.objects.filter(number=from_number)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
        answer, outcome = UNKNOWN_REPLY.format(phone=settings.PRACTICE_PHONE), "not understood"
        if not user_ids:
            answer, outcome = "", "number not known"
        else:
            for handler in reply_handlers():
                handled = handler(user_ids=user_ids, keyword=keyword)
                if handled is not None:
                    answer, outcome = handled.answer, handled.outcome
                    break
        reply.user_id = user_ids[0] if user_ids else None
        reply.answer = answer[:320]
        reply.outcome = outcome[:120]
        reply.save(update_fields=["user", "answer", "outcome"])
    return answer


def text_numbers_of(user_ids: set[int]) -> set[int]:
    """Who of these people has a mobile number, when texts are offered."""
    if not user_ids or not text.texts_offered():
        return set()
    return set(MobileNumber.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))


def channel_messages_queue(email: OutboxMessage, *, by_text: bool, devices: list[int]) -> int:
    """Queue the text and push rows beside one e-mail row (inside the caller's
    transaction) and hand them to a worker once that commits. How many were new."""
    rows = channel_messages(email, by_text=by_text, devices=devices)
    if not rows:
        return 0
    messages_queue_many(rows)
    ids = list(
        OutboxMessage.objects.filter(
            dedupe_key__in=[row.dedupe_key for row in rows], status=Status.QUEUED
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: dispatch(ids))
    return len(ids)
