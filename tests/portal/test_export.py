"""A family's download holds their data and nothing of another family's; the
practice's subject-access copy holds the full record; CSV cells are safe."""

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from families import services
from families.models import ConsentKind
from portal import export
from tests.factories import CaregiverFactory, ChildFactory, UserFactory


def _download(client, family) -> zipfile.ZipFile:
    response = client.post(reverse("privacy:family_export", args=[family.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def _all_text(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode() for name in archive.namelist())


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
    return world


def test_family_download_has_their_data_and_none_of_another_family(marked_world, client):
    world = marked_world
    client.force_login(world.parent)
    archive = _download(client, world.family)
    names = set(archive.namelist())
    assert {"report.html", "data.json", "csv/family.csv", "csv/children.csv"} <= names
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

    data = json.loads(archive.read("data.json"))
    assert data["family_id"] == world.family.pk
    assert not data["full_record"]
    assert {row["id"] for row in data["sections"]["children"]} == {
        world.child.pk,
        world.sibling.pk,
    }
    assert "access_log" not in data["sections"]


def test_family_download_is_audited(world, client):
    client.force_login(world.parent)
    _download(client, world.family)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.user, event.record_type, event.record_id) == (
        world.parent,
        "family",
        str(world.family.pk),
    )


def test_admin_subject_access_copy_is_the_full_record(marked_world, client):
    world = marked_world
    AuditEvent.objects.create(
        user=world.therapist, action="view", record_type="note", child_id=world.child.pk
    )
    AuditEvent.objects.create(
        user=world.other_therapist, action="view", record_type="note", child_id=world.other_child.pk
    )
    client.force_login(world.admin)
    archive = _download(client, world.family)
    data = json.loads(archive.read("data.json"))
    assert data["full_record"]
    log = data["sections"]["access_log"]
    assert any(row["who"] == world.therapist.full_name for row in log)
    assert all(row["who"] != world.other_therapist.full_name for row in log)
    assert "Jones-needs-marker" not in _all_text(archive)
    assert AuditEvent.objects.filter(
        action="export", user=world.admin, detail__contains="subject access"
    ).exists()


@pytest.mark.parametrize(
    "persona", ["supporting", "supporting_unlinked", "other_parent", "therapist", "other_therapist"]
)
def test_others_cannot_download(persona, world, client):
    client.force_login(world.persona(persona))
    response = client.post(reverse("privacy:family_export", args=[world.family.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_csv_cells_cannot_run_as_formulas(world, client):
    world.child.needs = '=HYPERLINK("http://evil.example","click")'
    world.child.what_helps = "+1+2"
    world.child.enjoys = "@SUM(A1)"
    world.child.school = "-2+3"
    world.child.save()
    client.force_login(world.parent)
    archive = _download(client, world.family)
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/children.csv").decode())))
    mine = next(row for row in rows if row["Number"] == str(world.child.pk))
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


def test_report_escapes_family_text(world, client):
    world.child.needs = "<script>alert(1)</script>"
    world.child.save()
    client.force_login(world.parent)
    report = _download(client, world.family).read("report.html").decode()
    assert "<script>alert(1)</script>" not in report
    assert "&lt;script&gt;" in report


def test_export_runs_constant_queries(world, django_assert_num_queries):
    scope = export.ExportScope(
        family=world.family, requester=world.admin, full=True, children=[world.child]
    )
    with django_assert_num_queries(7):
        export.export_zip(scope)
    for _ in range(5):
        child = ChildFactory(family=world.family)
        CaregiverFactory(family=world.family, user=UserFactory(), children=[child])
    scope.children = list(world.family.children.all())
    with django_assert_num_queries(7):
        export.export_zip(scope)


def test_every_section_provider_is_scoped_to_the_family(world):
    """A new provider (goals, sessions…) must not leak: run them all for a
    family with another family's data present."""
    scope = export.ExportScope(
        family=world.family,
        requester=world.parent,
        full=False,
        children=list(world.family.children.all()),
    )
    blob = json.dumps([[section.rows for section in export.sections_for(scope)]], default=str)
    assert world.other_child.first_name not in blob
    assert world.other_parent.email not in blob
