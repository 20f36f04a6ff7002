"""Shared fixtures: the personas of DESIGN.md in one small practice, and the
markers for tests that need a live PostgreSQL, Redis or browser."""

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from accounts.models import User
from families.models import AccessLevel, Child, Consent, Family, Relationship, Scope
from tests import clock, factories

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# made by fixtures around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_addoption(parser):
    group = parser.getgroup("clock", "which now the tests run at (tests/clock.py)")
    group.addoption(
        "--time-sweep",
        action="store_true",
        help="run every test marked timesweep again at each hard instant of tests/clock.py",
    )
    group.addoption(
        "--now",
        metavar="WHEN",
        help="run the tests that pin no instant at WHEN: a name from tests/clock.py's SWEEP "
        "(e.g. fall-back-0130-gmt) or British time 'YYYY-MM-DD HH:MM'",
    )


def _instant(text: str):
    if text in clock.SWEEP:
        return clock.SWEEP[text]
    try:
        return clock.london(text)
    except ValueError:
        raise pytest.UsageError(
            f"--now {text!r}: give one of {', '.join(clock.SWEEP)} or 'YYYY-MM-DD HH:MM'"
        ) from None


def pytest_configure(config):
    from django.conf import settings

    # Hashing at full strength makes every persona cost a tenth of a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if config.getoption("now"):
        clock.DEFAULT = _instant(config.getoption("now"))
    _redis_per_worker(settings)


def _redis_per_worker(settings) -> None:
    """Under pytest-xdist each worker has a test database of its own
    (pytest-django names it after the worker); give each a Redis database of
    its own too, since tests empty the cache and the broker between them.
    Nothing has connected to Redis yet when this runs."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not (worker.startswith("gw") and url):
        return
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = (base - int(worker[2:])) % 16
    url = urlunsplit(parts._replace(path=f"/{number}"))
    os.environ["REDIS_URL"] = url
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    for alias in settings.CACHES.values():
        if alias.get("LOCATION", "").startswith("redis"):
            alias["LOCATION"] = url


def pytest_generate_tests(metafunc):
    """With --time-sweep, a test marked timesweep runs once at its usual
    instant and once more at each instant of clock.SWEEP."""
    if not metafunc.config.getoption("time_sweep"):
        return
    definition = metafunc.definition
    if not definition.get_closest_marker("timesweep"):
        return
    if definition.get_closest_marker("now") or definition.get_closest_marker("wall_clock"):
        return
    names = [None, *clock.SWEEP]
    metafunc.parametrize(
        "sweep_instant", names, ids=["usual", *(f"at-{name}" for name in clock.SWEEP)]
    )


@pytest.fixture
def sweep_instant(request) -> str | None:
    """The name of the instant of the sweep this run of a test is at, if any."""
    return getattr(request, "param", None)


def _pinned_instant(marker):
    when = marker.args[0]
    if isinstance(when, str):
        return clock.london(when, fold=marker.kwargs.get("fold", 0))
    return when


@pytest.fixture(autouse=True)
def clock_at(request, sweep_instant):
    """Move the clock to the test's instant for the whole test (fixtures
    included): its `now` marker, the sweep's instant, or clock.DEFAULT.
    Tests marked wall_clock talk to other processes that read the real clock
    (gunicorn, a Celery worker in a process of its own) and keep it.

    Yields time-machine's coordinates: `clock_at.move_to(...)` and
    `clock_at.shift(...)` move the clock on within a test."""
    if request.node.get_closest_marker("wall_clock"):
        yield None
        return
    pinned = request.node.get_closest_marker("now")
    if pinned:
        instant = _pinned_instant(pinned)
    elif sweep_instant:
        instant = clock.SWEEP[sweep_instant]
    else:
        instant = clock.DEFAULT
    with time_machine.travel(instant, tick=True) as coordinates:
        yield coordinates


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing service skips the test and says why; in CI it is a
    failure, so that a green CI run never hides an untested path."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def _redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


def redis_available() -> bool:
    url = _redis_url()
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def _live_services(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("this test needs PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis") and not redis_available():
        skip_or_fail("this test needs a live Redis (set REDIS_URL)")
    if request.node.get_closest_marker("browser") and not os.path.exists("/usr/bin/chromium"):
        skip_or_fail("this test needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run inline in tests unless a test starts a real worker."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _plain_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads made by tests land in a temporary folder, never in media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth counts log-in attempts and used codes in the cache: start each
    test with none, so that one test's failures never lock out another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _mark_past_second_factor(client, user) -> None:
    from accounts.mfa import mark_session_passed_mfa
    from accounts.middleware import ACTIVITY_SESSION_KEY

    session = client.session
    request = HttpRequest()
    request.session = session
    request.user = user
    mark_session_passed_mfa(request, user, type="test")
    # As if a page had just been seen: the next request needs not renew it.
    session[ACTIVITY_SESSION_KEY] = int(time.time())
    if user.is_practice_staff or user.is_staff or user.is_superuser:
        session.set_expiry(settings.STAFF_SESSION_SECONDS)
    session.save()


@contextmanager
def _not_audited():
    """A test's shortcut log-in is not a log-in to audit: without this, every
    test would find LOGIN events it did not cause in the audit trail."""
    from django.contrib.auth.signals import user_logged_in

    from accounts.receivers import audit_login

    user_logged_in.disconnect(audit_login)
    try:
        yield
    finally:
        user_logged_in.connect(audit_login)


@pytest.fixture(autouse=True)
def _test_logins_count_as_mfa(monkeypatch):
    """`client.force_login(user)` and `client.login(...)` stand for a finished
    log-in, second factor included: staff would otherwise be sent to the MFA
    step by accounts.middleware.MFARequiredMiddleware on every page. Tests of
    the real log-in, which must ask for the second factor, go through the
    forms or `tests.accounts.helpers.password_only_login`: see
    tests/accounts/test_mfa.py."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    original_force_login, original_login = Client.force_login, Client.login

    def force_login(self, user, backend=None):
        with _not_audited():
            original_force_login(self, user, backend)
        _mark_past_second_factor(self, user)

    def login(self, **credentials):
        with _not_audited():
            logged_in = original_login(self, **credentials)
        if logged_in:
            user = get_user_model().objects.get(pk=self.session["_auth_user_id"])
            _mark_past_second_factor(self, user)
        return logged_in

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "login", login)


@dataclass
class World:
    """Two families and the staff around them: every persona of the matrix."""

    family: Family
    child: Child  # linked to the supporting caregiver, on the therapist's caseload
    sibling: Child  # same family, not linked to the supporting caregiver
    other_family: Family
    other_child: Child
    parent: User
    other_parent: User
    supporting: User  # grandparent linked to `child`: sessions and messages too
    supporting_unlinked: User  # nanny linked to `sibling` only: sessions, messages, bookings
    supporting_goals_only: User  # grandparent linked to `child`, goals and strategies only
    therapist: User
    other_therapist: User
    admin: User
    # Made when first asked for (`persona`), so the family stays as every
    # other test knows it: see `add_booker`.
    supporting_booker: User | None = None

    def persona(self, name: str) -> User | None:
        if name == "anonymous":
            return None
        if name == "supporting_booker" and self.supporting_booker is None:
            self.supporting_booker = add_booker(self)
        return getattr(self, name)


def add_booker(world: World) -> User:
    """Dana, the childminder linked to `child` whom the family lets book for
    him and cancel his bookings (Scope.MAKES_BOOKINGS, which brings seeing
    them), and nothing more beyond goals and strategies: the persona of the
    matrix for that scope."""
    booker = factories.UserFactory(email="childminder@example.org", full_name="Dana Price")
    factories.CaregiverFactory(
        user=booker,
        family=world.family,
        relationship=Relationship.CHILDMINDER,
        access_level=AccessLevel.SUPPORTING,
        children=[world.child],
        scope=[Scope.MAKES_BOOKINGS],
    )
    return booker


PERSONAS = [
    "anonymous",
    "parent",
    "other_parent",
    "supporting",
    "supporting_unlinked",
    "supporting_goals_only",
    "therapist",
    "other_therapist",
    "admin",
]


@pytest.fixture
def world(db) -> World:
    family = factories.FamilyFactory(name="The Ahmed family")
    child = factories.ChildFactory(family=family, first_name="Yusuf", last_name="Ahmed")
    sibling = factories.ChildFactory(family=family, first_name="Maryam", last_name="Ahmed")
    other_family = factories.FamilyFactory(name="The Jones family")
    other_child = factories.ChildFactory(family=other_family, first_name="Ffion", last_name="Jones")

    parent = factories.UserFactory(email="parent@example.org", full_name="Aisha Ahmed")
    factories.CaregiverFactory(user=parent, family=family)
    other_parent = factories.UserFactory(email="other.parent@example.org", full_name="Rhys Jones")
    factories.CaregiverFactory(user=other_parent, family=other_family)
    # Both families agreed to e-mails about therapy (tests/factories.py), each
    # by its parent.
    Consent.objects.filter(family=family).update(given_by=parent)
    Consent.objects.filter(family=other_family).update(given_by=other_parent)
    supporting = factories.UserFactory(email="grandad@example.org", full_name="Tariq Ahmed")
    factories.CaregiverFactory(
        user=supporting,
        family=family,
        relationship=Relationship.GRANDPARENT,
        access_level=AccessLevel.SUPPORTING,
        children=[child],
        scope=[Scope.SESSIONS, Scope.MESSAGES],
    )
    supporting_unlinked = factories.UserFactory(email="nanny@example.org", full_name="Beth Evans")
    factories.CaregiverFactory(
        user=supporting_unlinked,
        family=family,
        relationship=Relationship.NANNY,
        access_level=AccessLevel.SUPPORTING,
        children=[sibling],
        # Sees everything the family shares; booking stays with the parents.
        scope=[Scope.SESSIONS, Scope.MESSAGES, Scope.BOOKINGS],
    )
    # What a grandparent has from an invitation that chose nothing more.
    supporting_goals_only = factories.UserFactory(
        email="nani@example.org", full_name="Zainab Ahmed"
    )
    factories.CaregiverFactory(
        user=supporting_goals_only,
        family=family,
        relationship=Relationship.GRANDPARENT,
        access_level=AccessLevel.SUPPORTING,
        children=[child],
    )
    therapist = factories.TherapistFactory(email="ot@example.org", full_name="Nia Thomas")
    factories.CaseloadFactory(therapist=therapist, child=child)
    other_therapist = factories.TherapistFactory(email="other.ot@example.org", full_name="Sam Lee")
    factories.CaseloadFactory(therapist=other_therapist, child=other_child)
    admin = factories.AdminFactory(email="office@example.org", full_name="Jo Price")
    return World(
        family=family,
        child=child,
        sibling=sibling,
        other_family=other_family,
        other_child=other_child,
        parent=parent,
        other_parent=other_parent,
        supporting=supporting,
        supporting_unlinked=supporting_unlinked,
        supporting_goals_only=supporting_goals_only,
        therapist=therapist,
        other_therapist=other_therapist,
        admin=admin,
    )


@pytest.fixture
def login(client):
    def _login(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login
