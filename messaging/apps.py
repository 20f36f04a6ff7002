from django.apps import AppConfig


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = "Messages and media"

    def ready(self) -> None:
        from families.sections import register
        from messaging.selectors import child_section_conversations

        register(
            "messaging",
            template="messaging/includes/child_section.html",
            order=30,
            read=child_section_conversations,
        )
