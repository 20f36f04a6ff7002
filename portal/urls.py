from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from portal import companion, health, summary_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", companion.web_manifest, name="web_manifest"),
    path("sw.js", companion.service_worker, name="service_worker"),
    path("healthz/", health.healthz, name="healthz"),
    path("readyz/", health.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("portal.privacy_urls")),
    path("", include("families.urls")),
    path("", include("goals.urls")),
    path("", include("sessions_app.urls")),
    path("", include("bookings.urls")),
    path("", include("notifications.urls")),
    path("families/<int:pk>/summary/", summary_views.summary_preview, name="summary_preview"),
    path("families/<int:pk>/summary/send/", summary_views.summary_send, name="summary_send"),
    path("", include("messaging.urls")),
    path("", include("intake.urls")),
    path("", include("reports.urls")),
    path("", include("library.urls")),
    path("django-admin/", admin.site.urls),
]

if settings.BENCH_ENDPOINTS:
    # The benchmark's two baselines (see bench/README in the README's
    # "Performance" section); never routed unless BENCH_ENDPOINTS=true.
    urlpatterns += [path("bench/", include("portal.bench_urls"))]

handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
