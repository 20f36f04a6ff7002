"""A family's download holds their data and nothing of another family's; a
supporting caregiver's holds only what they may see; the practice's
subject-access copy holds the full record; it is built in the background with
its progress shown, its link e-mailed and expiring; every model about a family
is exported or excused; CSV cells are safe."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families import services
from families.models import ConsentKind
from messaging.models import Topic
from notifications.models import OutboxMessage
from portal import export
from portal.models import FamilyExport
from portal.services import EXPORT_READY, family_exports_sweep
from tests.bookings.factories import BookingFactory
from tests.factories import (
    CaregiverFactory,
    ChildFactory,
    GoalFactory,
    HomeStrategyFactory,
    PracticeLogFactory,
    ProgressRatingFactory,
    UserFactory,
    WinFactory,
)
from tests.messaging.factories import MediaFileFactory, MessageFactory, png_bytes

# Sunday 6 December 2026, mid-morning in London.
NOW = "2026-12-06 10:30:00+00:00"

pytestmark = pytest.mark.usefixtures("_frozen")


@pytest.fixture
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _ask(client, family, capture):
    """Ask for the download; the task runs when the request's transaction
    commits. Returns the download's page response (after the redirect)."""
    with capture(execute=True):
        response = client.post(reverse("privacy:family_export", args=[family.pk]))
    assert response.status_code == 302
    return client.get(response["Location"])


def _download(client, family, capture) -> zipfile.ZipFile:
    page = _ask(client, family, capture)
    assert page.status_code == 200
    job = page.context["job"]
    assert job.status == FamilyExport.Status.READY
    response = client.get(reverse("privacy:family_export_file", args=[family.pk, job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _all_text(archive: zipfile.ZipFile) -> str:
    return "\n".join(
        archive.read(name).decode("utf-8-sig")
        for name in archive.namelist()
        if not name.startswith("files/")
    )


def _records(archive: zipfile.ZipFile, key: str) -> list[dict]:
    return json.loads(archive.read(f"json/{key}.json"))["records"]


@pytest.fixture
def marked_world(world):
    """Distinctive values in both families, to look for in the files."""
    world.family.address = "1 Ahmed Street"
    world.family.save()
    world.child.needs = "Ahmed-needs-marker"
    world.child.save()
    world.other_family.address = "99 Jones Road"
    world.other_family.phone = "01632 999999"
    world.other_family.save()
    world.other_child.needs = "Jones-needs-marker"
    world.other_child.save()
    services.consent_give(
        family=world.other_family, kind=ConsentKind.PHOTOS_IN_NOTES, by=world.other_parent
    )
    services.consent_give(family=world.family, kind=ConsentKind.SHARE_WITH_SCHOOL, by=world.parent)
    for child, tag in (
        (world.child, "Yusuf"),
        (world.sibling, "Maryam"),
        (world.other_child, "Ffion"),
    ):
        goal = GoalFactory(child=child, title=f"{tag}-goal-marker")
        ProgressRatingFactory(goal=goal, note=f"{tag}-rating-marker")
        strategy = HomeStrategyFactory(child=child, title=f"{tag}-strategy-marker", goals=[goal])
        PracticeLogFactory(strategy=strategy, note=f"{tag}-log-marker")
        WinFactory(child=child, text=f"{tag}-win-marker")
        MessageFactory(
            conversation__child=child, conversation__topic=Topic.THERAPY, body=f"{tag}-msg-marker"
        )
        MediaFileFactory(message__conversation__child=child)
    return world


def test_family_download_has_their_data_and_none_of_another_family(
    marked_world, client, django_capture_on_commit_callbacks
):
    world = marked_world
    client.force_login(world.parent)
    archive = _download(client, world.family, django_capture_on_commit_callbacks)
    names = set(archive.namelist())
    assert {
        "index.html",
        "manifest.json",
        "json/family.json",
        "csv/family.csv",
        "pages/family.html",
        "json/goals.json",
        "csv/practice_logs.csv",
        "pages/photos_and_videos.html",
    } <= names
    text = _all_text(archive)
    for mine in (
        "1 Ahmed Street",
        "Ahmed-needs-marker",
        world.child.first_name,
        world.sibling.first_name,
        world.parent.email,
        world.supporting.email,
        world.therapist.full_name,
        ConsentKind.SHARE_WITH_SCHOOL.label,
        "Yusuf-goal-marker",
        "Maryam-rating-marker",
        "Yusuf-strategy-marker",
        "Maryam-log-marker",
        "Yusuf-win-marker",
        "Maryam-msg-marker",
    ):
        assert mine in text, mine
    for theirs in (
        "99 Jones Road",
        "01632 999999",
        "Jones-needs-marker",
        world.other_child.first_name,
        world.other_family.name,
        world.other_parent.email,
        world.other_therapist.full_name,
        ConsentKind.PHOTOS_IN_NOTES.label,
    ):
        assert theirs not in text, theirs
    # The therapist's own notes on a goal stay on the clinical side.
    assert GoalFactory.therapist_notes not in text

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["family_id"] == world.family.pk
    assert not manifest["full_record"]
    assert {row["id"] for row in _records(archive, "children")} == {
        world.child.pk,
        world.sibling.pk,
    }
    assert "json/session_notes.json" not in names
    # The photos themselves, once each, under readable names, linked from their page.
    photos = [name for name in names if name.startswith("files/photos/")]
    assert len(photos) == 2
    assert all(archive.read(name) == png_bytes() for name in photos)
    assert any(name.split("/", 1)[1].endswith(".png") and "-yusuf-" in name for name in photos)
    page = archive.read("pages/photos_and_videos.html").decode()
    for name in photos:
        assert f'href="../{name}"' in page
    assert manifest["files"] == sorted(manifest["files"], key=manifest["files"].index)
    assert set(manifest["files"]) == set(photos)


def test_supporting_caregiver_downloads_only_what_they_may_see(
    marked_world, client, django_capture_on_commit_callbacks
):
    world = marked_world
    client.force_login(world.supporting)
    archive = _download(client, world.family, django_capture_on_commit_callbacks)
    text = _all_text(archive)
    for mine in (
        "Yusuf-goal-marker",
        "Yusuf-strategy-marker",
        "Yusuf-log-marker",
        "Yusuf-win-marker",
        "Yusuf-msg-marker",
        world.supporting.email,
    ):
        assert mine in text, mine
    for hidden in (
        # the sibling they are not linked to
        "Maryam",
        # other people's contact details, and the children's needs
        "1 Ahmed Street",
        world.parent.email,
        world.supporting_unlinked.email,
        "Ahmed-needs-marker",
        # what only primary caregivers see
        ConsentKind.SHARE_WITH_SCHOOL.label,
    ):
        assert hidden not in text, hidden
    names = set(archive.namelist())
    for key in ("intake", "reports", "consents", "invitations", "access_log", "waitlist"):
        assert f"json/{key}.json" not in names, key
    assert len([name for name in names if name.startswith("files/photos/")]) == 1


def test_family_download_is_audited(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.parent)
    _download(client, world.family, django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.user, event.record_type, event.record_id) == (
        world.parent,
        "family",
        str(world.family.pk),
    )


def test_admin_subject_access_copy_is_the_full_record(
    marked_world, client, django_capture_on_commit_callbacks
):
    world = marked_world
    AuditEvent.objects.create(
        user=world.therapist,
        action="view",
        record_type="note",
        child_id=world.child.pk,
        ip_address="192.0.2.7",
    )
    AuditEvent.objects.create(
        user=world.other_therapist, action="view", record_type="note", child_id=world.other_child.pk
    )
    client.force_login(world.admin)
    archive = _download(client, world.family, django_capture_on_commit_callbacks)
    assert json.loads(archive.read("manifest.json"))["full_record"]
    log = _records(archive, "access_log")
    assert any(row["who"] == world.therapist.full_name for row in log)
    assert any(row["ip_address"] == "192.0.2.7" for row in log)
    assert all(row["who"] != world.other_therapist.full_name for row in log)
    text = _all_text(archive)
    assert "Jones-needs-marker" not in text
    assert GoalFactory.therapist_notes in text
    assert "json/session_notes.json" in archive.namelist()
    assert AuditEvent.objects.filter(
        action="export", user=world.admin, detail__contains="subject access"
    ).exists()


def test_primary_caregiver_sees_who_accessed_records_but_not_from_where(
    world, client, django_capture_on_commit_callbacks
):
    AuditEvent.objects.create(
        user=world.therapist,
        action="view",
        record_type="note",
        child_id=world.child.pk,
        ip_address="192.0.2.7",
    )
    client.force_login(world.parent)
    archive = _download(client, world.family, django_capture_on_commit_callbacks)
    log = _records(archive, "access_log")
    assert any(row["who"] == world.therapist.full_name for row in log)
    assert "192.0.2.7" not in _all_text(archive)


@pytest.mark.parametrize("persona", ["other_parent", "therapist", "other_therapist"])
def test_others_cannot_download(persona, world, client):
    client.force_login(world.persona(persona))
    response = client.post(reverse("privacy:family_export", args=[world.family.pk]))
    assert response.status_code == 404
    assert client.get(reverse("privacy:family_export", args=[world.family.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()
    assert not FamilyExport.objects.exists()


@pytest.mark.parametrize("persona", ["supporting", "admin", "other_parent", "therapist"])
def test_a_download_is_only_for_the_person_who_asked(
    persona, world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.parent)
    job = _ask(client, world.family, django_capture_on_commit_callbacks).context["job"]
    client.force_login(world.persona(persona))
    for name in ("family_export_detail", "family_export_progress", "family_export_file"):
        response = client.get(reverse(f"privacy:{name}", args=[world.family.pk, job.pk]))
        assert response.status_code == 404, name


def test_the_download_is_built_in_the_background_with_its_progress_and_an_email(
    world, client, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://portal.example.org"
    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("privacy:family_export", args=[world.family.pk]))
    job = FamilyExport.objects.get()
    assert (job.status, job.family, job.requester, job.full) == (
        FamilyExport.Status.QUEUED,
        world.family,
        world.parent,
        False,
    )
    # Not built in the request: the page shows a progress bar that updates itself.
    page = client.get(response["Location"])
    assert b"<progress" in page.content
    assert b"js/export_progress.js" in page.content
    progress = client.get(reverse("privacy:family_export_progress", args=[world.family.pk, job.pk]))
    assert progress.json() == {"status": "queued", "label": "Waiting to start", "percent": 0}
    # Asking again while it waits gives the same download.
    with django_capture_on_commit_callbacks(execute=False):
        again = client.post(reverse("privacy:family_export", args=[world.family.pk]))
    assert again["Location"] == response["Location"]
    assert FamilyExport.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    job.refresh_from_db()
    assert job.status == FamilyExport.Status.READY
    assert job.steps_done == job.steps_total > 0
    assert job.expires_at == timezone.now() + timedelta(days=7)
    progress = client.get(reverse("privacy:family_export_progress", args=[world.family.pk, job.pk]))
    assert progress.json()["percent"] == 100

    row = OutboxMessage.objects.get(kind=EXPORT_READY)
    assert (row.recipient_email, row.status) == (world.parent.email, OutboxMessage.Status.SENT)
    (email,) = mail.outbox
    link = f"https://portal.example.org/families/{world.family.pk}/download/{job.pk}/"
    assert link in email.body
    assert link in email.alternatives[0][0]
    # Running the task a second time builds nothing and sends nothing more.
    from portal.services import family_export_build

    assert family_export_build(export_id=job.pk) is None
    assert OutboxMessage.objects.filter(kind=EXPORT_READY).count() == 1


def test_the_link_expires_and_the_file_is_deleted(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.parent)
    job = _ask(client, world.family, django_capture_on_commit_callbacks).context["job"]
    file_url = reverse("privacy:family_export_file", args=[world.family.pk, job.pk])
    assert client.get(file_url).status_code == 200
    stored = job.file.name
    assert job.file.storage.exists(stored)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        assert client.get(file_url).status_code == 404
        page = client.get(reverse("privacy:family_export_detail", args=[world.family.pk, job.pk]))
        assert b"has expired" in page.content
        assert family_exports_sweep() == 1
        assert family_exports_sweep() == 0
    job.refresh_from_db()
    assert job.status == FamilyExport.Status.EXPIRED
    assert not job.file
    assert not job.file.storage.exists(stored)


def test_a_caregiver_removed_since_asking_gets_nothing(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.supporting)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("privacy:family_export", args=[world.family.pk]))
    world.family.caregivers.filter(user=world.supporting).delete()
    for callback in callbacks:
        callback()
    job = FamilyExport.objects.get()
    assert job.status == FamilyExport.Status.FAILED
    assert not job.file
    assert not OutboxMessage.objects.filter(kind=EXPORT_READY).exists()


def test_csv_cells_cannot_run_as_formulas_and_open_as_utf8(
    world, client, django_capture_on_commit_callbacks
):
    world.child.needs = '=HYPERLINK("http://evil.example","click")'
    world.child.what_helps = "+1+2"
    world.child.enjoys = "@SUM(A1)"
    world.child.school = "-2+3"
    world.child.preferred_name = "Zoë"
    world.child.save()
    client.force_login(world.parent)
    archive = _download(client, world.family, django_capture_on_commit_callbacks)
    for name in archive.namelist():
        if name.startswith("csv/"):
            assert archive.read(name).startswith(b"\xef\xbb\xbf"), name
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/children.csv").decode("utf-8-sig"))))
    mine = next(row for row in rows if row["Number"] == str(world.child.pk))
    assert mine["Preferred name"] == "Zoë"
    assert mine["Diagnoses and needs"].startswith("'=")
    assert mine["What helps them"] == "'+1+2"
    assert mine["What they enjoy"] == "'@SUM(A1)"
    assert mine["School or nursery"] == "'-2+3"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (None, ""),
        (True, "yes"),
        (12, "12"),
    ],
)
def test_csv_safe(value, expected):
    assert export.csv_safe(value) == expected


def test_json_documents_have_the_documented_shape(world):
    scope = export.export_scope(family=world.family, requester=world.parent)
    archive = zipfile.ZipFile(io.BytesIO(export.export_zip(scope)))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format_version"] == export.FORMAT_VERSION
    for entry in manifest["record_types"]:
        document = json.loads(archive.read(entry["json"]))
        assert set(document) == {
            "format_version",
            "family_id",
            "generated_at",
            "generated_for",
            "full_record",
            "record_type",
            "title",
            "fields",
            "records",
        }
        assert document["record_type"] == entry["record_type"]
        assert len(document["records"]) == entry["count"]
        names = [f["name"] for f in document["fields"]]
        assert all(list(record) == names for record in document["records"])
        assert entry["html"] in archive.namelist()
        assert entry["csv"] in archive.namelist()


def test_pages_escape_family_text(world):
    world.child.enjoys = "<script>alert(1)</script>"
    world.child.save()
    scope = export.export_scope(family=world.family, requester=world.parent)
    archive = zipfile.ZipFile(io.BytesIO(export.export_zip(scope)))
    page = archive.read("pages/children.html").decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert '<html lang="en-GB">' in page
    assert "<title>Your children · The Ahmed family</title>" in page


def _queries(scope) -> int:
    with CaptureQueriesContext(connection) as queries:
        export.export_zip(scope)
    return len(queries)


def _grow(world, child):
    """One more of each kind of record (a new caregiver, goal, rating,
    strategy, practice, win, photo and booking) around `child`."""
    CaregiverFactory(family=world.family, user=UserFactory(), children=[child, world.child])
    goal = GoalFactory(child=child)
    ProgressRatingFactory(goal=goal)
    PracticeLogFactory(strategy=HomeStrategyFactory(child=child, goals=[goal]))
    WinFactory(child=child)
    MediaFileFactory(message__conversation__child=child)
    BookingFactory(family=world.family, children=[child])


@pytest.mark.parametrize("persona", ["parent", "supporting", "admin"])
def test_export_runs_constant_queries(persona, world):
    user = world.persona(persona)
    _grow(world, world.child)
    first = _queries(export.export_scope(family=world.family, requester=user))
    for _ in range(4):
        _grow(world, ChildFactory(family=world.family))
        _grow(world, world.child)
    assert _queries(export.export_scope(family=world.family, requester=user)) == first


@pytest.mark.parametrize("persona", ["parent", "supporting", "supporting_unlinked", "admin"])
def test_every_provider_is_scoped_to_the_family(persona, marked_world):
    """A new provider must not leak: run them all with another family's data
    present."""
    world = marked_world
    scope = export.export_scope(family=world.family, requester=world.persona(persona))
    blob = json.dumps([section.rows for section in export.sections_for(scope)], default=str)
    for theirs in (
        world.other_child.first_name,
        world.other_parent.email,
        "Ffion-goal-marker",
        "Ffion-msg-marker",
        "Jones-needs-marker",
    ):
        assert theirs not in blob, theirs


def test_every_model_about_a_family_is_exported_or_excused():
    """A new model with a path to a family, a child or a person must be added
    to a provider, or to NOT_EXPORTED with the reason."""
    about = export.models_about_families()
    exported = export.exported_models()
    excused = set(export.NOT_EXPORTED)
    assert not (about - exported - excused), "neither exported nor excused"
    assert not (exported & excused)
    # No stale excuses, and every excuse says why.
    assert excused <= about
    assert all(len(reason) > 20 for reason in export.NOT_EXPORTED.values())


def test_the_model_walk_follows_indirect_paths():
    """The walk is what the test above relies on: it reaches models whose
    path to a child goes through others."""
    about = export.models_about_families()
    for label in (
        "messaging.ReadState",  # conversation → child
        "sessions_app.StandardisedTest",  # assessment → child
        "sessions_app.GoalAddressed",  # note → session → family
        "library.StrategyArticle",  # strategy → child
        "notifications.OutboxMessage",  # recipient → person
    ):
        assert label in about, label
    assert "bookings.Service" not in about
    assert "goals.StrategyTemplate" not in about
