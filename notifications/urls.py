from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("practice/outbox/", views.outbox, name="outbox"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notifications/push/key/", views.push_key, name="push_key"),
    path("notifications/push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("notifications/push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
    path(
        "notifications/push/devices/<int:pk>/remove/",
        views.push_device_remove,
        name="push_device_remove",
    ),
    path("notifications/texts/received/", views.text_inbound, name="text_inbound"),
]
