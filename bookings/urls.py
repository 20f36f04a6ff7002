from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    # The practice's set-up.
    path("diary/services/", views.service_list, name="service_list"),
    path("diary/services/new/", views.service_create, name="service_create"),
    path("diary/services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("diary/rooms/", views.room_list, name="room_list"),
    path("diary/rooms/<int:pk>/edit/", views.room_edit, name="room_edit"),
    path("diary/therapists/<int:pk>/hours/", views.availability, name="availability"),
    path("diary/hours/<int:pk>/delete/", views.availability_delete, name="availability_delete"),
    path("diary/away/<int:pk>/delete/", views.exception_delete, name="exception_delete"),
    path("diary/closures/", views.closure_list, name="closure_list"),
    path("diary/closures/<int:pk>/delete/", views.closure_delete, name="closure_delete"),
    path("diary/families/<int:pk>/first-visit/", views.first_visit, name="first_visit"),
    # Diaries and appointments.
    path("diary/", views.diary, name="diary"),
    path("diary/appointments/new/", views.appointment_new, name="appointment_new"),
    path("diary/appointments/<int:pk>/", views.appointment_detail, name="appointment_detail"),
    path("diary/appointments/<int:pk>/move/", views.appointment_move, name="appointment_move"),
    path(
        "diary/appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"
    ),
    path(
        "diary/appointments/<int:pk>/attendance/",
        views.appointment_attendance,
        name="appointment_attendance",
    ),
    path("diary/groups/", views.group_list, name="group_list"),
    path("diary/groups/new/", views.group_create, name="group_create"),
    path("diary/groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("diary/groups/<int:pk>/cancel/", views.group_cancel, name="group_cancel"),
    path("diary/waitlist/<int:pk>/move/", views.waitlist_move, name="waitlist_move"),
    path("diary/waitlist/<int:pk>/offer/", views.waitlist_offer, name="waitlist_offer"),
    path("diary/places/<int:pk>/cancel/", views.group_place_cancel, name="group_place_cancel"),
    # Families.
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/video/", views.booking_video, name="booking_video"),
    path("bookings/<int:pk>/appointment.ics", views.booking_ics, name="booking_ics"),
    path("book/", views.book_start, name="book_start"),
    path("book/<int:pk>/", views.book_service, name="book_service"),
    path("book/groups/<int:pk>/", views.group_place, name="group_place"),
    path("book/groups/<int:pk>/waitlist/", views.waitlist_join, name="waitlist_join"),
    path("waitlist/<int:pk>/", views.waitlist_accept, name="waitlist_accept"),
    path("waitlist/<int:pk>/leave/", views.waitlist_leave, name="waitlist_leave"),
    # Calendar feeds.
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
