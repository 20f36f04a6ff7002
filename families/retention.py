"""How long a child's clinical record is kept (UK retention rules for
children's health records): until their 25th birthday, or their 26th if they
were 17 when their care ended. Contact details and accounts can be erased
sooner on request (families.services.family_erase_contact_data)."""

import logging
from collections.abc import Callable, Iterable
from datetime import date

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from families.models import Child

logger = logging.getLogger(__name__)

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


# Destroying a child's record reaches the apps above this one (sessions, notes,
# assessments, uploaded files), which this app may not import. Each registers
# here, in its AppConfig.ready, what it keeps about a child that the child's
# own deletion would not take with it: a function that destroys it (and says
# how many of each it destroyed), called by families.services.child_purge,
# inside its transaction, only once the retention date has passed.
Destroyer = Callable[[Child], dict[str, int]]
_DESTROYERS: list[Destroyer] = []


def register_destroyer(destroy: Destroyer) -> None:
    if destroy not in _DESTROYERS:
        _DESTROYERS.append(destroy)


def destroyers() -> list[Destroyer]:
    return list(_DESTROYERS)


def files_destroy_after_commit(names: Iterable[str]) -> int:
    """Uploaded files (photos, videos, reports) go from storage once the rows
    naming them are gone for good; a rolled-back purge keeps them. Returns how
    many are to go."""
    names = [name for name in names if name]

    def remove() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:  # the sweep of an operator can finish the job
                logger.warning("Could not delete %s after a retention purge", name)

    transaction.on_commit(remove)
    return len(names)
