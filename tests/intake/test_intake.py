"""The intake questionnaire: section by section over several sittings, saved
as the family types, and its answers in the therapist's new assessment."""

import pytest
from django.urls import reverse

from intake.models import SECTIONS, IntakeQuestionnaire


def _section_url(child, slug):
    return reverse("intake:section", args=[child.pk, slug])


def test_sections_saved_one_at_a_time_and_survive_a_reload(world, login):
    client = login(world.parent)
    response = client.post(
        _section_url(world.child, "history"),
        {"developmental_history": "Walked at 18 months.", "action": "next"},
    )
    assert response["Location"] == _section_url(world.child, "worries")
    # Another sitting: the second section, then stop for now.
    response = client.post(
        _section_url(world.child, "worries"),
        {"worries": "Getting dressed takes an hour.", "hopes": "", "action": "later"},
    )
    assert response["Location"] == reverse("intake:overview", args=[world.child.pk])

    questionnaire = IntakeQuestionnaire.objects.get(child=world.child)
    assert questionnaire.developmental_history == "Walked at 18 months."
    assert questionnaire.worries == "Getting dressed takes an hour."
    assert questionnaire.updated_by == world.parent

    page = client.get(_section_url(world.child, "history")).content.decode()
    assert "Walked at 18 months." in page
    overview = client.get(reverse("intake:overview", args=[world.child.pk])).content.decode()
    assert overview.count("Answered") == 2


def test_autosave_answers_json_and_keeps_other_sections(world, login):
    client = login(world.parent)
    client.post(_section_url(world.child, "loves"), {"loves": "Trampolines"})
    response = client.post(
        _section_url(world.child, "school"),
        {"school": "Reception at St Mary's"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200 and "saved_at" in response.json()
    questionnaire = IntakeQuestionnaire.objects.get()
    assert (questionnaire.school, questionnaire.loves) == ("Reception at St Mary's", "Trampolines")


def test_unknown_section_is_404(world, login):
    client = login(world.parent)
    response = client.post(_section_url(world.child, "unknown-section"), {})
    assert response.status_code == 404


def test_send_marks_it_for_the_therapist(world, login):
    client = login(world.parent)
    client.post(_section_url(world.child, "loves"), {"loves": "Lego"})
    client.post(reverse("intake:send", args=[world.child.pk]))
    assert IntakeQuestionnaire.objects.get().sent_at is not None
    page = login(world.therapist).get(reverse("intake:overview", args=[world.child.pk]))
    assert "Lego" in page.content.decode()
    assert "Sent by the family" in page.content.decode()
    from accounts.models import AuditEvent

    event = AuditEvent.objects.get(record_type="intake.intakequestionnaire")
    assert (event.user, event.action, event.child_id) == (
        world.therapist,
        AuditEvent.Action.VIEW,
        world.child.pk,
    )


@pytest.mark.parametrize("persona", ["supporting", "admin", "other_parent", "other_therapist"])
def test_outsiders_do_not_see_it(world, login, persona):
    IntakeQuestionnaire.objects.create(child=world.child, worries="Private")
    response = login(getattr(world, persona)).get(reverse("intake:overview", args=[world.child.pk]))
    assert response.status_code == 404


def test_answers_prefill_the_assessment(world, login):
    IntakeQuestionnaire.objects.create(
        child=world.child,
        developmental_history="Born at 34 weeks.",
        worries="Meltdowns at bath time.",
        hopes="A calm bedtime.",
        hard_routines="Bath and bedtime.",
        school="Year 1; the teacher sees him struggle with scissors.",
        professionals="Speech and language therapist.",
        loves="Dinosaurs and swings.",
    )
    response = login(world.therapist).get(
        reverse("sessions_app:assessment_create", args=[world.child.pk])
    )
    form = response.context["form"]
    assert form["developmental_history"].value() == "Born at 34 weeks."
    assert "Meltdowns at bath time." in form["concerns_parent"].value()
    assert "A calm bedtime." in form["concerns_parent"].value()
    assert "Bath and bedtime." in form["concerns_parent"].value()
    assert "scissors" in form["concerns_school"].value()
    assert "Speech and language therapist." in form["concerns_other"].value()
    assert "Dinosaurs and swings." in form["strengths"].value()
    assert "intake questionnaire" in response.content.decode()


def test_no_questionnaire_no_prefill(world, login):
    response = login(world.therapist).get(
        reverse("sessions_app:assessment_create", args=[world.child.pk])
    )
    assert response.context["form"]["developmental_history"].value() in (None, "")


def test_every_section_has_a_page(world, login):
    client = login(world.parent)
    for section in SECTIONS:
        assert client.get(_section_url(world.child, section.slug)).status_code == 200


def test_demo_intake_seeds_once(db, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    questionnaire = IntakeQuestionnaire.objects.get()
    assert questionnaire.child.first_name == "Arjun"
    assert questionnaire.worries and not questionnaire.school
