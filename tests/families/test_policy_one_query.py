"""`get_child_for_user` reads the child through children_for, and how the
user stands to it, in one query: it answers as the roles say for everyone
(and `child_access`, built on it, answers the same)."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from families.permissions import Access, child_access, get_child_for_user
from tests import factories

# How each persona stands to (Yusuf, his sister Maryam, Ffion of another family).
EXPECTED = {
    "parent": (Access.PRIMARY, Access.PRIMARY, None),
    "other_parent": (None, None, Access.PRIMARY),
    "supporting": (Access.SUPPORTING, None, None),  # linked to Yusuf only
    "supporting_unlinked": (None, Access.SUPPORTING, None),  # linked to Maryam only
    "therapist": (Access.THERAPIST, None, None),
    "other_therapist": (None, None, Access.THERAPIST),
    "admin": (Access.ADMIN, Access.ADMIN, Access.ADMIN),
}
PERSONAS = list(EXPECTED)


@pytest.mark.parametrize("persona", PERSONAS)
def test_one_query_policy_answers_as_the_roles_say(world, persona, django_assert_num_queries):
    user = getattr(world, persona)
    # An assignment that has ended gives no access.
    last_year = timezone.localdate() - timedelta(days=365)
    factories.CaseloadFactory(
        therapist=world.other_therapist,
        child=world.sibling,
        starts_on=last_year,
        ends_on=last_year + timedelta(days=30),
    )
    # Nor does one that starts next week.
    factories.CaseloadFactory(
        therapist=world.other_therapist,
        child=world.other_child,
        kind="covering",
        starts_on=timezone.localdate() + timedelta(days=7),
    )
    children = (world.child, world.sibling, world.other_child)
    for child, expected in zip(children, EXPECTED[persona], strict=True):
        assert child_access(user, child) == expected, (persona, child.first_name)
        with django_assert_num_queries(1):
            try:
                found, access = get_child_for_user(user, child.pk)
            except Http404:
                found, access = None, None
        assert access == expected, (persona, child.first_name)
        assert found == (child if expected else None)
        if found is not None:
            # The family is read with the child, and both as the ORM reads them.
            with django_assert_num_queries(0):
                assert found.family.name == child.family.name
            for record, expected in ((found, child), (found.family, child.family)):
                assert timezone.is_aware(record.created_at)
                assert record.created_at == expected.created_at
            assert found.date_of_birth == child.date_of_birth


def test_inactive_users_and_missing_children_are_not_found(world):
    world.parent.is_active = False
    with pytest.raises(Http404):
        get_child_for_user(world.parent, world.child.pk)
    with pytest.raises(Http404):
        get_child_for_user(world.admin, 10**9)
