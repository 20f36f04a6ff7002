from django.apps import AppConfig


class IntakeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intake"
    verbose_name = "Intake questionnaires"

    def ready(self) -> None:
        from families.sections import register

        register("intake", template="intake/includes/child_section.html", order=40)
