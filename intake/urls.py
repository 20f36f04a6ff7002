from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("children/<int:pk>/intake/", views.overview, name="overview"),
    path("children/<int:pk>/intake/send/", views.send, name="send"),
    path("children/<int:pk>/intake/<slug:slug>/", views.section, name="section"),
]
