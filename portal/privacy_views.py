"""Data-protection pages: the privacy notice, a family's download, the
practice's subject-access copy, erasure requests and the retention sweep."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.policy import admin_required
from families import services as family_services
from families.permissions import Access, get_child_for_user, get_family_for_user
from families.retention import children_past_retention, is_past_retention, retention_until
from portal import export


@login_required
def notice(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy_notice.html")


@login_required
def family_export(request: HttpRequest, pk: int) -> HttpResponse:
    """A primary caregiver downloads what they can see; the practice admin
    makes the full copy for a subject access request."""
    family, access = get_family_for_user(request.user, pk, allow={Access.PRIMARY, Access.ADMIN})
    full = access == Access.ADMIN
    if request.method == "POST":
        content = export.family_export(
            family=family, requester=request.user, full=full, request=request
        )
        response = HttpResponse(content, content_type="application/zip")
        filename = f"family-{family.pk}-{timezone.localdate():%Y-%m-%d}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "portal/family_export.html", {"family": family, "full": full})


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
