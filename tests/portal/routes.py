from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from portal.models import FamilyExport
from tests.matrix import ALL_PERSONAS, BOOKER, GOALS_ONLY, Route

# Who may ask for a family's download: its caregivers (what they may see) and
# the practice admin (the subject-access copy).
DOWNLOADERS = frozenset(
    {"parent", "supporting", "supporting_unlinked", GOALS_ONLY, BOOKER, "admin"}
)


def _parents_download(world) -> dict:
    """A finished download the parent asked for: only they may open it."""
    job = FamilyExport.objects.filter(family=world.family, requester=world.parent).first()
    if job is None:
        job = FamilyExport(
            family=world.family,
            requester=world.parent,
            status=FamilyExport.Status.READY,
            expires_at=timezone.now() + timedelta(days=7),
        )
        job.file.save("download.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=False)
        job.save()
    return {"pk": world.family.pk, "export_id": job.pk}


ROUTES = [
    Route("privacy:notice", ALL_PERSONAS),
    Route("privacy:retention", frozenset({"admin"})),
    Route("privacy:family_export", DOWNLOADERS, kwargs=lambda w: {"pk": w.family.pk}),
    Route(
        "privacy:family_export",
        DOWNLOADERS,
        kwargs=lambda w: {"pk": w.family.pk},
        method="post",
        ok=(302,),
    ),
    Route("privacy:family_export_detail", frozenset({"parent"}), kwargs=_parents_download),
    Route("privacy:family_export_progress", frozenset({"parent"}), kwargs=_parents_download),
    Route("privacy:family_export_file", frozenset({"parent"}), kwargs=_parents_download),
    Route("privacy:family_erase", frozenset({"admin"}), kwargs=lambda w: {"pk": w.family.pk}),
    Route("privacy:child_purge", frozenset({"admin"}), kwargs=lambda w: {"pk": w.child.pk}),
]

EXEMPT = {
    "web_manifest": "public, the same for everyone, holds no data: tests/portal/test_companion.py",
    "service_worker": "public script, the same for everyone: tests/portal/test_companion.py",
}
