"""The family's home as a parent's phone gets it, for `make bench`.

Debian's Chromium (driven by Playwright, never a downloaded browser) at 375 px
wide, its network throttled through the DevTools protocol to Lighthouse's
"slow 4G" profile, opens the family's home twice in one tab: a first visit
with an empty cache, then a repeat visit, when the static files should come
from the cache. For each visit: the bytes that came over the network (every
response's encoded length, headers included, as DevTools counts them), the
number of requests, and the largest contentful paint.
"""

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PHONE = {"width": 375, "height": 812}

# Lighthouse's "slow 4G" (mobileSlow4G, DevTools throttling): 150 ms round trip
# × 3.75 for the request latency, 1.6 Mbps down and 750 kbps up × 0.9. The
# protocol takes bytes a second.
SLOW_4G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1638.4 * 0.9 * 1024 / 8,
    "uploadThroughput": 750 * 0.9 * 1024 / 8,
}

# Records every largest-contentful-paint candidate from the first paint on;
# the last one is the page's LCP.
LCP_OBSERVER = """
window.__lcp = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.__lcp = entry.renderTime || entry.loadTime || entry.startTime;
  }
}).observe({type: "largest-contentful-paint", buffered: true});
"""


def available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists()


def measure_home(base: str, cookies: dict[str, str], *, path: str = "/") -> dict:
    """The first and the repeat visit of `path`, logged in with `cookies`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            return measure_visits(browser, base, cookies, path=path)
        finally:
            browser.close()


def measure_visits(browser, base: str, cookies: dict[str, str], *, path: str = "/") -> dict:
    """measure_home in a browser that is already running (the tests' own)."""
    # Without the portal's service worker (static/js/sw.js): under it, the
    # repeat visit's requests are made by the worker, which this page's
    # devtools session does not see, and the figures would not compare with
    # those before it.
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        service_workers="block",
    )
    try:
        context.add_cookies(
            [{"name": name, "value": value, "url": base} for name, value in cookies.items()]
        )
        context.add_init_script(LCP_OBSERVER)
        page = context.new_page()
        devtools = context.new_cdp_session(page)
        devtools.send("Network.enable")
        devtools.send("Network.emulateNetworkConditions", SLOW_4G)
        received = {"bytes": 0, "requests": 0, "from_cache": 0}

        def finished(event: dict) -> None:
            received["bytes"] += int(event.get("encodedDataLength", 0))
            received["requests"] += 1

        def from_cache(event: dict) -> None:
            received["from_cache"] += 1

        devtools.on("Network.loadingFinished", finished)
        devtools.on("Network.requestServedFromCache", from_cache)
        visits = {}
        for visit in ("first", "repeat"):
            received.update(bytes=0, requests=0, from_cache=0)
            answer = page.goto(base + path, wait_until="networkidle")
            if answer is None or answer.status != 200 or page.url != base + path:
                raise RuntimeError(f"the family's home did not open: {page.url}")
            # The LCP entry is reported a frame after the paint.
            page.wait_for_timeout(500)
            lcp = page.evaluate("window.__lcp")
            visits[visit] = {
                "bytes": received["bytes"],
                "kb": round(received["bytes"] / 1024, 1),
                "requests": received["requests"],
                "from_cache": received["from_cache"],
                "lcp_ms": round(lcp) if lcp else None,
            }
    finally:
        context.close()
    return {"path": path, "viewport": PHONE["width"], "network": "slow 4G", **visits}
