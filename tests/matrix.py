"""The permission matrix: which persona may reach which URL.

Each app lists its routes in `tests/<app>/routes.py` as `ROUTES` (and URLs that
take no object but are still worth checking). `test_permission_matrix` requests
every route as every persona, and fails if a URL of ours that takes an argument
is missing here, so a new URL cannot land without its row.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

OUR_APPS = {
    "accounts",
    "notifications",
    "families",
    "goals",
    "sessions_app",
    "bookings",
    "messaging",
    "intake",
    "reports",
    "library",
    "portal",
}

ALL_PERSONAS = frozenset(
    {
        "parent",
        "other_parent",
        "supporting",
        "supporting_unlinked",
        "supporting_goals_only",
        "supporting_booker",
        "therapist",
        "other_therapist",
        "admin",
    }
)
FAMILY = frozenset({"parent", "supporting"})
# A supporting caregiver sees goals and home strategies with every link; the
# family chooses the rest (families.models.Scope). Pages of goals, strategies,
# practice, wins and the library linked to them: every linked caregiver.
GOALS_ONLY = "supporting_goals_only"
# Linked to the same child with booking for him (and so seeing his bookings),
# nothing else: everywhere GOALS_ONLY is, and in the family's booking pages
# for that child (tests/bookings/routes.py).
BOOKER = "supporting_booker"
STAFF = frozenset({"therapist", "admin"})


@dataclass(frozen=True)
class Route:
    name: str
    allowed: frozenset[str]
    kwargs: Callable = field(default=lambda world: {})
    method: str = "get"
    data: Callable = field(default=lambda world: {})
    # What an allowed persona gets: a page, or the redirect after a POST.
    ok: tuple[int, ...] = (200,)

    def __post_init__(self):
        unknown = set(self.allowed) - ALL_PERSONAS
        assert not unknown, f"{self.name}: unknown personas {unknown}"
        if self.method == "post" and self.ok == (200,):
            object.__setattr__(self, "ok", (200, 302))

    @property
    def id(self) -> str:
        return f"{self.name}[{self.method}]"


def all_routes() -> list[Route]:
    routes: list[Route] = []
    tests_dir = Path(__file__).parent
    for module in pkgutil.iter_modules([str(tests_dir)]):
        if module.ispkg and (tests_dir / module.name / "routes.py").exists():
            routes.extend(importlib.import_module(f"tests.{module.name}.routes").ROUTES)
    return routes


def all_exemptions() -> dict[str, str]:
    exempt: dict[str, str] = {}
    tests_dir = Path(__file__).parent
    for module in pkgutil.iter_modules([str(tests_dir)]):
        if module.ispkg and (tests_dir / module.name / "routes.py").exists():
            exempt.update(
                getattr(importlib.import_module(f"tests.{module.name}.routes"), "EXEMPT", {})
            )
    return exempt


def _walk(patterns, namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def object_url_names() -> set[str]:
    """Names of our URLs that take an argument (an object id, a token…)."""
    names = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        module = getattr(pattern.callback, "__module__", "").split(".")[0]
        if module in OUR_APPS and pattern.pattern.converters:
            names.add(name)
    return names
