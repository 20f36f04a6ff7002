from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("children/<int:pk>/messages/<str:topic>/", views.conversation, name="conversation"),
    path("messages/<int:pk>/edit/", views.message_edit, name="message_edit"),
    path("messages/<int:pk>/delete/", views.message_delete, name="message_delete"),
    path("messages/unanswered/", views.inbox, name="inbox"),
    path("messages/", views.my_messages, name="my_messages"),
    path("children/<int:pk>/photos/", views.photos, name="photos"),
    path("practice/<int:pk>/photo/", views.practice_photo, name="practice_photo"),
    path("shared-media/<uuid:media_id>/", views.media, name="media"),
    path("strategies/<int:pk>/photos/", views.strategy_media, name="strategy_media"),
    path("strategy-library/<int:pk>/photos/", views.template_media, name="template_media"),
    path(
        "strategy-photos/<uuid:media_id>/remove/",
        views.strategy_media_remove,
        name="strategy_media_remove",
    ),
]
