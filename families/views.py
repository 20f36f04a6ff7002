"""Families, children, caseloads and invitations. Thin function views: every
object comes through families.permissions, every write through services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import selectors as audit_selectors
from accounts.models import Role, User
from accounts.policy import admin_required, role_required, staff_required
from core.forms import add_service_errors
from families import selectors, services
from families.forms import (
    SCOPE_HELP_TEXT,
    AcceptInvitationForm,
    CaregiverForm,
    CaseloadAssignForm,
    CaseloadEndForm,
    ChildForm,
    ChildFormSet,
    ConsentChangeForm,
    EmailQuestionForm,
    FamilyForm,
    FirstCaregiverForm,
    InvitationForm,
    MobileNumberForm,
    PreferencesForm,
)
from families.models import EMAIL_QUESTION_HIDDEN_FOR, SCOPE_HELP, Caregiver, Scope
from families.permissions import (
    FAMILY_MANAGERS,
    Access,
    children_for,
    get_assignment_for_admin,
    get_caregiver_for_manager,
    get_child_for_user,
    get_family_for_user,
    get_invitation_for_manager,
)
from families.sections import after_registration, sections_for
from notifications.push import push_offered
from notifications.selectors import push_devices_for
from notifications.services import mobile_number_of, mobile_number_set
from notifications.text import texts_offered


@staff_required
def family_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.family_list_for_staff(request.user, search=search), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "families/family_list.html", {"page": page, "search": search})


@admin_required
def family_register(request: HttpRequest) -> HttpResponse:
    family_form = FamilyForm(request.POST or None, prefix="family")
    caregiver_form = FirstCaregiverForm(request.POST or None, prefix="caregiver")
    children_formset = ChildFormSet(request.POST or None, prefix="children")
    if request.method == "POST" and all(
        [family_form.is_valid(), caregiver_form.is_valid(), children_formset.is_valid()]
    ):
        family, invitation = services.family_register(
            by=request.user,
            family_fields=family_form.cleaned_data,
            children=[form.cleaned_data for form in children_formset if form.has_changed()],
            caregiver_email=caregiver_form.cleaned_data["email"],
            caregiver_name=caregiver_form.cleaned_data["full_name"],
            caregiver_relationship=caregiver_form.cleaned_data["relationship"],
        )
        messages.success(request, f"{family.name} is registered.")
        _say_how_the_invitation_went(request, invitation)
        return redirect(after_registration(family))
    return render(
        request,
        "families/family_register.html",
        {
            "family_form": family_form,
            "caregiver_form": caregiver_form,
            "children_formset": children_formset,
        },
    )


@login_required
def family_detail(request: HttpRequest, pk: int) -> HttpResponse:
    family, access = get_family_for_user(
        request.user, pk, allow={Access.PRIMARY, Access.THERAPIST, Access.ADMIN}
    )
    context = {"family": family, "access": access, **selectors.family_page(family)}
    context["can_manage_people"] = access in (Access.PRIMARY, Access.ADMIN)
    if access == Access.ADMIN:
        # A child with no therapist yet leads on to the next step after registering.
        context["first_visit_url"] = after_registration(family)
    context["can_invite"] = access in FAMILY_MANAGERS
    return render(request, "families/family_detail.html", context)


@login_required
def family_edit(request: HttpRequest, pk: int) -> HttpResponse:
    family, _ = get_family_for_user(request.user, pk, allow={Access.PRIMARY, Access.ADMIN})
    form = FamilyForm(request.POST or None, instance=family)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Contact details saved.")
        return redirect(family)
    return render(request, "families/family_edit.html", {"family": family, "form": form})


@login_required
def child_create(request: HttpRequest, pk: int) -> HttpResponse:
    family, _ = get_family_for_user(request.user, pk, allow={Access.ADMIN})
    form = ChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        child = services.child_add(family=family, fields=form.cleaned_data)
        messages.success(request, f"{child.display_name} has been added to {family.name}.")
        return redirect(family)
    return render(
        request, "families/child_form.html", {"family": family, "form": form, "child": None}
    )


@login_required
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child, access = get_child_for_user(request.user, pk)
    context = {
        "child": child,
        "access": access,
        "assignments": selectors.caseload_for_child(child),
        "can_edit": access in (Access.PRIMARY, Access.THERAPIST, Access.ADMIN),
        # The sections of the apps above this one (families.sections).
        "sections": sections_for(request, child, access),
    }
    return render(request, "families/child_detail.html", context)


@login_required
def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    child, _ = get_child_for_user(
        request.user, pk, allow={Access.PRIMARY, Access.THERAPIST, Access.ADMIN}
    )
    form = ChildForm(request.POST or None, instance=child)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{child.display_name}'s details are saved.")
        return redirect(child)
    return render(
        request, "families/child_form.html", {"family": child.family, "form": form, "child": child}
    )


@login_required
def caseload_manage(request: HttpRequest, pk: int) -> HttpResponse:
    child, _ = get_child_for_user(request.user, pk, allow={Access.ADMIN})
    form = CaseloadAssignForm(request.POST or None, therapists=selectors.therapists())
    if request.method == "POST" and form.is_valid():
        try:
            services.caseload_assign(
                child=child, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{form.cleaned_data['therapist']} now works with {child.display_name}."
            )
            return redirect("families:caseload_manage", pk=child.pk)
    return render(
        request,
        "families/caseload_manage.html",
        {"child": child, "form": form, "assignments": selectors.caseload_for_child(child)},
    )


@login_required
def caseload_end(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_admin(request.user, pk)
    form = CaseloadEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.caseload_end(
                assignment=assignment,
                ends_on=form.cleaned_data["ends_on"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The caseload has been updated.")
            return redirect("families:caseload_manage", pk=assignment.child_id)
    return render(request, "families/caseload_end.html", {"assignment": assignment, "form": form})


@login_required
def invitation_create(request: HttpRequest, pk: int) -> HttpResponse:
    family, _ = get_family_for_user(request.user, pk, allow=FAMILY_MANAGERS)
    form = InvitationForm(request.POST or None, family=family, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                family=family, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _say_how_the_invitation_went(request, invitation)
            return redirect(family)
    return render(
        request,
        "families/invitation_form.html",
        {"family": family, "form": form, **_scope_help()},
    )


@require_POST
@login_required
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_invitation_for_manager(request.user, pk)
    try:
        services.invitation_resend(invitation=invitation, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _say_how_the_invitation_went(request, invitation)
    return redirect(invitation.family)


def _say_how_the_invitation_went(request: HttpRequest, invitation) -> None:
    status = getattr(invitation, "email_status", services.InvitationEmail.QUEUED)
    days = settings.INVITATION_VALID_DAYS
    if status == services.InvitationEmail.SENT:
        messages.success(
            request,
            f"We've sent an invitation to {invitation.email}. The link works for {days} days.",
        )
    elif status == services.InvitationEmail.QUEUED:
        messages.success(
            request,
            f"An invitation to {invitation.email} is on its way. The link works for {days} days.",
        )
    else:
        messages.warning(
            request,
            f"The invitation to {invitation.email} is saved, but we couldn't send the e-mail just "
            "now. Please check the address and press Resend below in a little while, or call us "
            "if it keeps happening.",
        )


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_invitation_for_manager(request.user, pk)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The invitation to {invitation.email} has been withdrawn.")
    return redirect(invitation.family)


@login_required
def caregiver_edit(request: HttpRequest, pk: int) -> HttpResponse:
    caregiver = get_caregiver_for_manager(request.user, pk)
    form = CaregiverForm(request.POST or None, caregiver=caregiver)
    if request.method == "POST" and form.is_valid():
        try:
            services.caregiver_update(
                caregiver=caregiver, by=request.user, request=request, **form.changes
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{caregiver.user}'s access is saved.")
            return redirect(caregiver.family)
    return render(
        request,
        "families/caregiver_form.html",
        {"caregiver": caregiver, "form": form, **_scope_help()},
    )


def _scope_help() -> dict:
    """What each part of a supporting caregiver's scope means, for the pages
    that choose it."""
    return {
        "scope_help": [(scope.label, SCOPE_HELP[scope]) for scope in Scope],
        "scope_help_text": SCOPE_HELP_TEXT,
    }


@login_required
def caregiver_remove(request: HttpRequest, pk: int) -> HttpResponse:
    caregiver = get_caregiver_for_manager(request.user, pk)
    family = caregiver.family
    if request.method == "POST":
        try:
            services.caregiver_remove(caregiver=caregiver, by=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{caregiver.user} no longer has access to {family.name}.")
            if caregiver.user_id == request.user.pk:
                return redirect("home")
        return redirect(family)
    return render(request, "families/caregiver_remove.html", {"caregiver": caregiver})


@role_required(Role.CAREGIVER)
def my_family(request: HttpRequest) -> HttpResponse:
    primary = (
        Caregiver.objects.filter(user=request.user, access_level="primary")
        .order_by("family__name")
        .first()
    )
    if primary is not None:
        return redirect("families:family_detail", pk=primary.family_id)
    # A supporting caregiver's family is the children they are linked to:
    # the child's own page, or Today's list of them ("E-mail choices" has
    # its own menu item).
    children = list(children_for(request.user).order_by("first_name", "id").values_list("pk")[:2])
    if len(children) == 1:
        return redirect("families:child_detail", pk=children[0][0])
    return redirect(f"{reverse('home')}#children")


@role_required(Role.CAREGIVER)
def preferences(request: HttpRequest) -> HttpResponse:
    """How we contact you: the person's mobile number and devices, and per
    family what they want and by which channel (e-mail, text, push)."""
    texts, push = texts_offered(), push_offered()
    mobile = mobile_number_of(request.user) if texts else ""
    posted = request.POST.get("membership") if request.method == "POST" else None
    mobile_form = MobileNumberForm(
        request.POST if posted == "mobile" else None, initial={"number": mobile}
    )
    forms = [
        (
            membership,
            PreferencesForm(
                request.POST if posted == str(membership.pk) else None,
                prefix=f"m{membership.pk}",
                initial=choices,
                texts=texts,
                has_mobile=bool(mobile),
                push=push,
                primary=membership.is_primary,
            ),
        )
        for membership, choices in selectors.email_choices_for(request.user)
    ]
    if request.method == "POST":
        if texts and mobile_form.is_bound and mobile_form.is_valid():
            number = mobile_form.cleaned_data["number"]
            mobile_number_set(user=request.user, number=number)
            messages.success(
                request,
                "Your mobile number is saved." if number else "We will send you no more texts.",
            )
            return redirect("families:preferences")
        for membership, form in forms:
            if form.is_bound and form.is_valid():
                try:
                    services.caregiver_preferences_update(caregiver=membership, **form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error)
                    break
                messages.success(
                    request, f"How we contact you about {membership.family.name} is saved."
                )
                return redirect("families:preferences")
    return render(
        request,
        "families/preferences.html",
        {
            "forms": forms,
            "texts": texts,
            "mobile_form": mobile_form,
            "push": push,
            "devices": push_devices_for(request.user) if push else [],
        },
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from an invitation e-mail. Every dead end gets a page that says
    what happened and what to do next, never a bare error."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationProblem as problem:
        return _invitation_problem(request, problem)

    user = request.user if request.user.is_authenticated else None
    form = None
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            return render(
                request,
                "families/invitation_login.html",
                {"invitation": invitation, "token": token},
            )
        form = AcceptInvitationForm(
            request.POST or None,
            email=invitation.email,
            initial={"full_name": invitation.full_name},
        )
    elif user.email.lower() != invitation.email.lower():
        return _invitation_problem(request, services.InvitationProblem("wrong_account", invitation))

    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            acceptance = services.invitation_accept(
                raw_token=token,
                user=user,
                full_name=form.cleaned_data["full_name"] if form else "",
                password=form.cleaned_data["password1"] if form else "",
                request=request,
            )
        except services.InvitationProblem as problem:
            return _invitation_problem(request, problem)
        if acceptance.created_account:
            login(request, acceptance.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to {invitation.family.name}'s page.")
        return redirect("home")
    return render(
        request, "families/invitation_accept.html", {"invitation": invitation, "form": form}
    )


_PROBLEM_STATUS = {"invalid": 404, "wrong_account": 403, "staff_account": 403, "login_needed": 200}


def _invitation_problem(request: HttpRequest, problem: services.InvitationProblem) -> HttpResponse:
    if problem.reason == "login_needed":
        return render(
            request,
            "families/invitation_login.html",
            {"invitation": problem.invitation, "token": None},
        )
    return render(
        request,
        "families/invitation_problem.html",
        {"reason": problem.reason, "invitation": problem.invitation},
        status=_PROBLEM_STATUS.get(problem.reason, 410),
    )


@login_required
def consents(request: HttpRequest, pk: int) -> HttpResponse:
    """What the family agrees to. Primary caregivers give and withdraw with one
    click; the practice sees the same page to know what it may do."""
    family, access = get_family_for_user(
        request.user, pk, allow={Access.PRIMARY, Access.THERAPIST, Access.ADMIN}
    )
    if request.method == "POST":
        if access != Access.PRIMARY:
            raise Http404
        form = ConsentChangeForm(request.POST)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            if form.cleaned_data["decision"] == "give":
                services.consent_give(family=family, kind=kind, by=request.user, request=request)
                messages.success(request, "Thank you: your consent is recorded.")
            else:
                services.consent_withdraw(
                    family=family, kind=kind, by=request.user, request=request
                )
                messages.success(request, "Withdrawn. This applies from now on.")
        else:
            messages.error(request, "Please choose one of the consents below.")
        return redirect("families:consents", pk=family.pk)
    return render(
        request,
        "families/consents.html",
        {
            "family": family,
            "rows": selectors.consents_for(family),
            "can_change": access == Access.PRIMARY,
        },
    )


@require_POST
@login_required
def email_question(request: HttpRequest, pk: int) -> HttpResponse:
    """Yes or Not now to Today's question whether we may e-mail the family
    about their children's therapy. A plain form: it works without script."""
    family, _ = get_family_for_user(request.user, pk, allow={Access.PRIMARY})
    form = EmailQuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please answer Yes or Not now.")
        return redirect("home")
    answer = form.cleaned_data["answer"]
    services.email_question_answer(family=family, by=request.user, answer=answer, request=request)
    if answer == "yes":
        messages.success(
            request,
            "Thank you: we will e-mail you reminders, progress summaries and new messages. "
            "You can change your mind at any time under What you have agreed to.",
        )
    else:
        messages.success(
            request,
            f"We will not ask again for {EMAIL_QUESTION_HIDDEN_FOR.days} days. "
            "You can answer at any time under What you have agreed to.",
        )
    return redirect("home")


@login_required
def child_access_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has opened or changed this child's record: for the therapists who
    work with the child."""
    child, _ = get_child_for_user(request.user, pk, allow={Access.THERAPIST})
    page = Paginator(audit_selectors.child_access_history(child.pk), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "families/child_access_history.html", {"child": child, "page": page})
