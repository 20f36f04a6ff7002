"""The progress report PDF, therapists' uploads and sending to school."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from families.models import Consent, ConsentKind
from reports.models import ReportShare, SharedDocument
from tests.factories import GoalFactory, HomeStrategyFactory
from tests.reports.routes import PDF


def test_progress_report_is_a_pdf_for_the_family_and_the_therapist(world, login):
    world.child.first_name = "Zoë"
    world.child.save()
    goal = GoalFactory(child=world.child, title="Puts on shoes by himself")
    HomeStrategyFactory(child=world.child, goals=[goal], title="Bottom-stair shoes")
    for persona in ("parent", "therapist"):
        response = login(getattr(world, persona)).get(
            reverse("reports:progress_pdf", args=[world.child.pk])
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert len(response.content) > 2000
        # Named so a family finds it again: the child's first name and the day.
        day = f"{timezone.localdate():%Y-%m-%d}"
        assert response["Content-Disposition"] == (
            f"attachment; filename*=utf-8''progress-report-Zo%C3%AB-{day}.pdf"
        )


def test_report_content_holds_goals_summaries_and_strategies(world):
    from django.template.loader import render_to_string

    from reports.selectors import progress_report

    goal = GoalFactory(child=world.child, title="Puts on shoes by himself")
    HomeStrategyFactory(child=world.child, goals=[goal], title="Bottom-stair shoes")
    today = timezone.localdate()
    html = render_to_string(
        "reports/progress_report.html",
        {
            **progress_report(world.child, start=today.replace(day=1), end=today),
            "generated_at": timezone.now(),
        },
    )
    assert "Puts on shoes by himself" in html
    assert "Bottom-stair shoes" in html
    assert "<svg" in html


def test_bad_period_answers_400(world, login):
    response = login(world.parent).get(
        reverse("reports:progress_pdf", args=[world.child.pk]),
        {"start": "2026-05-01", "end": "2026-01-01"},
    )
    assert response.status_code == 400


def test_therapist_uploads_a_pdf_the_family_downloads(world, login):
    client = login(world.therapist)
    response = client.post(
        reverse("reports:upload", args=[world.child.pk]),
        {
            "title": "School visit report",
            "file": SimpleUploadedFile("r.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302
    document = SharedDocument.objects.get()
    page = login(world.parent).get(reverse("reports:child_reports", args=[world.child.pk]))
    assert "School visit report" in page.content.decode()
    download = login(world.parent).get(reverse("reports:document", args=[document.id]))
    assert b"".join(download.streaming_content) == PDF
    for outsider in ("supporting", "admin", "other_parent", "other_therapist"):
        url = reverse("reports:document", args=[document.id])
        assert login(getattr(world, outsider)).get(url).status_code == 404


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "not a PDF"),
        (b"<html>not a pdf</html>", "not a PDF"),
    ],
)
def test_upload_refuses_what_is_not_a_pdf(world, login, content, error):
    response = login(world.therapist).post(
        reverse("reports:upload", args=[world.child.pk]),
        {"title": "Report", "file": SimpleUploadedFile("report.pdf", content, "application/pdf")},
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not SharedDocument.objects.exists()


def test_sharing_with_school_needs_consent_and_sends_once(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.parent)
    url = reverse("reports:share", args=[world.child.pk])
    response = client.post(url, {"recipient_email": "senco@school.example"})
    assert response.status_code == 400
    assert "has not agreed" in response.content.decode()
    assert not ReportShare.objects.exists() and mail.outbox == []

    Consent.objects.create(
        family=world.family, kind=ConsentKind.SHARE_WITH_SCHOOL, given_by=world.parent
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"recipient_email": "senco@school.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["senco@school.example"]
    assert email.attachments[0][2] == "application/pdf"
    from reports.services import report_share_send

    assert report_share_send(share_id=ReportShare.objects.get().pk) is False  # not twice
    assert len(mail.outbox) == 1


def test_demo_letter_seeds_once_and_is_a_pdf(db, settings):
    import filetype
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    document = SharedDocument.objects.get()
    assert filetype.guess(document.file.read()).mime == "application/pdf"


def test_report_goes_to_the_doctor_only_with_consent_to_share_with_the_doctor(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.parent)
    url = reverse("reports:share", args=[world.child.pk])
    Consent.objects.create(
        family=world.family, kind=ConsentKind.SHARE_WITH_SCHOOL, given_by=world.parent
    )
    # Agreeing to school is not agreeing to the doctor.
    response = client.post(
        url, {"recipient_kind": "doctor", "recipient_email": "gp@surgery.example"}
    )
    assert response.status_code == 400
    assert 'value="gp@surgery.example"' in response.content.decode()
    assert not ReportShare.objects.exists() and mail.outbox == []

    Consent.objects.create(
        family=world.family, kind=ConsentKind.SHARE_WITH_DOCTOR, given_by=world.parent
    )
    page = client.get(reverse("reports:child_reports", args=[world.child.pk])).content.decode()
    assert "Doctor (GP or paediatrician)" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"recipient_kind": "doctor", "recipient_email": "gp@surgery.example"}
        )
    assert response.status_code == 302
    share = ReportShare.objects.get()
    assert share.recipient_kind == "doctor"
    assert [m.to for m in mail.outbox] == [["gp@surgery.example"]]
