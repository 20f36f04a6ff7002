"""Who fills in and who reads a child's intake questionnaire. The primary
caregivers write it (it holds the family's history); the child's therapist
reads it. Supporting caregivers and the office do not see it: 404."""

from django.http import Http404

from accounts.models import User
from families.models import Child
from families.permissions import Access, get_child_for_user
from intake.models import SECTIONS, Section

WRITERS = frozenset({Access.PRIMARY})
READERS = frozenset({Access.PRIMARY, Access.THERAPIST})


def get_child_for_intake(user: User, pk: int, *, allow=READERS) -> tuple[Child, Access]:
    return get_child_for_user(user, pk, allow=allow)


def get_section(slug: str) -> Section:
    for section in SECTIONS:
        if section.slug == slug:
            return section
    raise Http404
