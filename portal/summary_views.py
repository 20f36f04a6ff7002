"""A progress summary in the browser before it goes, and the therapist's
"send it now" button. The family's primary caregivers preview their own; the
therapist with a child of the family on their caseload previews anyone's and
sends. Supporting caregivers, admins and everyone else get a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent
from families.models import AccessLevel, Caregiver
from families.permissions import Access, get_family_for_user
from notifications.models import OutboxMessage
from portal.summaries import (
    SUMMARY,
    period_until_now,
    summary_context,
    summary_for,
    summary_send_now,
)


@login_required
def summary_preview(request: HttpRequest, pk: int) -> HttpResponse:
    family, access = get_family_for_user(request.user, pk, allow={Access.PRIMARY, Access.THERAPIST})
    caregivers = list(
        Caregiver.objects.filter(family=family)
        .select_related("user")
        .order_by("access_level", "id")
    )
    if access == Access.PRIMARY:
        caregiver = next(c for c in caregivers if c.user_id == request.user.pk)
    else:
        wanted = request.GET.get("caregiver", "")
        caregiver = next((c for c in caregivers if str(c.pk) == wanted), None)
        if wanted and caregiver is None:
            raise Http404
        caregiver = caregiver or next(
            (c for c in caregivers if c.access_level == AccessLevel.PRIMARY), None
        )
    summary = None
    if caregiver is not None:
        last = (
            OutboxMessage.objects.filter(
                kind=SUMMARY, object_id=caregiver.pk, status=OutboxMessage.Status.SENT
            )
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
        summary = summary_for(
            caregiver, period_until_now(since=last, now=timezone.now()), viewer=request.user
        )
        if access == Access.THERAPIST:
            # Staff reading what families are told of sessions: recorded like any clinical read.
            audit_record(
                request=request,
                action=AuditEvent.Action.VIEW,
                record_type="progress_summary",
                record_id=family.pk,
                detail=f"preview as caregiver {caregiver.pk}",
            )
    return render(
        request,
        "portal/summary_preview.html",
        {
            "family": family,
            "access": access,
            "caregivers": caregivers if access == Access.THERAPIST else [],
            "chosen": caregiver,
            **(summary_context(summary) if summary else {}),
        },
    )


@require_POST
@login_required
def summary_send(request: HttpRequest, pk: int) -> HttpResponse:
    family, _ = get_family_for_user(request.user, pk, allow={Access.THERAPIST})
    with transaction.atomic():
        queued = summary_send_now(family=family)
    if queued:
        names = ", ".join(c.user.full_name for c in queued)
        messages.success(request, f"Progress summary on its way to {names}.")
    else:
        messages.info(
            request,
            "Nothing new to send since the last summary (or nobody in the family takes them).",
        )
    return redirect(family)
