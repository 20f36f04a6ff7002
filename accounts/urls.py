from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.account, name="account"),
    path("security/audit/", views.audit_search, name="audit_search"),
    path("security/lockouts/", views.lockouts, name="lockouts"),
    path("security/lockouts/lift/", views.lockout_lift, name="lockout_lift"),
]
