"""Reports: the page, the progress report PDF, therapists' uploads, shared
documents and sending to school. Thin views over reports.permissions and
reports.services."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent
from core.forms import add_service_errors
from families.permissions import Access
from reports import selectors, services
from reports.forms import DocumentForm, PeriodForm, ShareForm
from reports.permissions import (
    SHARERS,
    UPLOADERS,
    get_child_for_reports,
    get_document_for_user,
)


def _page(request, child, access, *, share_form=None, document_form=None, status=200):
    allowed = services.recipients_allowed(child) if access in SHARERS else []
    return render(
        request,
        "reports/child_reports.html",
        {
            "child": child,
            "access": access,
            "period_form": PeriodForm(),
            "documents": list(selectors.documents_for(child)),
            "shares": list(selectors.shares_for(child)) if access in SHARERS else [],
            "can_share": access in SHARERS and bool(allowed),
            "share_form": share_form or ShareForm(allowed=allowed),
            "document_form": document_form or DocumentForm(),
            "can_upload": access in UPLOADERS,
        },
        status=status,
    )


@login_required
def child_reports(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_reports(request.user, pk)
    return _page(request, child, access)


@login_required
def progress_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_reports(request.user, pk)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _page(request, child, access, status=400)
    try:
        start, end = services.report_period(form.cleaned_data["start"], form.cleaned_data["end"])
    except ValidationError:
        return _page(request, child, access, status=400)
    pdf = services.progress_report_pdf(child=child, start=start, end=end)
    if access == Access.THERAPIST:
        audit_record(
            request=request,
            action=AuditEvent.Action.EXPORT,
            record_type="progress_report",
            record_id=child.pk,
            child_id=child.pk,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    # RFC 6266 with a UTF-8 form too: a first name may be "Zoë".
    response["Content-Disposition"] = content_disposition_header(
        True, services.report_filename(child, end)
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def share(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_reports(request.user, pk, allow=SHARERS)
    form = ShareForm(request.POST, allowed=services.recipients_allowed(child))
    if form.is_valid():
        try:
            start, end = services.report_period(None, None)
            share = services.report_share(
                child=child,
                by=request.user,
                recipient_kind=form.cleaned_data["recipient_kind"],
                recipient_email=form.cleaned_data["recipient_email"],
                start=start,
                end=end,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            who = "the school" if share.recipient_kind == "school" else "the doctor"
            messages.success(request, f"The progress report is on its way to {who}.")
            return redirect("reports:child_reports", pk=child.pk)
    return _page(request, child, access, share_form=form, status=400)


@require_POST
@login_required
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_reports(request.user, pk, allow=UPLOADERS)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_upload(
                child=child,
                by=request.user,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The report is shared with the family.")
            return redirect("reports:child_reports", pk=child.pk)
    return _page(request, child, access, document_form=form, status=400)


@login_required
def document(request: HttpRequest, document_id: UUID) -> HttpResponse:
    item = get_document_for_user(request.user, document_id)
    response = FileResponse(
        item.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"report-{item.id}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
