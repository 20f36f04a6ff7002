// Strategy cards and the wins answer in place (htmx swaps the part marked
// data-in-place: templates/goals/includes/practice_area.html, wins_area.html). Here: keep a keyboard user's
// place after the swap, and take the undo offer away after a few seconds
// (the server allows it a little longer: goals.models.PRACTICE_UNDO_WINDOW).
"use strict";

(function () {
  const UNDO_OFFERED_MS = 8000;

  function offerUndo(area) {
    const invalid = area.querySelector(".is-invalid");
    if (invalid) {
      invalid.focus({ preventScroll: true });
      return;
    }
    const offer = area.querySelector("[data-undo-offer]");
    const status = area.querySelector("[data-practice-status]");
    if (!offer) {
      if (status && area.contains(document.activeElement) === false) {
        status.focus({ preventScroll: true });
      }
      return;
    }
    const button = offer.querySelector("button");
    button.focus({ preventScroll: true });
    window.setTimeout(function () {
      if (!offer.isConnected) return;
      if (offer.contains(document.activeElement) && status) {
        status.focus({ preventScroll: true });
      }
      button.remove();
    }, UNDO_OFFERED_MS);
  }

  document.addEventListener("htmx:load", function (event) {
    const element = event.detail.elt;
    if (element instanceof Element && element.hasAttribute("data-in-place")) {
      offerUndo(element);
    }
  });
})();
