from django.urls import path

from library import views

app_name = "library"

urlpatterns = [
    path("library/", views.index, name="index"),
    path("library/<int:pk>/", views.article, name="article"),
    path("library/<int:pk>/share/", views.share, name="share"),
    path("library/<int:pk>/link/", views.link, name="link"),
]
