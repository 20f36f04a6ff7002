"""What goes into a progress report, and the reports page."""

from datetime import date

from django.db.models import QuerySet

from families.models import Child
from goals.selectors import goals_page, routines_page
from reports.models import ReportShare, SharedDocument
from sessions_app.models import RecordStatus, SessionNote


def progress_report(child: Child, *, start: date, end: date) -> dict:
    """Goals with their scales, latest ratings and charts; the family summaries
    of the sessions signed in the period; the strategies in use. Only what the
    family itself sees: never the SOAP parts of a note."""
    goals = goals_page(child)
    summaries = list(
        SessionNote.objects.filter(
            session__child=child,
            status=RecordStatus.SIGNED,
            session__starts_at__date__gte=start,
            session__starts_at__date__lte=end,
        )
        .exclude(family_summary="")
        .select_related("session")
        .order_by("session__starts_at")
        .values("session__starts_at", "family_summary")
    )
    return {
        "child": child,
        "start": start,
        "end": end,
        "goals": goals["goals"],
        "summaries": summaries,
        "routines": routines_page(child),
    }


def documents_for(child: Child) -> QuerySet[SharedDocument]:
    return SharedDocument.objects.filter(child=child).select_related("uploaded_by")


def shares_for(child: Child) -> QuerySet[ReportShare]:
    return ReportShare.objects.filter(child=child).select_related("shared_by")[:20]
