"""The installable web app: its manifest and its service worker, both public
(they hold nothing personal) and served from the site's root, so the worker's
scope is the whole portal. The worker's code is static/js/sw.js."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

THEME_COLOUR = "#1d5c63"  # --portal-primary in static/css/portal.css
SERVICE_WORKER = settings.BASE_DIR / "static" / "js" / "sw.js"


@require_safe
def web_manifest(request: HttpRequest) -> JsonResponse:
    home = reverse("home")
    icon_192, icon_512 = static("icons/icon-192.png"), static("icons/icon-512.png")
    manifest = {
        "id": home,
        "name": settings.PRACTICE_NAME,
        "short_name": "Family OT",
        "description": "Your child's goals, home strategies and practice, with you at home.",
        "start_url": home,
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "lang": "en-GB",
        "icons": [
            {"src": icon_192, "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": icon_512, "sizes": "512x512", "type": "image/png", "purpose": "any"},
            # The house keeps to the middle 60 %, so a launcher may round it.
            {"src": icon_512, "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = JsonResponse(manifest, json_dumps_params={"indent": 1})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript")
    # Its scope is the whole portal, wherever this view is routed.
    response["Service-Worker-Allowed"] = "/"
    # Checked on every visit, so a new version reaches phones at once.
    response["Cache-Control"] = "no-cache"
    return response
