from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "Goals and home strategies"

    def ready(self) -> None:
        from families.sections import register
        from goals.selectors import child_section_wins

        register(
            "goals", template="goals/includes/child_section.html", order=10, read=child_section_wins
        )
