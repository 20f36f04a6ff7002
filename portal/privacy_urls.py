from django.urls import path

from portal import privacy_views as views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.notice, name="notice"),
    path("privacy/retention/", views.retention, name="retention"),
    path("families/<int:pk>/download/", views.family_export, name="family_export"),
    path(
        "families/<int:pk>/download/<uuid:export_id>/",
        views.family_export_detail,
        name="family_export_detail",
    ),
    path(
        "families/<int:pk>/download/<uuid:export_id>/progress/",
        views.family_export_progress,
        name="family_export_progress",
    ),
    path(
        "families/<int:pk>/download/<uuid:export_id>/file/",
        views.family_export_file,
        name="family_export_file",
    ),
    path("families/<int:pk>/erase/", views.family_erase, name="family_erase"),
    path("children/<int:pk>/destroy/", views.child_purge, name="child_purge"),
]
