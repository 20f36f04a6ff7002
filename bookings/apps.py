from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from bookings.emails import register_kinds
        from bookings.texts import reminder_reply
        from notifications.registry import register_reply_handler

        register_kinds()
        register_reply_handler(reminder_reply)
