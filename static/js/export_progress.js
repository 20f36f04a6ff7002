/* The family's download: move the progress bar while the ZIP is built, and
 * reload the page (which then offers the file) once it is ready or failed.
 * Without this file the page says how far it had got and offers "Check
 * again". The status line is a polite live region, so a screen reader hears
 * each change without losing its place.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;

  function start(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = document.getElementById("export-bar");
    var status = document.getElementById("export-status");
    var lastPercent = -1;

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          if (data.status !== "queued" && data.status !== "building") {
            window.location.reload();
            return;
          }
          if (data.percent !== lastPercent) {
            lastPercent = data.percent;
            bar.value = data.percent;
            bar.textContent = data.percent + "%";
            status.textContent = data.label + ": " + data.percent + "% done.";
          }
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () {
          window.setTimeout(poll, POLL_MS * 3);
        });
    }

    window.setTimeout(poll, POLL_MS);
  }

  var box = document.getElementById("export-progress");
  if (box && document.getElementById("export-bar")) start(box);
})();
