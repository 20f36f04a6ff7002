from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from django.urls import reverse

        from bookings.emails import register_kinds
        from bookings.texts import reminder_reply
        from families.sections import register_after_registration
        from notifications.registry import register_reply_handler

        register_kinds()
        register_reply_handler(reminder_reply)
        # Registering a family leads on to its lead therapist and first visit.
        register_after_registration(
            lambda family: reverse("bookings:first_visit", args=[family.pk])
        )
