from django.urls import path

from goals import views

app_name = "goals"

urlpatterns = [
    path("children/<int:pk>/goals/", views.child_goals, name="child_goals"),
    path("children/<int:pk>/goals/new/", views.goal_create, name="goal_create"),
    path("children/<int:pk>/goals/history/", views.history, name="history"),
    path("children/<int:pk>/at-home/", views.routines, name="routines"),
    path("children/<int:pk>/at-home/print/", views.routines_print, name="routines_print"),
    path(
        "children/<int:pk>/at-home/<str:routine>/sheet/",
        views.routine_sheet,
        name="routine_sheet",
    ),
    path("children/<int:pk>/home-practice/", views.therapist_practice, name="therapist_practice"),
    path("children/<int:pk>/strategies/new/", views.strategy_create, name="strategy_create"),
    path("children/<int:pk>/wins/new/", views.win_create, name="win_create"),
    path("goals/<int:pk>/", views.goal_detail, name="goal_detail"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/status/", views.goal_status, name="goal_status"),
    path("goals/<int:pk>/rate/", views.rating_create, name="rating_create"),
    path("goals/<int:pk>/family-scores/", views.family_rating_create, name="family_rating_create"),
    path("strategies/<int:pk>/edit/", views.strategy_edit, name="strategy_edit"),
    path("strategies/<int:pk>/retire/", views.strategy_retire, name="strategy_retire"),
    path("strategies/<int:pk>/reactivate/", views.strategy_reactivate, name="strategy_reactivate"),
    path("strategies/<int:pk>/practice/", views.practice_log, name="practice_log"),
    path("strategies/<int:pk>/practice/quick/", views.practice_quick, name="practice_quick"),
    path("strategy-library/", views.library, name="library"),
]
