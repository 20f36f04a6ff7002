"""The whole practice's diary, a few therapists at a time: the page costs the
same with a practice of 4 therapists or 400."""

from django.urls import reverse

from bookings.views import DIARY_THERAPISTS_PER_PAGE
from tests.factories import TherapistFactory


def test_practice_diary_shows_a_page_of_therapists_and_links_to_the_next(world, login):
    extra = TherapistFactory.create_batch(DIARY_THERAPISTS_PER_PAGE)
    everyone = sorted([world.therapist, world.other_therapist, *extra], key=lambda t: t.full_name)
    client = login(world.admin)
    url = reverse("bookings:diary")
    first = client.get(url, {"view": "week", "date": "2027-01-04"})
    assert first.context["people_page"].paginator.count == len(everyone)
    shown = {item["therapist"] for day in first.context["days"] for item in day["items"]}
    assert shown <= {str(t) for t in everyone[:DIARY_THERAPISTS_PER_PAGE]}
    assert f"Therapists 1–{DIARY_THERAPISTS_PER_PAGE} of {len(everyone)}" in first.text
    # The link to the next therapists keeps the week being looked at.
    next_link = first.context["people_pages"]["next_page"]
    assert "date=2027-01-04" in next_link and "page=2" in next_link
    second = client.get(f"{url}?{next_link}")
    assert [p.pk for p in second.context["people_page"]] == [
        t.pk for t in everyone[DIARY_THERAPISTS_PER_PAGE:]
    ]


def test_one_therapists_diary_is_not_paged(world, login):
    client = login(world.admin)
    page = client.get(reverse("bookings:diary"), {"therapist": world.therapist.pk})
    assert page.status_code == 200
    assert page.context["people_page"] is None
