// A text box above a long <select data-searchable="Find a family"> that
// narrows its options as one types. Without script the select works as it
// is; with it, the select keeps its value, its label and its errors.
(function () {
  "use strict";
  // Short lists are quicker to read than to search.
  var SHORTEST = 12;

  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function enhance(select) {
    if (select.options.length < SHORTEST || select.dataset.searchableReady) return;
    select.dataset.searchableReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control mb-1";
    box.id = select.id + "-filter";
    box.setAttribute("aria-label", select.dataset.searchable);
    box.setAttribute("aria-controls", select.id);
    box.placeholder = select.dataset.searchable;
    box.autocomplete = "off";
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(status, select);
    box.addEventListener("input", function () {
      var words = normalise(box.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var text = normalise(option.text);
        var match = !option.value || words.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !match;
        option.disabled = !match && !option.selected;
        if (match && option.value) {
          shown += 1;
          if (first === null) first = option;
        }
      });
      // One match: choose it, so typing a name is enough.
      if (shown === 1 && first) select.value = first.value;
      status.textContent = shown === 1 ? "1 match" : shown + " matches";
    });
  }

  function init() {
    document.querySelectorAll("select[data-searchable]").forEach(enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
