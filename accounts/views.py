"""The account page, the audit search and the log-in lock-outs."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import lockouts as lockout_reads
from accounts import mfa, selectors, services
from accounts.forms import AuditSearchForm, LockoutLiftForm
from accounts.models import Role
from accounts.policy import admin_required
from core.forms import valid_filters


def _audit_reader_required(view):
    """The practice admin and the superuser (operations) read the audit trail."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role != Role.ADMIN and not request.user.is_superuser:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {"has_authenticator": mfa.has_authenticator(request.user)},
    )


@_audit_reader_required
def audit_search(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None, record_types=selectors.audit_record_types())
    data = valid_filters(form)
    filters = selectors.AuditFilters(
        user=data.get("user", "").strip(),
        action=data.get("action", ""),
        record_type=data.get("record_type", ""),
        child_id=data.get("child"),
        since=data.get("since"),
        until=data.get("until"),
    )
    page = Paginator(selectors.audit_search(filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_search.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@admin_required
def lockouts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/lockouts.html",
        {
            "lockouts": lockout_reads.current_lockouts(),
            "limit": settings.AXES_FAILURE_LIMIT,
            "address_limit": settings.AXES_ADDRESS_FAILURE_LIMIT,
        },
    )


@require_POST
@admin_required
def lockout_lift(request: HttpRequest) -> HttpResponse:
    form = LockoutLiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a lock-out from the list.")
        return redirect("accounts:lockouts")
    try:
        services.lockout_lift(by=request.user, request=request, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        data = form.cleaned_data
        who = data["account"] if data["kind"] == "pair" else f"Everyone at {data['address']}"
        messages.success(request, f"{who} can log in again.")
    return redirect("accounts:lockouts")
