"""The seam between the family's intake questionnaire and the initial
assessment: sessions_app sits above intake and reads it here, so the
assessment form starts from what the family wrote."""

from families.models import Child
from intake.selectors import intake_for


def _join(*parts: tuple[str, str]) -> str:
    return "\n\n".join(f"{label}: {text.strip()}" for label, text in parts if text.strip())


def assessment_prefill(child: Child) -> dict[str, str]:
    """Initial values for a new assessment of this child, from the family's
    questionnaire; an empty dict when there is none."""
    questionnaire = intake_for(child)
    if questionnaire is None:
        return {}
    prefill = {
        "developmental_history": questionnaire.developmental_history.strip(),
        "concerns_parent": _join(
            ("Worries", questionnaire.worries),
            ("Hopes", questionnaire.hopes),
            ("Hard routines", questionnaire.hard_routines),
        ),
        "concerns_school": questionnaire.school.strip(),
        "concerns_other": _join(("Other professionals involved", questionnaire.professionals)),
        "strengths": _join(("What they love", questionnaire.loves)),
    }
    return {field: value for field, value in prefill.items() if value}
