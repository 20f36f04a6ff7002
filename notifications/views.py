"""The outbox page for the practice admin, and the one-click unsubscribe
page that needs no log-in (the signed link is the key)."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from accounts.policy import admin_required
from notifications import selectors, services
from notifications.models import OutboxMessage
from notifications.registry import all_kinds, get_kind
from notifications.signing import unsubscribe_read


@admin_required
def outbox(request: HttpRequest) -> HttpResponse:
    kinds = all_kinds()
    kind = request.GET.get("kind", "")
    kind = kind if any(k.key == kind for k in kinds) else ""
    status = request.GET.get("status", "")
    status = status if status in OutboxMessage.Status.values else ""
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(
        selectors.outbox_list(kind=kind, status=status, search=search), selectors.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counts = selectors.outbox_counts()
    labels = {k.key: k.label for k in kinds}
    for message in page:
        message.kind_label = labels.get(message.kind, message.kind)
    return render(
        request,
        "notifications/outbox.html",
        {
            "page": page,
            "kinds": kinds,
            "statuses": OutboxMessage.Status.choices,
            "kind": kind,
            "status": status,
            "search": search,
            "status_counts": [
                (value, label, counts.get(value, 0))
                for value, label in OutboxMessage.Status.choices
            ],
        },
    )


# Mail programs send the one-click POST (RFC 8058) without a CSRF token; the
# signed link is what authorises it, and it can only ever unsubscribe.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_read(token)
    if found is None or get_kind(found[1]) is None:
        raise Http404
    email, key = found
    kind = get_kind(key)
    done = False
    if request.method == "POST":
        if request.POST.get("action") == "resubscribe":
            services.resubscribe(email=email, kind=key)
        else:
            services.unsubscribe(email=email, kind=key)
            done = True
    else:
        done = services.opted_out(email, key)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"email": email, "kind": kind, "done": done, "token": token},
    )
