"""Reports are for the primary caregivers and the child's therapists.
Supporting caregivers and the office do not see them (clinical summaries):
404. Only therapists upload; only primary caregivers send to school."""

from django.http import Http404

from accounts.models import User
from families.permissions import Access, child_access, get_child_for_user
from reports.models import SharedDocument

READERS = frozenset({Access.PRIMARY, Access.THERAPIST})
UPLOADERS = frozenset({Access.THERAPIST})
SHARERS = frozenset({Access.PRIMARY})


def get_child_for_reports(user: User, pk: int, *, allow=READERS):
    return get_child_for_user(user, pk, allow=allow)


def get_document_for_user(user: User, document_id) -> SharedDocument:
    document = SharedDocument.objects.select_related("child").filter(pk=document_id).first()
    if document is None or child_access(user, document.child) not in READERS:
        raise Http404
    return document
