/* Autosave of a draft session note.
 *
 * The form works without this file (it posts and saves normally). With it,
 * every change is posted to the autosave endpoint a few seconds after typing
 * stops, one request at a time. The text on the page is never replaced by the
 * server's answer, so nothing typed is lost; a failed save is retried with a
 * growing pause until it succeeds, and the status line (an aria-live region)
 * says what happened.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 2000;
  var RETRY_MS = [3000, 6000, 15000, 30000];

  function start(form) {
    var url = form.getAttribute("data-autosave-url");
    var status = document.getElementById("autosave-status");
    var timer = null;
    var inFlight = false;
    var dirty = false;
    var stopped = false;
    var failures = 0;

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function schedule(delay) {
      if (timer) {
        window.clearTimeout(timer);
      }
      timer = window.setTimeout(save, delay);
    }

    function save() {
      timer = null;
      if (stopped || !dirty) {
        return;
      }
      if (inFlight) {
        // One request at a time: the newest text goes once this one answers.
        schedule(DEBOUNCE_MS);
        return;
      }
      inFlight = true;
      dirty = false;
      var body = new FormData(form);
      body.delete("action");
      say("Saving…");
      window
        .fetch(url, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
        })
        .then(function (response) {
          return response.json().then(
            function (data) {
              return { ok: response.ok, status: response.status, data: data };
            },
            function () {
              return { ok: false, status: response.status, data: {} };
            }
          );
        })
        .then(function (result) {
          inFlight = false;
          if (result.ok) {
            failures = 0;
            say("Saved " + result.data.saved_at);
            if (dirty) {
              schedule(DEBOUNCE_MS);
            }
            return;
          }
          if (result.status === 409 || result.status === 403 || result.status === 404) {
            // The note was signed elsewhere, or the session is no longer ours:
            // stop, and leave the text on the page for the person to copy.
            stopped = true;
            say((result.data && result.data.error) || "This note can no longer be saved here.");
            return;
          }
          throw new Error("save failed");
        })
        .catch(function () {
          inFlight = false;
          dirty = true;
          var pause = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];
          failures += 1;
          say("Not saved yet: we will try again in " + Math.round(pause / 1000) + " seconds. Your text is safe on this page.");
          schedule(pause);
        });
    }

    function changed() {
      if (stopped) {
        return;
      }
      dirty = true;
      schedule(DEBOUNCE_MS);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      // The normal post carries the text now; no autosave may race it.
      stopped = true;
      if (timer) {
        window.clearTimeout(timer);
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if ((dirty || inFlight) && !stopped) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  document.querySelectorAll("form[data-autosave-url]").forEach(start);
})();
