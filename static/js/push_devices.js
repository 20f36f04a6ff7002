/* "Turn on notifications on this phone or computer", on How we contact you
   (templates/families/preferences.html, #push-devices). Asks the browser's
   permission, subscribes with the portal's public key and sends the
   subscription to the portal, which lists the device; "Turn off on this
   device" gives it up in the browser and at the portal. The addresses and
   the CSRF token are on #push-devices (the contract is in the README). The
   notifications themselves are shown by the service worker (sw.js).
   Without script the list and its Stop buttons work as they are. */
(function () {
  "use strict";

  const section = document.getElementById("push-devices");
  if (!section) return;
  const controls = section.querySelector("[data-push-controls]");
  const turnOn = section.querySelector("[data-push-on]");
  const turnOff = section.querySelector("[data-push-off]");
  const status = section.querySelector("[data-push-status]");
  const urls = section.dataset;

  const BLOCKED =
    "Your browser is set to block notifications from the portal. To allow them, open this " +
    "site's settings in your browser (on most phones and computers, tap the icon just left of " +
    "the address), set Notifications to Allow, then come back and press the button again.";
  const NOT_ALLOWED =
    "Notifications are not turned on. Press the button again and choose Allow when your browser asks.";
  const UNREACHABLE = "We could not reach the portal. Check your connection and try again.";
  const NOT_OFFERED = "Notifications are not available from us at the moment.";

  if (!("serviceWorker" in navigator && "PushManager" in window && "Notification" in window)) {
    section.querySelector("[data-push-unsupported]").hidden = false;
    return;
  }

  offered().then(async (key) => {
    if (!key) return;
    await showState();
    controls.hidden = false;
    turnOn.addEventListener("click", () => busy(turnOn, () => subscribe(key)));
    turnOff.addEventListener("click", () => busy(turnOff, unsubscribe));
  });

  async function offered() {
    try {
      const response = await fetch(urls.pushKeyUrl, { credentials: "same-origin" });
      const answer = await response.json();
      return answer.offered ? answer.public_key : "";
    } catch (error) {
      return "";
    }
  }

  /* "Turn off" when this browser is subscribed and the portal lists it;
     "Turn on" otherwise (also after its Stop button: it sends it afresh). */
  async function showState() {
    const subscription = await current();
    const listed =
      subscription &&
      [...section.querySelectorAll("[data-push-endpoint]")].some(
        (item) => item.dataset.pushEndpoint === subscription.endpoint
      );
    turnOn.hidden = Boolean(listed);
    turnOff.hidden = !listed;
  }

  async function worker() {
    let registration = await navigator.serviceWorker.getRegistration("/");
    if (!registration) {
      // companion.js registers it on every page; offline it may not have.
      registration = await navigator.serviceWorker.register(document.body.dataset.companionWorker, {
        scope: "/",
      });
    }
    await navigator.serviceWorker.ready;
    return registration;
  }

  async function current() {
    const registration = await navigator.serviceWorker.getRegistration("/");
    return registration ? registration.pushManager.getSubscription() : null;
  }

  async function subscribe(key) {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say(permission === "denied" ? BLOCKED : NOT_ALLOWED);
      return;
    }
    say("Turning on notifications…");
    const manager = (await worker()).pushManager;
    const options = { userVisibleOnly: true, applicationServerKey: bytes(key) };
    let subscription;
    try {
      subscription = await manager.subscribe(options);
    } catch (error) {
      if (error.name !== "InvalidStateError") throw error;
      // Subscribed before with another key of the portal's: start afresh.
      const old = await manager.getSubscription();
      if (old) await old.unsubscribe();
      subscription = await manager.subscribe(options);
    }
    const answer = await post(urls.pushSubscribeUrl, subscription.toJSON());
    if (!answer.ok) {
      await subscription.unsubscribe();
      say(answer.error || "The portal could not turn on notifications for this browser.");
      return;
    }
    await refreshList();
    await showState();
    const label = answer.label || "this browser";
    say(`Notifications are on for ${label}. You can turn them off here at any time.`);
  }

  async function unsubscribe() {
    const subscription = await current();
    if (subscription) {
      const endpoint = subscription.endpoint;
      await subscription.unsubscribe();
      const answer = await post(urls.pushUnsubscribeUrl, { endpoint });
      if (!answer.ok) {
        say(answer.error || UNREACHABLE);
        return;
      }
    }
    await refreshList();
    await showState();
    say("Notifications are off on this device.");
  }

  /* The list as the portal now has it, from the page itself. */
  async function refreshList() {
    try {
      const response = await fetch(window.location.pathname, { credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("#push-devices [data-push-list]");
      if (response.ok && fresh) section.querySelector("[data-push-list]").replaceWith(fresh);
    } catch (error) {
      /* The list catches up the next time the page is opened. */
    }
  }

  async function post(url, body) {
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": urls.csrfToken },
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      return { ...answer, ok: response.ok };
    } catch (error) {
      return { ok: false, error: UNREACHABLE };
    }
  }

  async function busy(button, action) {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      say(
        error && error.name === "NotAllowedError"
          ? BLOCKED
          : "This browser could not change its notifications just now. Please try again later."
      );
    } finally {
      button.disabled = false;
    }
  }

  function say(words) {
    status.textContent = words;
  }

  /* The public key, base64url as the portal gives it, as the bytes subscribe() takes. */
  function bytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const text = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }
})();
