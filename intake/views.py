"""The intake questionnaire: an overview with each section's progress, one
page per section (saved as the family types, and on "Save"), and sending it
to the therapist. Thin function views over intake.permissions and services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent
from families.permissions import Access
from intake import selectors, services
from intake.forms import section_form_class
from intake.models import SECTIONS
from intake.permissions import WRITERS, get_child_for_intake, get_section


@login_required
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_intake(request.user, pk)
    questionnaire = selectors.intake_for(child)
    if questionnaire is not None and access == Access.THERAPIST:
        # The family's account of the child's history: a view of it is audited.
        audit_record(
            request=request,
            action=AuditEvent.Action.VIEW,
            record_type="intake.intakequestionnaire",
            record_id=questionnaire.pk,
            child_id=child.pk,
        )
    return render(
        request,
        "intake/overview.html",
        {
            "child": child,
            "access": access,
            "can_write": access in WRITERS,
            "questionnaire": questionnaire,
            "sections": selectors.sections_with_progress(questionnaire),
            "answers": [
                (
                    section,
                    [
                        (questionnaire._meta.get_field(n).verbose_name, getattr(questionnaire, n))
                        for n in section.fields
                    ],
                )
                for section in SECTIONS
            ]
            if questionnaire is not None and access == Access.THERAPIST
            else [],
        },
    )


@login_required
def section(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    child, _access = get_child_for_intake(request.user, pk, allow=WRITERS)
    current = get_section(slug)
    questionnaire = selectors.intake_for(child)
    form = section_form_class(current)(request.POST or None, instance=questionnaire)
    autosave = request.headers.get("X-Requested-With") == "fetch"
    if request.method == "POST":
        if not form.is_valid():
            if autosave:
                return JsonResponse({"error": "Not saved: please check the answers."}, status=400)
        else:
            services.intake_section_save(
                child=child, section=current, answers=form.cleaned_data, by=request.user
            )
            if autosave:
                return JsonResponse({"saved_at": timezone.localtime().strftime("%H:%M:%S")})
            following = _next(current.slug)
            if request.POST.get("action") == "later" or following is None:
                messages.success(request, "Saved. You can carry on whenever suits you.")
                return redirect("intake:overview", pk=child.pk)
            return redirect("intake:section", pk=child.pk, slug=following)
    index = [s.slug for s in SECTIONS].index(current.slug)
    return render(
        request,
        "intake/section.html",
        {
            "child": child,
            "section": current,
            "form": form,
            "step": index + 1,
            "steps": len(SECTIONS),
            "questionnaire": questionnaire,
        },
        status=400 if request.method == "POST" else 200,
    )


def _next(slug: str) -> str | None:
    slugs = [s.slug for s in SECTIONS]
    index = slugs.index(slug)
    return slugs[index + 1] if index + 1 < len(slugs) else None


@require_POST
@login_required
def send(request: HttpRequest, pk: int) -> HttpResponse:
    child, _access = get_child_for_intake(request.user, pk, allow=WRITERS)
    services.intake_send(child=child, by=request.user)
    messages.success(
        request,
        f"Thank you. {child.display_name}'s therapist can now read it. "
        "You can still add to it before the assessment.",
    )
    return redirect("intake:overview", pk=child.pk)
