"""Hostile input to every form of the permission matrix, as every persona.

For each URL in the matrix (tests/matrix.py), each persona opens the page,
the test reads the names of the form fields from the HTML, and hypothesis posts
random and hostile values: very long strings, unicode, HTML and script,
SQL-like text, wrong types, missing fields and ids of the other family. Never
a server error, and never a change to the other family's data. GET forms
(searches, filters) get the same treatment in the query string.

It walks the matrix, so the URLs of apps merged later are covered as soon as
their routes are. Bounded (few examples, fixed seed) to keep the suite fast.
"""

from html.parser import HTMLParser

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from families.models import Caregiver, CaseloadAssignment, Child, Consent, Family, Invitation
from tests.conftest import PERSONAS
from tests.factories import make_invitation
from tests.matrix import all_routes

EXAMPLES_PER_FORM = 3

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE families_family; --",
    "' OR '1'='1",
    "1; SELECT pg_sleep(10)",
    "{{ request.user.password }}",
    "{% debug %}",
    "${7*7}",
    '=HYPERLINK("http://evil.example")',
    "../../../../etc/passwd",
    "\x00",
    "nul\x00byte",
    "\u202egnp.exe",
    "😀" * 300,
    "ß" * 2000,
    "a" * 5000,
    " ",
    "",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "2026-02-31",
    "31/12/2026",
    "0000-00-00",
    "9999-12-31",
    "not-an-email@",
    "x@" + "y" * 300 + ".example",
]


class FormFields(HTMLParser):
    """The forms of a page: method, action, and for each field the values the
    page itself offers (options, checkbox values, hidden values)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action") or "",
                "fields": {},
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag in ("input", "textarea", "button") and name:
            if name == "csrfmiddlewaretoken":
                return
            offered = self._form["fields"].setdefault(name, [])
            if attrs.get("value"):
                offered.append(attrs["value"])
        elif tag == "select" and name:
            self._select = name
            self._form["fields"].setdefault(name, [])
        elif tag == "option" and self._select and attrs.get("value"):
            self._form["fields"][self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def page_forms(html: str) -> list[dict]:
    parser = FormFields()
    parser.feed(html)
    return parser.forms


def other_family_ids(world) -> list[str]:
    ids = [
        world.other_family.pk,
        world.other_child.pk,
        world.other_parent.pk,
        world.other_therapist.pk,
        *Caregiver.objects.filter(family=world.other_family).values_list("pk", flat=True),
        *CaseloadAssignment.objects.filter(child=world.other_child).values_list("pk", flat=True),
        *Invitation.objects.filter(family=world.other_family).values_list("pk", flat=True),
    ]
    return [str(pk) for pk in ids]


def other_family_snapshot(world) -> dict:
    """Everything of the other family that no request about our family may touch."""
    family = world.other_family

    def rows(queryset, exclude=()):
        return sorted(
            (model_to_dict(obj, exclude=exclude) for obj in queryset), key=lambda row: row["id"]
        )

    return {
        "family": model_to_dict(Family.objects.get(pk=family.pk)),
        "children": rows(Child.objects.filter(family=family)),
        "caregivers": rows(Caregiver.objects.filter(family=family)),
        "caseload": rows(CaseloadAssignment.objects.filter(child__family=family)),
        "invitations": rows(Invitation.objects.filter(family=family)),
        "consents": rows(Consent.objects.filter(family=family)),
        # (last_login moves when the persona itself logs in for the test.)
        "users": rows(
            User.objects.filter(pk__in=[world.other_parent.pk, world.other_therapist.pk]),
            exclude=["last_login"],
        ),
    }


def value_strategy(offered: list[str], foreign_ids: list[str]):
    single = st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(foreign_ids),
        st.text(max_size=300),
        st.integers(min_value=-(2**63), max_value=2**64).map(str),
        *([st.sampled_from(offered)] if offered else []),
    )
    # None: the field is left out. A list: the field sent several times.
    return st.one_of(st.none(), single, st.lists(single, min_size=2, max_size=3))


def draw_payload(data, fields: dict[str, list[str]], foreign_ids: list[str]) -> dict:
    payload = {}
    for name, offered in sorted(fields.items()):
        value = data.draw(value_strategy(offered, foreign_ids), label=name)
        if value is not None:
            payload[name] = value
    # Fields the form does not have, named like ids an attacker would try.
    for extra in ("family", "child", "user", "pk", "id"):
        if data.draw(st.booleans(), label=f"add {extra}"):
            payload[extra] = data.draw(st.sampled_from(foreign_ids), label=extra)
    return payload


def _unique_routes():
    seen, unique = set(), []
    for route in all_routes():
        if route.name not in seen:
            seen.add(route.name)
            unique.append(route)
    return unique


def _post_only_fields(route, world) -> dict[str, list[str]]:
    same_name = [r for r in all_routes() if r.name == route.name and r.method == "post"]
    fields: dict[str, list[str]] = {}
    for post_route in same_name:
        for name, value in post_route.data(world).items():
            fields.setdefault(name, []).append(str(value))
    return fields


@pytest.mark.parametrize("route", _unique_routes(), ids=lambda route: route.name)
def test_hostile_input_never_breaks_a_page_or_touches_another_family(route, world, client):
    # Objects the other family has, so that their ids are there to be tried.
    make_invitation(family=world.other_family, by=world.other_parent, email="x@example.org")
    foreign_ids = other_family_ids(world)
    before = other_family_snapshot(world)
    # Once: an earlier persona's post may remove the object (a later one then
    # gets a 404, which is fine).
    url = reverse(route.name, kwargs=route.kwargs(world))
    post_fields = _post_only_fields(route, world)

    for persona in PERSONAS:
        user = world.persona(persona)
        client.logout()
        if user is not None:
            client.force_login(user)
        page = client.get(url)
        assert page.status_code < 500, f"GET {url} as {persona}"

        if page.status_code != 200:
            # Not theirs (404) or not logged in: a couple of hostile posts are
            # enough to show nothing is reached.
            for value in ("nul\x00byte", foreign_ids[0]):
                payload = dict.fromkeys(post_fields or ["pk"], value)
                response = client.post(url, payload)
                assert response.status_code < 500, f"POST {url} as {persona}"
            continue

        targets: list[tuple[str, str, dict]] = []
        if page.get("Content-Type", "").startswith("text/html"):
            for form in page_forms(page.content.decode()):
                action = form["action"] or url
                if action.split("?")[0] == url:
                    targets.append((form["method"], url, form["fields"]))
        if post_fields or not targets:
            targets.append(("post", url, post_fields))

        for method, target, fields in targets:
            _fuzz(client, method, target, fields, foreign_ids, persona)

    assert other_family_snapshot(world) == before


# Every field at once set to one of these, before the random examples: the
# values most likely to reach a database or a template unvalidated.
EVERY_FIELD = [
    "nul\x00byte",
    "a" * 5000,
    "<script>alert('x')</script>",
    "' OR '1'='1",
    "-1",
    "99999999999999999999999999",
    "2026-02-31",
]


def _fuzz(client, method, url, fields, foreign_ids, persona):
    for value in [*EVERY_FIELD, foreign_ids[0]]:
        payload = dict.fromkeys(fields, value)
        response = getattr(client, method)(url, payload)
        assert response.status_code < 500, f"{method.upper()} {url} as {persona}: {value!r}"

    @settings(
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        payload = draw_payload(data, fields, foreign_ids)
        response = getattr(client, method)(url, payload)
        assert response.status_code < 500, f"{method.upper()} {url} as {persona}: {payload!r}"

    run()
