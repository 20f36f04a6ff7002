"""The progress report is a tagged PDF (PDF/UA-1) that screen readers can
follow: a structure tree, marked content, its language, its title shown as
the window's, and every chart a figure with a text alternative. Read back
with pypdf, a client nobody here wrote."""

import io

import pypdf
import pytest
import time_machine
from django.urls import reverse
from pypdf.generic import ArrayObject, DictionaryObject

from tests.factories import GoalFactory, HomeStrategyFactory, ProgressRatingFactory


def _structure(node, found):
    node = node.get_object()
    if isinstance(node, ArrayObject):
        for kid in node:
            _structure(kid, found)
    elif isinstance(node, DictionaryObject):
        if "/S" in node:
            found.append((str(node["/S"]), str(node.get("/Alt", ""))))
        if "/K" in node:
            _structure(node["/K"], found)
    return found


@pytest.fixture
def report(world, login):
    with time_machine.travel("2026-12-06 10:30:00+00:00", tick=False):
        goal = GoalFactory(child=world.child, title="Puts on shoes by himself")
        ProgressRatingFactory(goal=goal, level=-1)
        HomeStrategyFactory(child=world.child, goals=[goal], title="Bottom-stair shoes")
        response = login(world.parent).get(reverse("reports:progress_pdf", args=[world.child.pk]))
    assert response.status_code == 200
    return pypdf.PdfReader(io.BytesIO(response.content))


def test_the_report_is_tagged(report):
    root = report.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert report.metadata.title == "Progress report: Yusuf Ahmed"
    # PDF/UA carries its identification in XMP metadata.
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()


def test_headings_tables_and_charts_are_in_the_structure(report):
    tags = _structure(report.trailer["/Root"]["/StructTreeRoot"], [])
    kinds = {tag for tag, _ in tags}
    assert {"/H1", "/H2", "/H3", "/Table", "/P"} <= kinds
    figures = [alt for tag, alt in tags if tag == "/Figure"]
    assert figures, "the chart is a figure"
    # Every figure has a text alternative; the chart's says what it shows.
    assert all(alt.strip() for alt in figures), figures
    assert any("Puts on shoes by himself" in alt and len(alt) > 60 for alt in figures), figures
