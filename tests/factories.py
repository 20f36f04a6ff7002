from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts.models import Role, User
from families.models import (
    AccessLevel,
    Caregiver,
    CaseloadAssignment,
    Child,
    Family,
    Invitation,
    Relationship,
)

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    role = Role.CAREGIVER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TherapistFactory(UserFactory):
    role = Role.THERAPIST


class AdminFactory(UserFactory):
    role = Role.ADMIN


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    name = factory.Sequence(lambda n: f"The Family {n}")
    postcode = "OX1 1AA"


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    family = factory.SubFactory(FamilyFactory)
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.LazyFunction(lambda: date.today() - timedelta(days=365 * 7))


class CaregiverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Caregiver
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    family = factory.SubFactory(FamilyFactory)
    relationship = Relationship.PARENT
    access_level = AccessLevel.PRIMARY

    @factory.post_generation
    def children(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.children.set(extracted)


class CaseloadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseloadAssignment

    therapist = factory.SubFactory(TherapistFactory)
    child = factory.SubFactory(ChildFactory)
    kind = CaseloadAssignment.Kind.LEAD
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))


def make_invitation(
    *,
    family,
    by=None,
    email="new.person@example.org",
    access_level=AccessLevel.SUPPORTING,
    children=(),
    days=7,
    **extra,
):
    """An invitation and its raw token (as the e-mail would carry it)."""
    raw, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        family=family,
        email=email,
        full_name=extra.pop("full_name", "New Person"),
        relationship=extra.pop("relationship", Relationship.GRANDPARENT),
        access_level=access_level,
        invited_by=by,
        token_hash=token_hash,
        expires_at=timezone.now() + timedelta(days=days),
        **extra,
    )
    invitation.children.set(children)
    return invitation, raw
