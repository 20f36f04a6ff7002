"""Rendering the progress report as a PDF, therapists' uploads, and sending a
report to school with the family's consent."""

from datetime import date, timedelta

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import get_valid_filename

from accounts.models import User
from families.models import Child, ConsentKind
from families.selectors import consent_given
from reports.models import ReportShare, SharedDocument
from reports.selectors import progress_report

MAX_PDF_BYTES = 20 * 1024 * 1024
DEFAULT_PERIOD = timedelta(days=90)


def report_filename(child: Child, end: date) -> str:
    """The progress report's file name, which a family finds again among
    their downloads: the child's first name and the report's last day
    ("progress-report-Ollie-2026-12-06.pdf")."""
    return get_valid_filename(f"progress-report-{child.first_name}-{end:%Y-%m-%d}.pdf")


def report_period(start: date | None, end: date | None) -> tuple[date, date]:
    end = end or timezone.localdate()
    start = start or end - DEFAULT_PERIOD
    if start > end:
        raise ValidationError({"start": "The start of the period must come before its end."})
    return start, end


def progress_report_pdf(*, child: Child, start: date, end: date) -> bytes:
    from weasyprint import HTML  # imported here: loading pango costs time at start-up

    html = render_to_string(
        "reports/progress_report.html",
        {**progress_report(child, start=start, end=end), "generated_at": timezone.now()},
    )
    # No base URL: the report refers to nothing outside itself. PDF/UA: tagged
    # (headings, paragraphs, tables, the charts as figures with their text
    # alternative), with its language and its title shown as the window's.
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def document_upload(*, child: Child, by: User, title: str, upload: UploadedFile) -> SharedDocument:
    if not upload.size:
        raise ValidationError({"file": "This file is empty."})
    if upload.size > MAX_PDF_BYTES:
        raise ValidationError({"file": "Reports can be up to 20 MB."})
    upload.seek(0)
    guess = filetype.guess(upload.read(2048))
    upload.seek(0)
    if guess is None or guess.mime != "application/pdf":
        raise ValidationError({"file": "Please choose a PDF file. This file is not a PDF."})
    document = SharedDocument(child=child, title=title.strip(), uploaded_by=by, size=upload.size)
    with transaction.atomic():
        document.file.save(f"{document.id}.pdf", upload, save=False)
        document.save()
    return document


# Which consent allows sending the report to whom.
CONSENT_FOR_RECIPIENT = {
    ReportShare.Recipient.SCHOOL: ConsentKind.SHARE_WITH_SCHOOL,
    ReportShare.Recipient.DOCTOR: ConsentKind.SHARE_WITH_DOCTOR,
}


def recipients_allowed(child: Child) -> list[str]:
    """The recipients the family's consents allow right now."""
    return [
        recipient
        for recipient, consent in CONSENT_FOR_RECIPIENT.items()
        if consent_given(child.family_id, consent)
    ]


def report_share(
    *,
    child: Child,
    by: User,
    recipient_email: str,
    start: date,
    end: date,
    recipient_kind: str = ReportShare.Recipient.SCHOOL,
) -> ReportShare:
    """Send the progress report to the child's school or doctor, only while the
    family's consent for that recipient stands (asked now, at the moment of use)."""
    if recipient_kind not in CONSENT_FOR_RECIPIENT:
        raise ValidationError({"recipient_kind": "Choose the school or the doctor."})
    if not consent_given(child.family_id, CONSENT_FOR_RECIPIENT[recipient_kind]):
        who = ReportShare.Recipient(recipient_kind).label.split(" (")[0].lower()
        raise ValidationError(
            f"Your family has not agreed to sharing progress with the {who}. "
            "A parent can change this under consents."
        )
    with transaction.atomic():
        share = ReportShare.objects.create(
            child=child,
            shared_by=by,
            recipient_kind=recipient_kind,
            recipient_email=recipient_email,
            period_start=start,
            period_end=end,
        )
        transaction.on_commit(lambda: _queue_share(share.pk))
    return share


def _queue_share(share_id: int) -> None:
    from reports.tasks import send_report_share

    send_report_share.delay(share_id=share_id)


REPORT_SHARE = "report_share"


def report_share_send(*, share_id: int) -> bool:
    """Claim the share (compare-and-swap on sent_at), then e-mail the PDF
    through the outbox (recorded in "E-mails sent", with the portal's
    headers); a failure undoes the claim so the retry sends it. Returns
    whether it sent."""
    from django.conf import settings

    from notifications.emails import render_email
    from notifications.models import OutboxMessage
    from notifications.registry import Rendered
    from notifications.services import message_send_direct

    with transaction.atomic():
        claimed = ReportShare.objects.filter(pk=share_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        if not claimed:
            return False
        share = ReportShare.objects.select_related("child", "shared_by").get(pk=share_id)
        if not consent_given(share.child.family_id, CONSENT_FOR_RECIPIENT[share.recipient_kind]):
            # Withdrawn between the click and the sending: do not send.
            return False
        pdf = progress_report_pdf(child=share.child, start=share.period_start, end=share.period_end)
        # The family chose to send this report, with the child's name, to this address.
        subject = f"Progress report for {share.child.display_name} from {settings.PRACTICE_NAME}"
        content = render_email(
            OutboxMessage(kind=REPORT_SHARE, recipient_email=share.recipient_email),
            template="reports/email/share",
            subject=subject,
            context={"share": share},
        )
        content = Rendered(
            subject=content.subject,
            text=content.text,
            html=content.html,
            attachments=((report_filename(share.child, share.period_end), pdf, "application/pdf"),),
        )
        sent = message_send_direct(
            kind=REPORT_SHARE,
            recipient_email=share.recipient_email,
            dedupe_key=f"{REPORT_SHARE}:{share.pk}",
            content=content,
            object_type="report_share",
            object_id=share.pk,
        )
        if not sent:
            # The school's address asked for no more reports: undo the claim
            # so the page does not say it went.
            ReportShare.objects.filter(pk=share.pk).update(sent_at=None)
    return sent


def _sent_by_task(messages) -> dict:
    return {message.pk: "sent by the report task only" for message in messages}


def register_kinds() -> None:
    from notifications.registry import Purpose, register

    # A person (the parent) sends it: not marked auto-generated. It goes to
    # the school or the doctor at the parent's own request, under the
    # family's consent to that sharing.
    register(
        REPORT_SHARE,
        label="progress reports",
        render=_sent_by_task,
        purpose=Purpose.NECESSARY,
        automatic=False,
    )
