/* The diary's time grid (templates/bookings/diary.html). Without this file
 * free time books from its start and today's line stays where the page drew
 * it; with it:
 * - a click on free time books from the five minutes clicked (a key press
 *   still books from the start, which the link's words say);
 * - today's line moves on with the clock while the page stays open.
 */
(function () {
  "use strict";

  var STEP_MINUTES = 5;

  function stepPixels(body) {
    return parseFloat(getComputedStyle(body).getPropertyValue("--dg-step")) || 0;
  }

  function drawnAsGrid(body) {
    return getComputedStyle(body).display === "grid";
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".dg-free > a");
    // event.detail is 0 when a key, not a pointer, followed the link.
    if (!link || event.detail === 0) return;
    var body = link.closest(".dg-body");
    var step = stepPixels(body);
    if (!drawnAsGrid(body) || !step) return;
    var url = new URL(link.href);
    var start = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)$/.exec(url.searchParams.get("starts_at") || "");
    if (!start) return;
    var box = link.getBoundingClientRect();
    var steps = Math.floor((event.clientY - box.top) / step);
    // Not into the last five minutes: a visit needs some of the free time.
    steps = Math.max(0, Math.min(steps, Math.floor(box.height / step) - 1));
    // Wall-clock arithmetic, as the address carries UK wall-clock time.
    var at = new Date(Date.UTC(+start[1], start[2] - 1, +start[3], +start[4], +start[5]));
    at = new Date(at.getTime() + steps * STEP_MINUTES * 60000);
    url.searchParams.set(
      "starts_at",
      at.getUTCFullYear() + "-" + pad(at.getUTCMonth() + 1) + "-" + pad(at.getUTCDate()) +
        "T" + pad(at.getUTCHours()) + ":" + pad(at.getUTCMinutes())
    );
    link.href = url.toString();
  });

  // Today's line: one row further every five minutes.
  var lines = document.querySelectorAll(".dg-now");
  if (lines.length) {
    setInterval(function () {
      lines.forEach(function (line) {
        var row = parseInt(getComputedStyle(line).gridRowStart, 10);
        var rows = line.parentElement.className.match(/\bn(\d+)\b/);
        if (!row || !rows) return;
        if (row >= +rows[1]) {
          line.remove();
        } else {
          line.style.gridRowStart = row + 1;
        }
      });
    }, STEP_MINUTES * 60000);
  }
})();
