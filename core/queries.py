"""Small query helpers every app may use: SQL-free, built from the ORM."""

from django.db.models import Count, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_of(queryset: QuerySet, *, per: str) -> Coalesce:
    """How many rows of `queryset` belong to the outer row, as a correlated
    subquery (0 when none): `queryset` is already filtered on `per` by an
    OuterRef. A correlated count reads the outer row's rows by index, where a
    join with a filtered Count reads every row of every outer row."""
    counted = queryset.order_by().values(per).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
