"""The outbox page for the practice admin, the one-click unsubscribe page
that needs no log-in (the signed link is the key), the JSON endpoints a
page's service worker calls to subscribe a browser to push notifications,
and the text provider's webhook for texts families send back."""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.policy import admin_required, role_required
from notifications import selectors, services
from notifications.models import OutboxMessage
from notifications.push import push_offered
from notifications.registry import all_kinds, get_kind
from notifications.signing import unsubscribe_read
from notifications.text import text_provider


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


# --- Push notifications ------------------------------------------------------------

MAX_SUBSCRIPTION_BYTES = 4096


def device_label(user_agent: str) -> str:
    """ "Chrome on Android": enough for a person to tell their devices apart."""
    browsers = [
        ("Edg/", "Edge"),
        ("SamsungBrowser", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    systems = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "Mac"),
        ("Linux", "Linux"),
    ]
    browser = next((name for mark, name in browsers if mark in user_agent), "A browser")
    system = next((name for mark, name in systems if mark in user_agent), "")
    return f"{browser} on {system}" if system else browser


def _json_body(request: HttpRequest) -> dict | None:
    if len(request.body) > MAX_SUBSCRIPTION_BYTES:
        return None
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


@require_GET
@role_required(Role.CAREGIVER)
def push_key(request: HttpRequest) -> JsonResponse:
    """The VAPID public key a page subscribes with (applicationServerKey)."""
    return JsonResponse(
        {
            "offered": push_offered(),
            "public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY if push_offered() else "",
        }
    )


@require_POST
@role_required(Role.CAREGIVER)
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """Body: the browser's PushSubscription as JSON (`subscription.toJSON()`)."""
    if not push_offered():
        return JsonResponse({"error": "Push notifications are not switched on."}, status=404)
    data = _json_body(request)
    keys = data.get("keys") if data else None
    if not data or not isinstance(keys, dict):
        return JsonResponse({"error": "Send the browser's push subscription."}, status=400)
    try:
        device = services.push_device_save(
            user=request.user,
            endpoint=data.get("endpoint", ""),
            p256dh=keys.get("p256dh", ""),
            auth=keys.get("auth", ""),
            label=device_label(request.headers.get("User-Agent", "")),
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse(
        {"subscribed": True, "device": device.pk, "label": device.label}, status=201
    )


@require_POST
@role_required(Role.CAREGIVER)
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    """Body: {"endpoint": …}, the subscription being given up."""
    data = _json_body(request)
    endpoint = data.get("endpoint") if data else None
    if not isinstance(endpoint, str) or not endpoint:
        return JsonResponse({"error": "Send the subscription's endpoint."}, status=400)
    services.push_device_remove(user=request.user, endpoint=endpoint)
    return JsonResponse({"subscribed": False})


@require_POST
@role_required(Role.CAREGIVER)
def push_device_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Stop" button beside a device on How we contact you."""
    if not services.push_device_remove(user=request.user, device_id=pk):
        raise Http404
    messages.success(request, "That device will get no more notifications from us.")
    return redirect("families:preferences")


# --- Texts sent back -----------------------------------------------------------------


# The provider calls this without a CSRF token; its signature is the key.
@csrf_exempt
@require_POST
def text_inbound(request: HttpRequest) -> HttpResponse:
    provider = text_provider()
    if provider is None:
        raise Http404
    params = request.POST.dict()
    # Signed over the address the provider was given, which is ours as the
    # world sees it (SITE_URL), not as a proxy in front of us passed it on.
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    signature = request.META.get(getattr(provider, "signature_header", ""), "")
    if not provider.inbound_is_genuine(url=url, params=params, signature=signature):
        return HttpResponse("Signature does not match.", status=403, content_type="text/plain")
    provider_id, from_number, body = provider.inbound_fields(params)
    if not provider_id or not from_number:
        return HttpResponse("Not a received text.", status=400, content_type="text/plain")
    answer = services.text_reply_receive(
        provider_id=provider_id, from_number=from_number, body=body
    )
    content, content_type = provider.inbound_answer(answer)
    return HttpResponse(content, content_type=content_type)
