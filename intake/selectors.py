from families.models import Child
from intake.models import SECTIONS, IntakeQuestionnaire


def intake_for(child: Child) -> IntakeQuestionnaire | None:
    return IntakeQuestionnaire.objects.filter(child=child).first()


def sections_with_progress(questionnaire: IntakeQuestionnaire | None) -> list[dict]:
    rows = []
    for section in SECTIONS:
        answered = questionnaire is not None and any(
            getattr(questionnaire, name).strip() for name in section.fields
        )
        rows.append({"section": section, "answered": answered})
    return rows
