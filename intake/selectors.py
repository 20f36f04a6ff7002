from collections.abc import Iterable

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


def not_sent(child_ids: Iterable[int]) -> list[int]:
    """Of these children, those whose questionnaire has not been sent to the
    therapist yet (not started, or started and not sent). One query."""
    child_ids = list(child_ids)
    if not child_ids:
        return []
    sent = set(
        IntakeQuestionnaire.objects.filter(
            child_id__in=child_ids, sent_at__isnull=False
        ).values_list("child_id", flat=True)
    )
    return [pk for pk in child_ids if pk not in sent]
