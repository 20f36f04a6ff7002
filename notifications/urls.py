from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("practice/outbox/", views.outbox, name="outbox"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
