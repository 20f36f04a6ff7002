from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    label = "sessions_app"
    verbose_name = "Therapy sessions and notes"

    def ready(self) -> None:
        from families.sections import register

        register("sessions", template="sessions_app/includes/child_section.html", order=20)
