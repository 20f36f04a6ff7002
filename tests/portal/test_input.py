"""Input that no browser sends is refused before it reaches a view."""

from django.urls import reverse


def test_nul_in_a_query_parameter_is_a_bad_request(world, client):
    client.force_login(world.admin)
    response = client.get(reverse("families:family_list"), {"q": "a\x00b"})
    assert response.status_code == 400
    assert "could not read" in response.content.decode()
    assert response.headers.get("Content-Security-Policy")


def test_nul_in_a_form_is_a_bad_request_and_changes_nothing(world, client):
    client.force_login(world.parent)
    response = client.post(
        reverse("families:family_edit", args=[world.family.pk]),
        {"name": "New\x00name", "preferred_contact": "email"},
    )
    assert response.status_code == 400
    world.family.refresh_from_db()
    assert world.family.name == "The Ahmed family"


def test_ordinary_unicode_is_welcome(world, client):
    client.force_login(world.parent)
    response = client.post(
        reverse("families:family_edit", args=[world.family.pk]),
        {"name": "Teulu Ŵyn 👪", "preferred_contact": "email"},
    )
    assert response.status_code == 302
    world.family.refresh_from_db()
    assert world.family.name == "Teulu Ŵyn 👪"


def test_family_text_is_escaped_on_the_page(world, client):
    world.child.enjoys = "<script>alert('x')</script>"
    world.child.save()
    client.force_login(world.parent)
    text = client.get(reverse("families:child_detail", args=[world.child.pk])).content.decode()
    assert "<script>alert('x')</script>" not in text
    assert "&lt;script&gt;" in text
