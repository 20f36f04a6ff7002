"""Data-protection pages: the privacy notice, a family's download, the
practice's subject-access copy, erasure requests and the retention sweep."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.policy import admin_required
from families import services as family_services
from families.permissions import Access, get_child_for_user, get_family_for_user
from families.retention import children_past_retention, is_past_retention, retention_until
from portal import services as portal_services
from portal.models import FamilyExport


@login_required
def notice(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy_notice.html")


# Who may download a family's information: its caregivers (what they may
# see) and the practice admin (the full subject-access copy).
DOWNLOADERS = frozenset({Access.PRIMARY, Access.SUPPORTING, Access.ADMIN})


@login_required
def family_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a download. It is built in the background (a large family's
    history with its photos and videos takes a while); the next page shows
    how far it has got, and an e-mail brings the link when it is ready."""
    family, access = get_family_for_user(request.user, pk, allow=DOWNLOADERS)
    full = access == Access.ADMIN
    if request.method == "POST":
        job = portal_services.family_export_request(
            family=family, requester=request.user, full=full, request=request
        )
        return redirect("privacy:family_export_detail", pk=family.pk, export_id=job.pk)
    recent = FamilyExport.objects.filter(family=family, requester=request.user)[:5]
    return render(
        request,
        "portal/family_export.html",
        {"family": family, "full": full, "access": access, "recent": recent},
    )


def _own_export(request: HttpRequest, pk: int, export_id) -> FamilyExport:
    """The requester's own download of a family they still stand to: anyone
    else's (even the same family's) answers 404."""
    family, _ = get_family_for_user(request.user, pk, allow=DOWNLOADERS)
    job = FamilyExport.objects.filter(pk=export_id, family=family, requester=request.user).first()
    if job is None:
        raise Http404
    job.family = family
    return job


@login_required
def family_export_detail(request: HttpRequest, pk: int, export_id: UUID) -> HttpResponse:
    job = _own_export(request, pk, export_id)
    return render(request, "portal/family_export_detail.html", {"job": job, "family": job.family})


@login_required
def family_export_progress(request: HttpRequest, pk: int, export_id: UUID) -> JsonResponse:
    """How far the download has got, for the progress bar."""
    job = _own_export(request, pk, export_id)
    response = JsonResponse(
        {
            "status": "expired" if job.is_expired else job.status,
            "label": job.get_status_display(),
            "percent": job.percent,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def family_export_file(request: HttpRequest, pk: int, export_id: UUID) -> HttpResponse:
    job = _own_export(request, pk, export_id)
    if job.status != FamilyExport.Status.READY or job.is_expired or not job.file:
        raise Http404
    filename = f"family-{job.family_id}-{timezone.localtime(job.created_at):%Y-%m-%d}.zip"
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response


@admin_required
def family_erase(request: HttpRequest, pk: int) -> HttpResponse:
    family, _ = get_family_for_user(request.user, pk, allow={Access.ADMIN})
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            messages.error(request, "Tick the box to confirm the erasure.")
        else:
            closed = family_services.family_erase_contact_data(
                family=family, by=request.user, request=request
            )
            messages.success(
                request,
                f"Contact details removed and {closed} accounts closed. "
                "The children's therapy records are kept until their retention date.",
            )
            return redirect(family)
    return render(
        request,
        "portal/family_erase.html",
        {"family": family, "children": list(family.children.order_by("first_name", "id"))},
    )


@admin_required
def retention(request: HttpRequest) -> HttpResponse:
    due = [(child, retention_until(child)) for child in children_past_retention()]
    return render(request, "portal/retention.html", {"due": due})


@admin_required
def child_purge(request: HttpRequest, pk: int) -> HttpResponse:
    child, _ = get_child_for_user(request.user, pk, allow={Access.ADMIN})
    due = is_past_retention(child)
    if request.method == "POST":
        if not due:
            raise Http404
        if request.POST.get("confirm") != "destroy":
            messages.error(request, "Tick the box to confirm.")
        else:
            try:
                family_services.child_purge(child=child, by=request.user, request=request)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, "The record has been destroyed.")
                return redirect("privacy:retention")
    return render(
        request,
        "portal/child_purge.html",
        {"child": child, "due": due, "kept_until": retention_until(child)},
    )
