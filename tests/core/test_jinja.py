"""The Jinja2 partials write what Django's templates would (core/jinja.py),
and `{% jinja %}` draws one inside a Django page (core/templatetags/jinja.py)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from jinja2 import UndefinedError

from tests import factories
from tests.clock import LONDON, UTC

DTL = engines["django"]
JINJA = engines["jinja2"]

VALUES = [
    "plain words",
    'Yusuf\'s "big" day & <b>more</b>',
    "<script>alert('x')</script>",
    mark_safe("<em>already safe</em>"),
    gettext_lazy("January"),
    None,
    0,
    -4,
    12345678,
    56.0,
    119.5,
    1e-05,
    True,
    False,
    Decimal("2.50"),
    date(2027, 3, 4),
    datetime(2027, 10, 31, 0, 30, tzinfo=UTC),  # 01:30 BST, the first of two
]


def _both(dtl: str, jinja: str, **context) -> tuple[str, str]:
    return DTL.from_string(dtl).render(context), JINJA.from_string(jinja).render(context)


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_is_written_as_django_writes_it(value):
    by_django, by_jinja = _both("{{ v }}", "{{ v }}", v=value)
    assert by_jinja == by_django


@pytest.mark.parametrize(
    ("dtl", "jinja"),
    [
        ('{{ d|date:"j M Y" }}', '{{ d|date("j M Y") }}'),
        ('{{ t|date:"D j M, H:i T" }}', '{{ t|date("D j M, H:i T") }}'),
        ('{{ t|date:"Y-m-d\\TH:i:sO" }}', '{{ t|date("Y-m-d\\\\TH:i:sO") }}'),
        ('{{ t|uk_time:"l j F, H:i" }}', '{{ t|uk_time("l j F, H:i") }}'),
        ('{{ none|date:"j M" }}', '{{ none|date("j M") }}'),
        ('{{ none|date:"j M"|default:"None yet" }}', '{{ none|date("j M") or "None yet" }}'),
        ("{{ y|add:'-4' }}", "{{ y|add(-4) }}"),
        ("{{ n }} goal{{ n|pluralize }}", "{{ n }} goal{{ n|pluralize }}"),
        ("{{ text|lower|capfirst }}", "{{ text|lower|capfirst }}"),
        ('{{ names|join:", " }}', '{{ names|join(", ") }}'),
        ("{{ text|linebreaksbr }}", "{{ text|linebreaksbr }}"),
        ("{{ text|truncatewords:3 }}", "{{ text|truncatewords(3) }}"),
    ],
)
def test_filters_as_django_has_them(dtl, jinja):
    context = {
        "d": date(2027, 3, 4),
        "t": datetime(2027, 10, 31, 1, 30, tzinfo=UTC),  # 01:30 GMT, the second pass
        "none": None,
        "y": 56.0,
        "n": 2,
        "text": "Tom's <first>\nSHOES & socks on",
        "names": ["Ali & Mo", "O'Neil", "<b>"],
    }
    by_django, by_jinja = _both(dtl, jinja, **context)
    assert by_jinja == by_django


def test_times_are_shown_in_the_current_zone():
    instant = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
    by_jinja = JINJA.from_string('{{ t|date("H:i T") }}').render({"t": instant})
    assert by_jinja == "09:00 BST" == instant.astimezone(LONDON).strftime("%H:%M %Z")


def test_a_missing_name_is_an_error_not_an_empty_string():
    with pytest.raises(UndefinedError):
        JINJA.from_string("{{ goal.no_such_thing }}").render({"goal": object()})
    with pytest.raises(UndefinedError):
        JINJA.from_string("{% if nobody %}x{% endif %}").render({})


def test_escaping_stays_on():
    assert JINJA.env.autoescape is True
    out = JINJA.from_string("{{ x }}").render({"x": "<b>"})
    assert out == "&lt;b&gt;"


def test_url_and_static_as_django_writes_them():
    out = JINJA.from_string(
        "{{ url('goals:goal_detail', 5) }} {{ url('messaging:conversation', 3, 'therapy') }}"
        " {{ url('home') }} {{ static('css/portal.css') }}"
    ).render({})
    expected = [
        reverse("goals:goal_detail", args=[5]),
        reverse("messaging:conversation", args=[3, "therapy"]),
        reverse("home"),
    ]
    assert out.split()[:3] == expected
    assert out.split()[3].endswith("portal.css")


def test_forms_in_a_partial_carry_the_csrf_token():
    request = RequestFactory().get("/")
    out = JINJA.from_string("<form>{{ csrf_input }}</form>").render({}, request)
    assert 'name="csrfmiddlewaretoken"' in out and 'value="' in out


@pytest.mark.django_db
def test_the_tag_passes_only_what_it_names():
    page = DTL.from_string(
        '{% load jinja %}<p>{% jinja "goals/ratings_table.jinja" goal=goal ratings=none is_therapist=False %}</p>'
    )
    assert "No ratings yet." in page.render({"goal": None, "none": []})
    with pytest.raises(UndefinedError):
        DTL.from_string('{% load jinja %}{% jinja "goals/ratings_table.jinja" goal=goal %}').render(
            {"goal": None, "ratings": [], "is_therapist": False}
        )


def test_the_tag_is_written_with_a_name_and_values():
    from django.template import TemplateSyntaxError

    for wrong in ("{% jinja %}", '{% jinja "a.jinja" goals %}'):
        with pytest.raises(TemplateSyntaxError):
            DTL.from_string("{% load jinja %}" + wrong)


def test_the_test_client_still_sees_the_page_and_its_partial(world, login):
    goal = factories.GoalFactory(child=world.child, title="Brushes teeth with Dad's help")
    factories.ProgressRatingFactory(goal=goal, level=-1)
    response = login(world.parent).get(reverse("goals:child_goals", args=[world.child.pk]))
    assert response.status_code == 200
    names = [template.name for template in response.templates]
    assert "goals/child_goals.html" in names and "goals/goal_cards.jinja" in names
    assert [g.pk for g in response.context["goals"]] == [goal.pk]
    assert "Brushes teeth with Dad&#x27;s help" in response.content.decode()
