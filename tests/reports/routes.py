"""Permission-matrix rows for reports: the primary caregivers and the child's
therapist; supporting caregivers and the office never. Only the therapist
uploads; only a primary caregiver sends to school (here without consent, so
the form comes back with the reason: 400 is the allowed answer)."""

from django.core.files.base import ContentFile

from tests.matrix import Route

READERS = frozenset({"parent", "therapist"})

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _child(world):
    return {"pk": world.child.pk}


def _document(world):
    from reports.models import SharedDocument

    document = SharedDocument(child=world.child, title="School report", size=len(PDF))
    document.file.save("x.pdf", ContentFile(PDF), save=False)
    document.save()
    return {"document_id": document.pk}


def _upload(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"title": "Letter", "file": SimpleUploadedFile("l.pdf", PDF, "application/pdf")}


ROUTES = [
    Route("reports:child_reports", READERS, kwargs=_child),
    Route("reports:progress_pdf", READERS, kwargs=_child),
    Route(
        "reports:share",
        frozenset({"parent"}),
        kwargs=_child,
        method="post",
        data=lambda w: {"recipient_email": "office@school.example"},
        ok=(400,),
    ),
    Route(
        "reports:upload",
        frozenset({"therapist"}),
        kwargs=_child,
        method="post",
        data=_upload,
        ok=(302,),
    ),
    Route("reports:document", READERS, kwargs=_document),
]
