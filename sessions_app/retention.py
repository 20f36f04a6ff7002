"""Destroying a child's sessions, notes and assessments once the child's
retention date has passed (families.retention registers this; child_purge
calls it). Signed records refuse every other way to be deleted, in the ORM and
in PostgreSQL; PostgreSQL's triggers check the retention date again (migration
0009), so this path cannot be borrowed for a child still within it."""

from django.db import models
from django.db.models import Q

from families.models import Child
from families.retention import is_past_retention
from sessions_app.models import (
    Addendum,
    Assessment,
    AssessmentGoal,
    GoalAddressed,
    SessionNote,
    StandardisedTest,
    StrategyChange,
    TherapySession,
)


def child_records_destroy(child: Child) -> dict[str, int]:
    if not is_past_retention(child):
        raise ValueError(f"Child {child.pk} is within its retention period.")
    notes = SessionNote.objects.filter(session__child=child)
    # Parts first, then what they belong to: each step leaves nothing that
    # protects the next. A parents-only consultation keeps its note, less the
    # lines about this child's goals and strategies.
    steps = [
        GoalAddressed.objects.filter(
            Q(note__in=notes) | Q(goal__child=child) | Q(progress_rating__child=child)
        ),
        StrategyChange.objects.filter(
            Q(note__in=notes) | Q(strategy__child=child) | Q(goal__child=child)
        ),
        AssessmentGoal.objects.filter(Q(assessment__child=child) | Q(goal__child=child)),
        StandardisedTest.objects.filter(assessment__child=child),
        Addendum.objects.filter(Q(note__in=notes) | Q(assessment__child=child)),
        notes,
        Assessment.objects.filter(child=child),
        TherapySession.objects.filter(child=child),
    ]
    destroyed: dict[str, int] = {}
    for queryset in steps:
        # Django's own delete, past the querysets' refusal of signed rows.
        _, per_model = models.QuerySet.delete(queryset)
        for kind, count in per_model.items():
            destroyed[kind] = destroyed.get(kind, 0) + count
    return destroyed
