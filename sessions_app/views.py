"""Sessions, notes and assessments. Thin function views: every object comes
through sessions_app.permissions (or families.permissions), every write
through services, and every view of a clinical record is audited."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.policy import therapist_required
from core.forms import add_service_errors
from families.permissions import CLINICAL, Access, get_child_for_user
from sessions_app import selectors, services
from sessions_app.forms import (
    AddendumForm,
    AssessmentForm,
    NewStrategyForm,
    NoteGoalsForm,
    SessionForm,
    SessionNoteForm,
    StandardisedTestFormSet,
)
from sessions_app.intake import assessment_prefill
from sessions_app.models import SessionNote
from sessions_app.permissions import (
    can_sign,
    can_write_note,
    get_assessment_for_therapist,
    get_session_for_treating_therapist,
    get_session_for_user,
)


@therapist_required
def unsigned_notes(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.unsigned_sessions(request.user), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "sessions_app/unsigned_notes.html", {"page": page})


@login_required
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    child, _ = get_child_for_user(request.user, pk, allow=CLINICAL)
    kinds = selectors.parse_kinds(request.GET.getlist("show"))
    page = selectors.timeline_page(request.user, child, request.GET.get("before"), kinds)
    services.record_viewed(
        request=request, record_type="clinical_timeline", record_id=pk, child_id=pk
    )
    return render(
        request,
        "sessions_app/timeline.html",
        {
            "child": child,
            "page": page,
            "filters": selectors.timeline_filters(kinds),
            "filtered": kinds != selectors.TIMELINE_KINDS,
            "show_query": "".join(f"&show={kind}" for kind in kinds)
            if kinds != selectors.TIMELINE_KINDS
            else "",
        },
    )


@login_required
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    child, _ = get_child_for_user(request.user, pk, allow=CLINICAL)
    form = SessionForm(request.POST or None, family=child.family)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                by=request.user,
                family=child.family,
                child=child,
                therapist=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The session is recorded. Now write its note.")
            return redirect("sessions_app:note_edit", pk=session.pk)
    return render(request, "sessions_app/session_form.html", {"child": child, "form": form})


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The therapist sees the whole record; the admin sees that the session
    happened and who was there, nothing clinical."""
    session, access = get_session_for_user(request.user, pk, allow={Access.THERAPIST, Access.ADMIN})
    context = {"access": access}
    if access == Access.THERAPIST:
        session = selectors.session_with_record(session.pk)
        note = getattr(session, "note", None)
        context.update(
            note=note,
            can_write=can_write_note(request.user, session),
            addendum_form=AddendumForm() if note is not None and note.is_signed else None,
        )
        services.record_viewed(
            request=request,
            record_type="session_note" if note is not None else "session",
            record_id=note.pk if note is not None else session.pk,
            child_id=session.child_id,
        )
    else:
        services.record_viewed(
            request=request,
            record_type="session",
            record_id=session.pk,
            child_id=session.child_id,
        )
    context["session"] = session
    return render(request, "sessions_app/session_detail.html", context)


def _note_fields(form: SessionNoteForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


def _note_forms(request: HttpRequest, session, note) -> tuple:
    """The note's three forms: SOAP and summary, goals and strategies, and a
    new strategy. Bound to the POST when there is one."""
    goals, strategies = selectors.goals_and_strategies_for(session)
    data = request.POST if request.method == "POST" else None
    form = SessionNoteForm(
        data, instance=note, initial=services.note_initial(session) if note is None else None
    )
    goals_form = NoteGoalsForm(
        data,
        prefix="gas",
        goals=goals,
        strategies=strategies,
        initial=NoteGoalsForm.initial_from(note),
    )
    new_strategy_form = NewStrategyForm(
        data, prefix="new", goals=goals, initial=NewStrategyForm.initial_from(note)
    )
    return form, goals_form, new_strategy_form


def _save_draft(request: HttpRequest, session, form, goals_form, new_strategy_form):
    """Save what is valid: the text always, goals and strategies when their
    forms are valid (so that autosave never drops typed text for a half-filled
    new strategy)."""
    parts_valid = goals_form.is_valid() and new_strategy_form.is_valid()
    return services.note_save_draft(
        session=session,
        by=request.user,
        fields=_note_fields(form),
        goals_addressed=goals_form.goals_addressed() if parts_valid else None,
        strategy_changes=(
            goals_form.strategy_changes() + new_strategy_form.strategy_changes()
            if parts_valid
            else None
        ),
        request=request,
    )


@login_required
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write or finish a note. Works without JavaScript: the form posts here
    and saves the draft; "Sign" saves it too and, when every section is
    written, leads to the confirmation of what signing freezes."""
    session = get_session_for_treating_therapist(request.user, pk)
    note = selectors.note_for(session)
    if note is not None and note.is_signed:
        return redirect(session)
    form, goals_form, new_strategy_form = _note_forms(request, session, note)
    if request.method == "POST" and form.is_valid():
        signing = request.POST.get("action") == "sign"
        try:
            # The draft is kept even if signing then asks for more.
            note = _save_draft(request, session, form, goals_form, new_strategy_form)
            if goals_form.is_valid() and new_strategy_form.is_valid():
                if signing:
                    services.note_check_ready(note=note)
                    return redirect("sessions_app:note_sign", pk=session.pk)
                messages.success(request, "The draft is saved.")
                return redirect("sessions_app:note_edit", pk=session.pk)
        except ValidationError as error:
            add_service_errors(form, error)
    elif request.method == "GET":
        services.record_viewed(
            request=request,
            record_type="session_note" if note is not None else "session",
            record_id=note.pk if note is not None else session.pk,
            child_id=session.child_id,
        )
    return render(
        request,
        "sessions_app/note_form.html",
        {
            "session": session,
            "note": note,
            "form": form,
            "goals_form": goals_form,
            "new_strategy_form": new_strategy_form,
            "context": selectors.note_context(session),
            "today": timezone.localdate(),
        },
    )


SESSION_NOTE_FIELDS = {field.name for field in SessionNote._meta.fields}


def _sign_problems(error: ValidationError) -> list[str]:
    """What stops a note being signed, each naming its section."""
    if not hasattr(error, "error_dict"):
        return error.messages
    return [
        f"{SessionNote._meta.get_field(name).verbose_name.capitalize()}: {message}"
        if name in SESSION_NOTE_FIELDS
        else message
        for name, found in error.message_dict.items()
        for message in found
    ]


@login_required
def note_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation before signing: the note as it will be frozen, its
    sections, goal ratings and strategy changes. Posting it signs."""
    session = get_session_for_treating_therapist(request.user, pk)
    note = selectors.note_for(session)
    if note is None:
        return redirect("sessions_app:note_edit", pk=session.pk)
    if note.is_signed:
        return redirect(session)
    errors = []
    if request.method == "POST":
        try:
            services.note_sign(note=note, by=request.user, request=request)
        except ValidationError as error:
            errors = _sign_problems(error)
        else:
            messages.success(request, "The note is signed.")
            return redirect(session)
    else:
        try:
            services.note_check_ready(note=note)
        except ValidationError as error:
            errors = _sign_problems(error)
        services.record_viewed(
            request=request,
            record_type="session_note",
            record_id=note.pk,
            child_id=session.child_id,
        )
    session = selectors.session_with_record(session.pk)
    return render(
        request,
        "sessions_app/note_sign.html",
        {"session": session, "note": session.note, "errors": errors},
        status=400 if errors and request.method == "POST" else 200,
    )


@require_POST
@login_required
def note_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """Save the draft while the therapist types (static/js/sessions_app.js).
    Answers JSON; the page keeps what was typed whatever the answer."""
    session = get_session_for_treating_therapist(request.user, pk)
    note = selectors.note_for(session)
    if note is not None and note.is_signed:
        return JsonResponse({"error": "This note is signed and cannot change."}, status=409)
    form, goals_form, new_strategy_form = _note_forms(request, session, note)
    if not form.is_valid():
        return JsonResponse({"error": "Some sections could not be saved."}, status=400)
    try:
        note = _save_draft(request, session, form, goals_form, new_strategy_form)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=409)
    return JsonResponse(
        {"saved_at": timezone.localtime(note.updated_at).strftime("%H:%M"), "note": note.pk}
    )


@require_POST
@login_required
def note_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    session, _ = get_session_for_user(request.user, pk, allow=CLINICAL)
    note = selectors.note_for(session)
    if note is None or not note.is_signed:
        messages.error(request, "Addenda can be added to a signed note only.")
        return redirect(session)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(note=note, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The addendum is added beneath the note.")
            return redirect(session)
    session = selectors.session_with_record(session.pk)
    return render(
        request,
        "sessions_app/session_detail.html",
        {
            "session": session,
            "note": session.note,
            "access": Access.THERAPIST,
            "can_write": can_write_note(request.user, session),
            "addendum_form": form,
        },
        status=400,
    )


@login_required
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    child, _ = get_child_for_user(request.user, pk, allow=CLINICAL)
    prefill = assessment_prefill(child)
    form = AssessmentForm(request.POST or None, initial=prefill)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(
                child=child, by=request.user, fields=form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The assessment is started. Add its tests and findings.")
            return redirect("sessions_app:assessment_edit", pk=assessment.pk)
    return render(
        request,
        "sessions_app/assessment_create.html",
        {"child": child, "form": form, "from_intake": bool(prefill)},
    )


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, _ = get_assessment_for_therapist(request.user, pk)
    assessment = selectors.assessment_with_record(assessment.pk)
    services.record_viewed(
        request=request,
        record_type="assessment",
        record_id=assessment.pk,
        child_id=assessment.child_id,
    )
    return render(
        request,
        "sessions_app/assessment_detail.html",
        {
            "assessment": assessment,
            "child": assessment.child,
            "can_edit": not assessment.is_signed and can_sign(request.user, assessment),
            "addendum_form": AddendumForm() if assessment.is_signed else None,
        },
    )


def _tests_from(formset) -> list[dict]:
    return [
        {name: form.cleaned_data[name] for name in form.Meta.fields}
        for form in formset
        # Every filled row, changed or not: the service replaces the whole set.
        if form.cleaned_data.get("name") and not form.cleaned_data.get("DELETE")
    ]


@login_required
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, _ = get_assessment_for_therapist(request.user, pk)
    if assessment.is_signed or not can_sign(request.user, assessment):
        return redirect(assessment)
    existing = [
        {
            name: getattr(test, name)
            for name in ("name", "administered_on", "scores", "interpretation")
        }
        for test in assessment.tests.all()
    ]
    form = AssessmentForm(request.POST or None, instance=assessment)
    # Bound rows are read as posted (no initial), so an unchanged row still counts.
    formset = StandardisedTestFormSet(
        request.POST or None, initial=None if request.method == "POST" else existing, prefix="tests"
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            assessment = services.assessment_save_draft(
                assessment=assessment,
                by=request.user,
                fields=form.cleaned_data,
                tests=_tests_from(formset),
                goals=form.cleaned_data.get("goals"),
                request=request,
            )
            if request.POST.get("action") == "sign":
                services.assessment_sign(assessment=assessment, by=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.POST.get("action") == "sign":
                messages.success(request, "The assessment is signed.")
                return redirect(assessment)
            messages.success(request, "The draft is saved.")
            return redirect("sessions_app:assessment_edit", pk=assessment.pk)
    if request.method == "GET":
        services.record_viewed(
            request=request,
            record_type="assessment",
            record_id=assessment.pk,
            child_id=assessment.child_id,
        )
    return render(
        request,
        "sessions_app/assessment_form.html",
        {"assessment": assessment, "child": assessment.child, "form": form, "formset": formset},
    )


@require_POST
@login_required
def assessment_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, _ = get_assessment_for_therapist(request.user, pk)
    if not assessment.is_signed:
        messages.error(request, "Addenda can be added to a signed assessment only.")
        return redirect(assessment)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(
                assessment=assessment, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The addendum is added beneath the assessment.")
            return redirect(assessment)
    assessment = selectors.assessment_with_record(assessment.pk)
    return render(
        request,
        "sessions_app/assessment_detail.html",
        {
            "assessment": assessment,
            "child": assessment.child,
            "can_edit": False,
            "addendum_form": form,
        },
        status=400,
    )


@login_required
def child_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    """A child's past sessions as the family sees them: date, type, who was
    there and the family summary of signed notes. Admins see the same list
    without any summary."""
    child, access = get_child_for_user(request.user, pk)
    page = Paginator(
        selectors.sessions_for_family_page(request.user, child, access), selectors.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    services.record_viewed(
        request=request, record_type="session_summaries", record_id=child.pk, child_id=child.pk
    )
    return render(
        request,
        "sessions_app/child_sessions.html",
        {"child": child, "access": access, "page": page},
    )
