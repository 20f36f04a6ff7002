from datetime import timedelta

import factory
from django.utils import timezone

from sessions_app.models import (
    Assessment,
    RecordStatus,
    SessionNote,
    SessionType,
    TherapySession,
)
from tests.factories import ChildFactory, TherapistFactory


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TherapySession
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    family = factory.LazyAttribute(lambda o: o.child.family)
    therapist = factory.SubFactory(TherapistFactory)
    session_type = SessionType.THERAPY
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    duration_minutes = 45

    @factory.post_generation
    def caregivers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.caregivers_attended.set(extracted)

    @factory.post_generation
    def about(obj, create, extracted, **kwargs):
        """The children a parents-only consultation (child=None) is about."""
        if create and extracted:
            obj.about_children.set(extracted)


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionNote

    session = factory.SubFactory(SessionFactory)
    subjective = "Mum reports mornings still take 40 minutes."
    objective = "Practised buttons on a dressing board; 3 of 5 independently."
    assessment = "Emerging bilateral coordination for fasteners."
    plan = "Continue the button board daily; review in two weeks."
    family_summary = "Ollie did three buttons on his own today. Keep practising after breakfast."


def sign(record, by=None):
    """Sign as the services would, without their checks: for test set-up."""
    model = type(record)
    by = by or (record.session.therapist if model is SessionNote else record.therapist)
    model.objects.filter(pk=record.pk).update(
        status=RecordStatus.SIGNED, signed_by=by, signed_at=timezone.now()
    )
    record.refresh_from_db()
    return record


def signed_note(**kwargs) -> SessionNote:
    return sign(NoteFactory(**kwargs))


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    child = factory.SubFactory(ChildFactory)
    therapist = factory.SubFactory(TherapistFactory)
    assessed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    developmental_history = "Walked at 16 months; late to ride a bike."
    concerns_parent = "Dressing takes a long time."
    concerns_school = "Handwriting is slow."
    observed_home = True
    strengths = "Loves Lego; keeps trying."
    summary = "Motor planning difficulties consistent with DCD."
    recommendations = "Weekly 1:1 for 8 weeks; home dressing programme."
