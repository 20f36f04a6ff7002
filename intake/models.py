"""The questionnaire a family fills in before the initial assessment.

On the families floor: it knows children and users, nothing else of ours.
sessions_app reads it (sessions_app/intake.py) to prefill the assessment.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from families.models import Child


class IntakeQuestionnaire(models.Model):
    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="intake")
    developmental_history = models.TextField(
        "Pregnancy, birth and early years",
        blank=True,
        help_text="Anything about pregnancy and birth, when they sat, walked and talked, "
        "illnesses or hospital stays.",
    )
    worries = models.TextField(
        "What worries you",
        blank=True,
        help_text="What made you look for help, and what is hardest right now.",
    )
    hopes = models.TextField(
        "What you hope for", blank=True, help_text="What would make the biggest difference."
    )
    hard_routines = models.TextField(
        "Daily routines that are hard",
        blank=True,
        help_text="For example getting dressed, mealtimes, the school run, bath or bedtime.",
    )
    school = models.TextField(
        "School or nursery",
        blank=True,
        help_text="Where they go, how it is going, and what their teachers say.",
    )
    professionals = models.TextField(
        "Other professionals involved",
        blank=True,
        help_text="Paediatrician, speech and language therapist, physiotherapist, "
        "health visitor, educational psychologist…",
    )
    loves = models.TextField(
        "What your child loves",
        blank=True,
        help_text="Favourite games, toys, places, people and what makes them laugh.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField("sent to the therapist", null=True, blank=True)

    def __str__(self) -> str:
        return f"Intake questionnaire for {self.child}"


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    fields: tuple[str, ...]


# One section per sitting-sized step, in the order the family meets them.
SECTIONS = (
    Section("history", "Early years", ("developmental_history",)),
    Section("worries", "Worries and hopes", ("worries", "hopes")),
    Section("routines", "Daily routines", ("hard_routines",)),
    Section("school", "School or nursery", ("school",)),
    Section("professionals", "Other professionals", ("professionals",)),
    Section("loves", "What they love", ("loves",)),
)
ANSWER_FIELDS = tuple(name for section in SECTIONS for name in section.fields)
