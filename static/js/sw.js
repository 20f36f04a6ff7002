/* The portal's service worker, served at /sw.js (portal/companion.py). Its
   one job: a family's home and "this week at home" stay readable on the
   phone without a connection.

   - A page the server marks with X-Offline-Readable (families' own pages:
     accounts.policy.offline_readable) is copied into Cache Storage each time
     it loads, and shown from there when the network fails. So is a photo
     of a strategy, which the server marks the same way.
   - The styles, scripts and icons pages use (and the manifest) are kept
     too, so a kept page looks as it should.
   - Everything else goes to the network untouched: forms, staff pages,
     videos (large, and answered in ranges).
   The page script (companion.js) empties the pages at log-out and queues
   practice logged offline; this worker does not send anything itself. */
"use strict";

const PAGES = "companion-pages-v1";
const ASSETS = "companion-assets-v1";
const KEPT = [PAGES, ASSETS];
const ASSET_KINDS = ["style", "script", "font", "image"];

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("companion-") && !KEPT.includes(name))
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (request.destination === "image" && !url.pathname.includes("/static/")) {
    event.respondWith(page(request)); // a strategy's photo, kept if the server says so
  } else if (
    request.destination === "manifest" ||
    (ASSET_KINDS.includes(request.destination) && url.pathname.includes("/static/"))
  ) {
    event.respondWith(asset(request));
  }
});

/* Pages, and the photos of strategies, by the server's X-Offline-Readable. */
async function page(request) {
  try {
    const response = await fetch(request);
    if (response.ok && response.headers.get("X-Offline-Readable") === "1") {
      const copy = response.clone();
      const cache = await caches.open(PAGES);
      await cache.put(request.url, copy);
    }
    return response;
  } catch (error) {
    const kept = await caches.match(request.url, { cacheName: PAGES, ignoreVary: true });
    if (kept) return kept;
    if (request.mode === "navigate") return offlinePage();
    throw error;
  }
}

async function asset(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const copy = response.clone();
      const cache = await caches.open(ASSETS);
      await cache.put(request, copy);
    }
    return response;
  } catch (error) {
    const kept = await caches.match(request, { cacheName: ASSETS, ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}

function offlinePage() {
  const html =
    '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    "<title>You are offline</title></head><body><main>" +
    "<h1>You are offline</h1>" +
    "<p>This page is not saved on this phone. Your home page and this week at home " +
    "are, once you have opened them while online.</p>" +
    '<p><a href="/">Go to your home page</a></p></main></body></html>';
  return new Response(html, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}
