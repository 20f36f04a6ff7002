/* The phone as the family's companion, on every page (templates/base.html):
   - registers the service worker (static/js/sw.js), which keeps a family's
     home and "this week at home" readable offline;
   - empties those kept pages when no one is logged in, or someone else is;
   - queues practice logged without a connection (a form marked
     data-offline-queue) in IndexedDB and sends it when the connection is
     back. Each queued log carries an id chosen here, so the server keeps it
     once however often it is sent (goals.services.practice_log_add). */
(function () {
  "use strict";

  const PAGES = "companion-pages-v1"; // as in sw.js
  const RETRY_SECONDS = 10;
  const WAITING = "Waiting to send. It is saved on this phone and will go when you are back online.";
  const body = document.body;
  const user = body.dataset.companionUser;

  // Offline, the worker already installed carries on; registering checks for a new one.
  if ("serviceWorker" in navigator && body.dataset.companionWorker && navigator.onLine) {
    navigator.serviceWorker.register(body.dataset.companionWorker, { scope: "/" }).catch(() => {});
  }
  if (user === undefined || !("caches" in window)) return;
  if (user === "" || localStorage.getItem("companion-user") !== user) {
    // Logged out, or another person on this device: nothing of the last one stays.
    caches.delete(PAGES);
    if (user === "") {
      localStorage.removeItem("companion-user");
      return;
    }
    localStorage.setItem("companion-user", user);
  }

  keepForOffline();
  if (!("indexedDB" in window)) return;

  // In the capture phase, so that the check runs before anything listening
  // on the form itself (htmx sends a card's tap from there).
  document.addEventListener("submit", queueWhenOffline, true);
  window.addEventListener("online", send);
  showWaiting().then(() => {
    if (navigator.onLine) send();
  });

  /* The home page's links to this week at home, kept before the first time
     they are opened offline. */
  function keepForOffline() {
    const links = document.querySelectorAll("a[data-offline-keep]");
    if (!links.length || !navigator.onLine) return;
    caches.open(PAGES).then((cache) => {
      links.forEach(async (link) => {
        if (await cache.match(link.href, { ignoreVary: true })) return;
        try {
          const response = await fetch(link.href, { credentials: "same-origin" });
          if (response.ok && response.headers.get("X-Offline-Readable") === "1") {
            await cache.put(link.href, response);
          }
        } catch (error) {
          /* The connection went: it is kept the next time. */
        }
      });
    });
  }

  /* A tap on a marked form: sent as usual when the portal answers, kept in
     the queue when it does not. navigator.onLine alone is not believed: a
     phone on a weak signal, or a page opened from the worker's copy, may
     say it is online when nothing gets through. */
  function queueWhenOffline(event) {
    const form = event.target.closest("form[data-offline-queue]");
    if (!form || form.dataset.offlineChecked) return;
    event.preventDefault();
    event.stopPropagation();
    const submitter = event.submitter;
    reachable().then((online) => {
      if (online) {
        // The submit event this fires runs at once, and passes this time.
        form.dataset.offlineChecked = "yes";
        form.requestSubmit(submitter);
        delete form.dataset.offlineChecked;
      } else {
        queue(form, submitter);
      }
    });
  }

  function reachable() {
    if (!navigator.onLine) return Promise.resolve(false);
    return fetch(body.dataset.companionWorker, { method: "HEAD", cache: "no-store" }).then(
      (response) => response.ok,
      () => false
    );
  }

  function queue(form, submitter) {
    const fields = new FormData(form);
    if (submitter && submitter.name) fields.set(submitter.name, submitter.value);
    fields.set("client_id", crypto.randomUUID());
    fields.set("practised_on", today());
    const entry = {
      clientId: fields.get("client_id"),
      user: user,
      action: form.action,
      fields: Array.from(fields.entries()),
      queuedAt: Date.now(),
    };
    store("readwrite", (queue) => queue.put(entry)).then(() => {
      say(form, WAITING);
      retryLater();
    });
  }

  /* The "online" event is not always fired (see above): while anything
     waits, try again every little while. */
  function retryLater() {
    if (retryLater.timer) return;
    retryLater.timer = setInterval(async () => {
      const left = await send();
      if (left === 0) {
        clearInterval(retryLater.timer);
        retryLater.timer = null;
      }
    }, RETRY_SECONDS * 1000);
  }

  /* Send what waits, oldest first; answers how many are still waiting. */
  async function send() {
    if (send.running) return undefined;
    send.running = true;
    try {
      const entries = (await store("readonly", (queue) => queue.getAll()))
        .filter((entry) => entry.user === user)
        .sort((a, b) => a.queuedAt - b.queuedAt);
      let left = entries.length;
      for (const entry of entries) {
        const fields = new URLSearchParams(entry.fields);
        const token = csrfToken();
        if (token) fields.set("csrfmiddlewaretoken", token);
        let response;
        try {
          response = await fetch(entry.action, {
            method: "POST",
            body: fields,
            credentials: "same-origin",
            redirect: "manual", // a log-in page is not a success
            headers: { Accept: "application/json" },
          });
        } catch (error) {
          return left; // still offline
        }
        const form = formFor(entry);
        if (response.ok) {
          await store("readwrite", (queue) => queue.delete(entry.clientId));
          if (form) say(form, "Sent. Thank you!");
        } else if (response.status === 400 || response.status === 404) {
          // Refused for good (a retired strategy, say): say why, and let it go.
          await store("readwrite", (queue) => queue.delete(entry.clientId));
          const reason = response.status === 400 ? (await response.json()).error : "";
          if (form) say(form, `This practice could not be saved. ${reason}`.trim());
        } else {
          return left; // logged out, or the server is busy: kept for the next try
        }
        left -= 1;
      }
      return left;
    } finally {
      send.running = false;
    }
  }

  async function showWaiting() {
    try {
      const entries = await store("readonly", (queue) => queue.getAll());
      const mine = entries.filter((entry) => entry.user === user);
      mine.forEach((entry) => {
        const form = formFor(entry);
        if (form) say(form, WAITING);
      });
      if (mine.length) retryLater();
    } catch (error) {
      /* No IndexedDB (a private window in some browsers): nothing is queued. */
    }
  }

  function formFor(entry) {
    return Array.from(document.querySelectorAll("form[data-offline-queue]")).find(
      (form) => form.action === entry.action
    );
  }

  function say(form, text) {
    // The card's own status line where it has one (the strategy cards do).
    const area = form.closest("[id^=practice-]") || form.parentElement;
    let status =
      area.querySelector("[data-practice-status]") || form.parentElement.querySelector(".offline-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "offline-status small mt-2 mb-0";
      status.setAttribute("role", "status");
      form.after(status);
    }
    status.textContent = text;
  }

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function today() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  /* One IndexedDB store of queued practice, keyed by the id chosen here. */
  function store(mode, work) {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open("companion", 1);
      opening.onupgradeneeded = () =>
        opening.result.createObjectStore("practice", { keyPath: "clientId" });
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const db = opening.result;
        const transaction = db.transaction("practice", mode);
        const request = work(transaction.objectStore("practice"));
        transaction.oncomplete = () => {
          db.close();
          resolve(request.result);
        };
        transaction.onerror = () => reject(transaction.error);
      };
    });
  }
})();
