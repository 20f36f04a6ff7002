"""The benchmark's baselines, routed only when BENCH_ENDPOINTS=true (portal/urls.py)."""

from django.urls import path

from portal import bench_views

urlpatterns = [
    path("layout/", bench_views.empty_layout, name="bench_layout"),
    path("bare/", bench_views.bare, name="bench_bare"),
]
