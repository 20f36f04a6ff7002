"""Moving through a page as someone with only a keyboard (or a switch, or a
screen reader's browse keys) does: Tab to a control by its role and
accessible name, then Enter or Space to operate it.

No `.click()`, no `.focus()`: if a control cannot be reached with Tab, the
walk fails and says where focus was, which is the product's fault to fix."""

from __future__ import annotations

import re

# How far a walk may go before it is a fault: a page needing more presses
# than this to reach something is lost in its own links.
TAB_LIMIT = 80


def _where_focus_is(page) -> str:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return "the page itself (nothing focused)";
            const text = (el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
            return `<${el.tagName.toLowerCase()}${el.id ? " id=" + el.id : ""}> ${text.slice(0, 60)}`;
        }"""
    )


def tab_to(
    page,
    role: str,
    name: str | re.Pattern,
    *,
    within=None,
    exact: bool | None = None,
    backwards: bool = False,
    limit: int = TAB_LIMIT,
) -> int:
    """Press Tab (Shift+Tab with `backwards`) until the control with this
    role and accessible name has focus, from wherever focus is now; fail
    after `limit` presses. `within` narrows the search to a part of the page
    (a fieldset, a card). The control must then be visible on the screen.
    Returns the number of presses."""
    scope = within if within is not None else page
    target = scope.get_by_role(role, name=name, exact=exact)
    # One control, present: an ambiguous name is the test's mistake.
    handle = target.element_handle()
    key = "Shift+Tab" if backwards else "Tab"
    for presses in range(limit + 1):
        if handle.evaluate("el => el === document.activeElement"):
            from playwright.sync_api import expect

            expect(target).to_be_visible()
            expect(target).to_be_in_viewport()
            return presses
        if presses < limit:
            page.keyboard.press(key)
    raise AssertionError(
        f"{limit} presses of {key} never reached the {role} {name!r}; "
        f"focus is on {_where_focus_is(page)}"
    )


def follow(page, key: str = "Enter") -> None:
    """Operate the focused link or button, which loads another page, and wait
    for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


class Taps:
    """Counts what a person does to get somewhere: each Enter or Space that
    operates a link, a button or a choice is a tap. Moving focus with Tab is
    not (on a phone, the finger goes straight there)."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def press(self, key: str = "Enter", *, navigates: bool = False) -> None:
        self.count += 1
        if navigates:
            follow(self.page, key)
        else:
            self.page.keyboard.press(key)
