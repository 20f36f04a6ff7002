"""The site's URLs with the benchmark's baselines, as BENCH_ENDPOINTS=true routes them."""

from django.urls import include, path

from portal.urls import handler403, handler404, handler500
from portal.urls import urlpatterns as site_patterns

urlpatterns = [*site_patterns, path("bench/", include("portal.bench_urls"))]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
