"""The sections of a child's page that belong to the apps above families
(goals, sessions, messages, intake, reports). Each app registers its own in
its AppConfig.ready(), as notifications.registry does for kinds of e-mail,
so this app never imports or includes a template of the apps above it.

A section is a template of the registering app and, where it shows records,
a function that reads them for the viewer (built on that app's policy), so
no template tag queries while the page renders."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from families.models import Child, Family
from families.permissions import Access

# Reads what a section shows, for this viewer: `section.data` in its template.
Reader = Callable[[HttpRequest, Child, Access], Any]


@dataclass(frozen=True)
class ChildSection:
    key: str
    template: str
    order: int  # top to bottom
    read: Reader | None = None


@dataclass(frozen=True)
class ShownSection:
    template: str
    data: Any = field(default=None)


_SECTIONS: dict[str, ChildSection] = {}


def register(key: str, *, template: str, order: int, read: Reader | None = None) -> None:
    _SECTIONS[key] = ChildSection(key, template, order, read)


def sections_for(request: HttpRequest, child: Child, access: Access) -> list[ShownSection]:
    """The registered sections in order, each with what it reads for this viewer."""
    return [
        ShownSection(
            section.template, section.read(request, child, access) if section.read else None
        )
        for section in sorted(_SECTIONS.values(), key=lambda section: section.order)
    ]


# Where registering a family leads: the apps above may register the next step
# (bookings: a lead therapist and the initial assessment); else the family's page.
_AFTER_REGISTRATION: list[Callable[[Family], str]] = []


def register_after_registration(next_step: Callable[[Family], str]) -> None:
    _AFTER_REGISTRATION[:] = [next_step]


def after_registration(family: Family) -> str:
    return _AFTER_REGISTRATION[0](family) if _AFTER_REGISTRATION else family.get_absolute_url()
