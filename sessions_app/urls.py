from django.urls import path

from sessions_app import views

app_name = "sessions_app"

urlpatterns = [
    path("notes/unsigned/", views.unsigned_notes, name="unsigned_notes"),
    path("children/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("children/<int:pk>/sessions/", views.child_sessions, name="child_sessions"),
    path("children/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("children/<int:pk>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/note/", views.note_edit, name="note_edit"),
    path("sessions/<int:pk>/note/sign/", views.note_sign, name="note_sign"),
    path("sessions/<int:pk>/note/autosave/", views.note_autosave, name="note_autosave"),
    path("sessions/<int:pk>/note/addendum/", views.note_addendum, name="note_addendum"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/edit/", views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/addendum/", views.assessment_addendum, name="assessment_addendum"),
]
