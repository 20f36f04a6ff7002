"""Demo intake: the Patels are half-way through Arjun's questionnaire (two
sections answered). Idempotent: an existing questionnaire is left alone."""

from families.demo import DemoPractice
from intake.models import IntakeQuestionnaire


def seed(practice: DemoPractice) -> None:
    IntakeQuestionnaire.objects.get_or_create(
        child=practice.children["arjun"],
        defaults={
            "developmental_history": "Arrived three weeks early. Sat at 8 months, walked at "
            "17 months; first words around two.",
            "worries": "Handwriting is slow and tiring; he gets upset when homework starts.",
            "hopes": "That he can write a short story without tears.",
            "updated_by": practice.users["parent3@demo.example"],
        },
    )
