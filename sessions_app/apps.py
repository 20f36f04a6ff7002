from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    label = "sessions_app"
    verbose_name = "Therapy sessions and notes"

    def ready(self) -> None:
        from families.retention import register_destroyer
        from sessions_app.retention import child_records_destroy

        register_destroyer(child_records_destroy)
