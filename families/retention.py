"""How long a child's clinical record is kept (UK retention rules for
children's health records): until their 25th birthday, or their 26th if they
were 17 when their care ended. Contact details and accounts can be erased
sooner on request (families.services.family_erase_contact_data)."""

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from families.models import Child

KEEP_UNTIL_AGE = 25
KEEP_UNTIL_AGE_IF_17_AT_DISCHARGE = 26


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February, the year is not a leap year
        return date(born.year + age, 3, 1)


def retention_until(child: Child) -> date:
    """The first day the child's clinical record may be destroyed."""
    age = KEEP_UNTIL_AGE
    if child.discharged_on is not None and child.age_on(child.discharged_on) == 17:
        age = KEEP_UNTIL_AGE_IF_17_AT_DISCHARGE
    return _birthday(child.date_of_birth, age)


def is_past_retention(child: Child, *, today: date | None = None) -> bool:
    return retention_until(child) <= (today or timezone.localdate())


def children_past_retention(*, today: date | None = None) -> list[Child]:
    """Children whose records have reached their destruction date, oldest
    first: one query, whatever the number of children."""
    today = today or timezone.localdate()
    # Nobody younger than 25 can be due: narrow in the database, decide here.
    candidates: QuerySet[Child] = Child.objects.filter(
        date_of_birth__lte=_birthday(today, -KEEP_UNTIL_AGE)
    ).select_related("family")
    due = [child for child in candidates if is_past_retention(child, today=today)]
    return sorted(due, key=lambda child: (retention_until(child), child.pk))
