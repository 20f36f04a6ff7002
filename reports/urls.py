from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("children/<int:pk>/reports/", views.child_reports, name="child_reports"),
    path("children/<int:pk>/reports/progress.pdf", views.progress_pdf, name="progress_pdf"),
    path("children/<int:pk>/reports/share/", views.share, name="share"),
    path("children/<int:pk>/reports/upload/", views.upload, name="upload"),
    path("reports/<uuid:document_id>/", views.document, name="document"),
]
