from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    label = "sessions_app"
    verbose_name = "Therapy sessions and notes"

    def ready(self) -> None:
        from families.retention import register_destroyer
        from families.sections import register
        from sessions_app.retention import child_records_destroy

        register("sessions", template="sessions_app/includes/child_section.html", order=20)
        register_destroyer(child_records_destroy)
