from django.urls import path

from families import views

app_name = "families"

urlpatterns = [
    path("families/", views.family_list, name="family_list"),
    path("families/new/", views.family_register, name="family_register"),
    path("families/<int:pk>/", views.family_detail, name="family_detail"),
    path("families/<int:pk>/edit/", views.family_edit, name="family_edit"),
    path("families/<int:pk>/children/new/", views.child_create, name="child_create"),
    path("families/<int:pk>/invite/", views.invitation_create, name="invitation_create"),
    path("children/<int:pk>/", views.child_detail, name="child_detail"),
    path("children/<int:pk>/edit/", views.child_edit, name="child_edit"),
    path("children/<int:pk>/access/", views.child_access_history, name="child_access_history"),
    path("families/<int:pk>/consents/", views.consents, name="consents"),
    path("families/<int:pk>/email-question/", views.email_question, name="email_question"),
    path("children/<int:pk>/therapists/", views.caseload_manage, name="caseload_manage"),
    path("caseload/<int:pk>/end/", views.caseload_end, name="caseload_end"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/withdraw/", views.invitation_revoke, name="invitation_revoke"),
    path("caregivers/<int:pk>/edit/", views.caregiver_edit, name="caregiver_edit"),
    path("caregivers/<int:pk>/remove/", views.caregiver_remove, name="caregiver_remove"),
    path("my-family/", views.my_family, name="my_family"),
    path("preferences/", views.preferences, name="preferences"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
