from django.apps import AppConfig


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = "Messages and media"

    def ready(self) -> None:
        from messaging.emails import register_kinds

        register_kinds()
