"""Demo: Amira has shared a one-page letter (PDF) with the Bennetts about
Ollie. Idempotent: looked up by title first."""

from django.core.files.base import ContentFile

from families.demo import DemoPractice
from reports.models import SharedDocument

TITLE = "Letter to school about Ollie's handwriting"


def _letter_pdf() -> bytes:
    """A small, valid one-page PDF written out by hand (no renderer needed)."""
    text = b"BT /F1 12 Tf 72 760 Td (Ollie: suggestions for the classroom - see page 1.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def seed(practice: DemoPractice) -> None:
    child = practice.children["oliver"]
    if SharedDocument.objects.filter(child=child, title=TITLE).exists():
        return
    content = _letter_pdf()
    document = SharedDocument(
        child=child,
        title=TITLE,
        size=len(content),
        uploaded_by=practice.users["therapist1@demo.example"],
    )
    document.file.save(f"{document.id}.pdf", ContentFile(content), save=False)
    document.save()
