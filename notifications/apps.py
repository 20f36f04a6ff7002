from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "E-mails sent"

    def ready(self) -> None:
        from notifications.account_adapter import register_kinds

        register_kinds()
