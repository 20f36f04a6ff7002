"""Saving the questionnaire a section at a time, and sending it."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from families.models import Child
from intake.models import IntakeQuestionnaire, Section


def intake_section_save(
    *, child: Child, section: Section, answers: dict[str, str], by: User
) -> IntakeQuestionnaire:
    """Save one section's answers; the others stay as they were, so a family
    can stop after any section and carry on another day."""
    with transaction.atomic():
        questionnaire, _ = IntakeQuestionnaire.objects.select_for_update().get_or_create(
            child=child
        )
        for name in section.fields:
            setattr(questionnaire, name, answers.get(name, "").strip())
        questionnaire.updated_by = by
        questionnaire.updated_at = timezone.now()
        questionnaire.save()
    return questionnaire


def intake_send(*, child: Child, by: User) -> IntakeQuestionnaire:
    with transaction.atomic():
        questionnaire, _ = IntakeQuestionnaire.objects.select_for_update().get_or_create(
            child=child
        )
        questionnaire.sent_at = timezone.now()
        questionnaire.updated_by = by
        questionnaire.save(update_fields=["sent_at", "updated_by"])
    return questionnaire
