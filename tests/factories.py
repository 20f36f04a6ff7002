from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts.models import Role, User
from families.models import (
    AccessLevel,
    Caregiver,
    CaseloadAssignment,
    Child,
    Consent,
    ConsentKind,
    Family,
    Invitation,
    Relationship,
    scope_flags,
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
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"The Family {n}")
    postcode = "OX1 1AA"

    @factory.post_generation
    def email_consent(obj, create, extracted, **kwargs):
        """The family agrees to being e-mailed about therapy (as the tests
        written before it was asked assume), unless `email_consent=False`:
        then it has never answered."""
        if create and extracted is not False:
            Consent.objects.create(family=obj, kind=ConsentKind.EMAIL_CONTACT)


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

    @factory.post_generation
    def scope(obj, create, extracted, **kwargs):
        """What a supporting caregiver sees of every linked child beyond goals
        and strategies: `Scope` values (none by default, as on joining)."""
        if create and extracted:
            obj.links.update(**scope_flags(extracted))


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


# --- goals ---------------------------------------------------------------

from goals.models import (  # noqa: E402 - goals factories appended after the foundation's
    Area,
    FamilyRating,
    Goal,
    HomeStrategy,
    Outcome,
    PracticeLog,
    ProgressRating,
    RatingSource,
    Routine,
    StrategyTemplate,
    Win,
)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    child = factory.SubFactory(ChildFactory)
    title = factory.Sequence(lambda n: f"Puts on shoes alone, step {n}")
    area = Area.SELF_CARE
    baseline = "Needs hand-over-hand help with both shoes."
    agreed_with_family_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))
    level_minus_2 = "Needs hand-over-hand help"
    level_minus_1 = "Puts shoes on with a few prompts"
    level_0 = "Puts shoes on alone"
    level_plus_1 = "Puts shoes on and fastens the Velcro alone"
    level_plus_2 = "Puts on and fastens shoes alone before school, every day"
    baseline_level = -2
    therapist_notes = "Motor planning: sequencing is the barrier, not strength."


class ProgressRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressRating

    goal = factory.SubFactory(GoalFactory)
    child = factory.SelfAttribute("goal.child")
    level = 0
    source = RatingSource.THERAPIST
    rated_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=7))


class FamilyRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyRating

    goal = factory.SubFactory(GoalFactory)
    performance = 3
    satisfaction = 2
    kind = FamilyRating.Kind.BASELINE


class StrategyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategyTemplate

    title = factory.Sequence(lambda n: f"Library strategy {n}")
    routine = Routine.DRESSING
    what_to_do = "Lay clothes out in order the night before."
    why_it_helps = "Fewer decisions in the morning."


class HomeStrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HomeStrategy
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    title = factory.Sequence(lambda n: f"Shoe practice {n}")
    routine = Routine.DRESSING
    what_to_do = "Sit on the bottom stair; left shoe first."
    why_it_helps = "Sitting down frees both hands."
    how_often = "Every school morning"

    @factory.post_generation
    def goals(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.goals.set(extracted)


class PracticeLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeLog

    strategy = factory.SubFactory(HomeStrategyFactory)
    child = factory.SelfAttribute("strategy.child")
    outcome = Outcome.WELL
    practised_on = factory.LazyFunction(timezone.localdate)


class WinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Win

    child = factory.SubFactory(ChildFactory)
    text = "Put his coat on by himself!"
