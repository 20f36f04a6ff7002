"""Goals, home strategies, practice and wins. Thin function views: every object
comes through goals.permissions, every write through goals.services."""

from datetime import timedelta
from uuid import uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent
from accounts.policy import offline_readable, therapist_required
from core.forms import add_service_errors
from families.models import ConsentKind
from families.permissions import FAMILY_SIDE, Access
from families.selectors import consent_given
from goals import selectors, services
from goals.forms import (
    FamilyRatingForm,
    GoalForm,
    GoalStatusForm,
    PracticeLogForm,
    ProgressRatingForm,
    QuickPracticeForm,
    SinceForm,
    StrategyForm,
    TemplateChoiceForm,
    WinForm,
)
from goals.models import STRATEGY_FIELDS, Outcome, Routine
from goals.permissions import (
    LOGGERS,
    WRITERS,
    get_child_for_goals,
    get_goal_for_user,
    get_strategy_for_user,
    sees_strategy_photos,
    sees_therapist_notes,
)
from goals.scoring import FORMULA


def _audit_view(request: HttpRequest, record, child_id: int) -> None:
    audit_record(
        request=request,
        action=AuditEvent.Action.VIEW,
        record_type=record._meta.label_lower,
        record_id=record.pk,
        child_id=child_id,
    )


def _routines_url(child_pk: int) -> str:
    return reverse("goals:routines", args=[child_pk])


@login_required
def child_goals(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_goals(request.user, pk)
    is_therapist = access == Access.THERAPIST
    context = {
        "child": child,
        "access": access,
        "is_therapist": is_therapist,
        "formula": FORMULA,
        # Only the therapist sees the T-score.
        **selectors.goals_page(child, with_t_score=is_therapist),
        "win_form": _win_form(child),
    }
    if is_therapist:
        _audit_view(request, child, child.pk)
    return render(request, "goals/child_goals.html", context)


@login_required
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    goal, access = get_goal_for_user(request.user, pk)
    context = {
        "goal": goal,
        "child": goal.child,
        "access": access,
        "is_therapist": access == Access.THERAPIST,
        "sees_notes": sees_therapist_notes(access),
        "status_choices": GoalStatusForm.base_fields["status"].choices,
        **selectors.goal_detail(goal, request.GET.get("page")),
    }
    if access == Access.THERAPIST:
        _audit_view(request, goal, goal.child_id)
    return render(request, "goals/goal_detail.html", context)


@offline_readable
@login_required
def routines(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_goals(request.user, pk)
    context = {
        "child": child,
        "access": access,
        "can_log": access in FAMILY_SIDE,
        "outcomes": Outcome.choices,
        "photos_shown": sees_strategy_photos(access, child.family_id),
        **selectors.routines_week(child, viewer=request.user),
    }
    return render(request, "goals/routines.html", context)


@login_required
def routines_print(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_goals(request.user, pk)
    return render(
        request,
        "goals/routines_print.html",
        {"child": child, "access": access, **selectors.routines_page(child)},
    )


@login_required
def routine_sheet(request: HttpRequest, pk: int, routine: str) -> HttpResponse:
    """One moment of the day as picture steps, to print for the fridge."""
    child, access = get_child_for_goals(request.user, pk)
    if routine not in Routine.values:
        raise Http404
    return render(
        request,
        "goals/routine_sheet.html",
        {
            "child": child,
            "access": access,
            "routine_label": Routine(routine).label,
            "photos_shown": sees_strategy_photos(access, child.family_id),
            **selectors.routines_page(child, routine=routine),
        },
    )


@login_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_goals(request.user, pk)
    return render(
        request,
        "goals/history.html",
        {"child": child, "access": access, **selectors.history_page(child)},
    )


@login_required
def therapist_practice(request: HttpRequest, pk: int) -> HttpResponse:
    """What the family practised since a day the therapist picks (the last
    session, once sessions exist), and adherence per strategy over 4 weeks."""
    child, access = get_child_for_goals(request.user, pk, allow=WRITERS)
    form = SinceForm(request.GET or None)
    since = timezone.localdate() - timedelta(days=7)
    if form.is_bound and form.is_valid() and form.cleaned_data["since"]:
        since = form.cleaned_data["since"]
    elif not form.is_bound:
        form = SinceForm(initial={"since": since})
    _audit_view(request, child, child.pk)
    context = {
        "child": child,
        "access": access,
        "form": form,
        "formula": FORMULA,
        **selectors.therapist_child_page(child, since=since),
    }
    return render(request, "goals/therapist_practice.html", context)


@login_required
def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    child, _ = get_child_for_goals(request.user, pk, allow=WRITERS)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_create(
                child=child, by=request.user, fields=form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The goal “{goal.title}” is saved.")
            return redirect(goal)
    return render(request, "goals/goal_form.html", {"child": child, "form": form, "goal": None})


@login_required
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal, _ = get_goal_for_user(request.user, pk, allow=WRITERS)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_update(
                goal=goal, by=request.user, fields=form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The goal is saved.")
            return redirect(goal)
    return render(
        request, "goals/goal_form.html", {"child": goal.child, "form": form, "goal": goal}
    )


@require_POST
@login_required
def goal_status(request: HttpRequest, pk: int) -> HttpResponse:
    goal, _ = get_goal_for_user(request.user, pk, allow=WRITERS)
    form = GoalStatusForm(request.POST)
    if form.is_valid():
        services.goal_set_status(
            goal=goal, by=request.user, status=form.cleaned_data["status"], request=request
        )
        messages.success(request, f"The goal is now: {goal.get_status_display().lower()}.")
    else:
        messages.error(request, "Choose one of the statuses listed.")
    return redirect(goal)


@login_required
def rating_create(request: HttpRequest, pk: int) -> HttpResponse:
    goal, access = get_goal_for_user(request.user, pk, allow=LOGGERS)
    form = ProgressRatingForm(request.POST or None, goal=goal, in_words=access != Access.THERAPIST)
    if request.method == "POST" and form.is_valid():
        try:
            services.progress_rating_add(
                goal=goal, by=request.user, access=access, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Thank you: the rating is saved.")
            return redirect(goal)
    return render(
        request,
        "goals/rating_form.html",
        {"goal": goal, "child": goal.child, "form": form, "access": access},
    )


@login_required
def family_rating_create(request: HttpRequest, pk: int) -> HttpResponse:
    goal, access = get_goal_for_user(request.user, pk, allow=LOGGERS)
    form = FamilyRatingForm(request.POST or None, for_therapist=access == Access.THERAPIST)
    if request.method == "POST" and form.is_valid():
        try:
            services.family_rating_add(
                goal=goal, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Thank you: your scores are saved.")
            return redirect(goal)
    return render(
        request,
        "goals/family_rating_form.html",
        {
            "goal": goal,
            "child": goal.child,
            "form": form,
            "access": access,
            "is_therapist": access == Access.THERAPIST,
        },
    )


@login_required
def strategy_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new home strategy, from scratch or from the practice library. "Use
    this" posts the whole form and fills from the library only the fields
    still empty, so nothing typed is lost; `?goal=` ticks a goal to start."""
    child, _ = get_child_for_goals(request.user, pk, allow=WRITERS)
    goals = selectors.goal_choices(child)
    # The library choice is in the form, or in the address it was opened at.
    data = request.POST if "template" in request.POST else request.GET
    chooser = TemplateChoiceForm(data if "template" in data else None)
    template = None
    if chooser.is_bound and chooser.is_valid():
        template = chooser.cleaned_data["template"]
    if request.method == "POST" and request.POST.get("action") == "use":
        typed = {name: request.POST.get(name, "") for name in STRATEGY_FIELDS}
        initial = {
            name: value or (getattr(template, name) if template else "")
            for name, value in typed.items()
        }
        initial["goals"] = request.POST.getlist("goals")
        form = StrategyForm(goals=goals, initial=initial)
    elif request.method == "POST":
        form = StrategyForm(request.POST, goals=goals)
        if form.is_valid():
            try:
                strategy = services.strategy_create(
                    child=child,
                    by=request.user,
                    fields=form.cleaned_data,
                    goals=form.cleaned_data["goals"],
                    template=template,
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"“{strategy.title}” is on {child.display_name}'s plan.")
                return redirect(_routines_url(child.pk))
    else:
        initial = {name: getattr(template, name) for name in STRATEGY_FIELDS} if template else {}
        chosen_goal = request.GET.get("goal", "")
        if chosen_goal.isdigit():
            initial["goals"] = [int(chosen_goal)]
        form = StrategyForm(goals=goals, initial=initial)
    return render(
        request,
        "goals/strategy_form.html",
        {"child": child, "form": form, "chooser": chooser, "strategy": None, "has_goals": goals},
    )


@login_required
def strategy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    strategy, _ = get_strategy_for_user(request.user, pk, allow=WRITERS)
    child = strategy.child
    goals = selectors.goal_choices(child) | child.goals.filter(strategies=strategy)
    form = StrategyForm(request.POST or None, instance=strategy, goals=goals.distinct())
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_update(
                strategy=strategy,
                by=request.user,
                fields=form.cleaned_data,
                goals=form.cleaned_data["goals"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The strategy is saved.")
            return redirect(_routines_url(child.pk))
    return render(
        request,
        "goals/strategy_form.html",
        {"child": child, "form": form, "chooser": None, "strategy": strategy, "has_goals": True},
    )


@require_POST
@login_required
def strategy_retire(request: HttpRequest, pk: int) -> HttpResponse:
    strategy, _ = get_strategy_for_user(request.user, pk, allow=WRITERS)
    services.strategy_retire(strategy=strategy, by=request.user, request=request)
    messages.success(request, f"“{strategy.title}” is retired. It stays in the history.")
    return redirect(_routines_url(strategy.child_id))


@require_POST
@login_required
def strategy_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    strategy, _ = get_strategy_for_user(request.user, pk, allow=WRITERS)
    services.strategy_reactivate(strategy=strategy, by=request.user, request=request)
    messages.success(request, f"“{strategy.title}” is back on the plan.")
    return redirect(_routines_url(strategy.child_id))


@login_required
def practice_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Log practice with a date and a note (the routines page has one-tap buttons)."""
    strategy, access = get_strategy_for_user(request.user, pk, allow=FAMILY_SIDE)
    form = PracticeLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.practice_log_add(strategy=strategy, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Logged: {strategy.title}. Well done!")
            return redirect(_routines_url(strategy.child_id))
    return render(
        request,
        "goals/practice_form.html",
        {"strategy": strategy, "child": strategy.child, "form": form, "access": access},
    )


def _back_to_card(request: HttpRequest, strategy) -> HttpResponse:
    """Without script, a tap reloads the page it came from (Today or the
    routines page) at the strategy's card."""
    if request.POST.get("back") == "today":
        return redirect(f"{reverse('home')}#strategy-{strategy.pk}")
    return redirect(f"{_routines_url(strategy.child_id)}#strategy-{strategy.pk}")


def _practice_area(request: HttpRequest, strategy, **extra) -> HttpResponse:
    """The card's practice part, for htmx to swap in place."""
    return render(
        request,
        "goals/includes/practice_area.html",
        {
            "s": selectors.practice_card(strategy, viewer=request.user),
            "outcomes": Outcome.choices,
            "back": request.POST.get("back", ""),
            **extra,
        },
    )


@require_POST
@login_required
def practice_quick(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap on a strategy card: today, with how it went. With htmx the
    card's practice part answers in place ("Logged ✓ — undo"); without
    script the page reloads at the card. A log queued offline on the phone is
    sent here later by static/js/companion.js, which asks for JSON and brings
    its own id and date."""
    strategy, _ = get_strategy_for_user(request.user, pk, allow=FAMILY_SIDE)
    queued = request.headers.get("Accept") == "application/json"
    form = QuickPracticeForm(request.POST)
    problem = ""
    log = None
    if not form.is_valid():
        problem = "Choose how it went: went well, mixed or hard."
    else:
        try:
            log = services.practice_log_add(
                strategy=strategy,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                practised_on=form.cleaned_data["practised_on"],
                client_id=form.cleaned_data["client_id"],
            )
        except ValidationError as error:
            problem = " ".join(error.messages)
    if queued:
        if problem:
            return JsonResponse({"error": problem}, status=400)
        return JsonResponse({"logged": log.pk, "practised_on": log.practised_on.isoformat()})
    if request.htmx:
        return _practice_area(request, strategy, problem=problem, just_logged=log is not None)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(
            request,
            f"Logged for today: {strategy.title} ({log.get_outcome_display().lower()}). Thank you!",
        )
    return _back_to_card(request, strategy)


@require_POST
@login_required
def practice_undo(request: HttpRequest, pk: int, log_pk: int) -> HttpResponse:
    """Take back a practice just logged (goals.services.practice_log_undo)."""
    strategy, _ = get_strategy_for_user(request.user, pk, allow=FAMILY_SIDE)
    problem = ""
    try:
        services.practice_log_undo(strategy=strategy, log_id=log_pk, by=request.user)
    except ValidationError as error:
        problem = " ".join(error.messages)
    if request.htmx:
        return _practice_area(request, strategy, problem=problem, just_undone=not problem)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, f"Undone: that practice of “{strategy.title}” is not logged.")
    return _back_to_card(request, strategy)


def _win_form(child, data=None, files=None) -> WinForm:
    # A fresh id for each form drawn: one tap sent twice shares once. A photo
    # is offered while the family's consent to photos stands (asked now).
    return WinForm(
        data,
        files,
        goals=selectors.goal_choices(child),
        photo_allowed=consent_given(child.family_id, ConsentKind.PHOTOS_IN_NOTES),
        initial={"client_id": uuid4()},
    )


def _wins_area(request: HttpRequest, child, *, form=None, **extra) -> HttpResponse:
    """The goals page's wins, with the form to share one, for htmx to swap."""
    return render(
        request,
        "goals/includes/wins_area.html",
        {
            "child": child,
            "win_form": form or _win_form(child),
            "wins": list(selectors.wins_for_child(child)[:5]),
            **extra,
        },
    )


@login_required
def win_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Share a win: from the goals page in place (htmx, "Shared ✓ — undo"),
    or on its own page without script."""
    child, access = get_child_for_goals(request.user, pk, allow=LOGGERS)
    form = _win_form(child, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # Without the family's consent the form has no photo field; a photo
        # sent anyway goes to the service, which refuses it with the reason.
        fields = dict(form.cleaned_data)
        fields["photo"] = fields.get("photo") or request.FILES.get("photo")
        try:
            win = services.win_add(child=child, by=request.user, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return _wins_area(request, child, shared=win)
            messages.success(request, "Your win is on the page. 🎉")
            return redirect("goals:child_goals", pk=child.pk)
    if request.htmx:
        return _wins_area(request, child, form=form)
    return render(request, "goals/win_form.html", {"child": child, "form": form, "access": access})


@require_POST
@login_required
def win_undo(request: HttpRequest, pk: int, win_pk: int) -> HttpResponse:
    """Take back a win just shared (goals.services.win_undo)."""
    child, _ = get_child_for_goals(request.user, pk, allow=LOGGERS)
    problem = ""
    try:
        services.win_undo(child=child, win_id=win_pk, by=request.user)
    except ValidationError as error:
        problem = " ".join(error.messages)
    if request.htmx:
        return _wins_area(request, child, problem=problem, just_undone=not problem)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, "Undone: that win is no longer on the page.")
    return redirect("goals:child_goals", pk=child.pk)


@therapist_required
def library(request: HttpRequest) -> HttpResponse:
    return render(request, "goals/library.html", {"templates": selectors.templates_library()})
