/* The progress report: making the PDF takes a few seconds (the first one of
 * the day longest), and a download gives no sign of life meanwhile. With this
 * file the form fetches the PDF itself, shows a moving progress bar and says
 * so in a polite live region, then saves the file. Anything but a PDF (the
 * page saying a date is wrong) is shown by submitting the form as usual; so
 * is everything when this file does not run.
 */
(function () {
  "use strict";

  function filenameOf(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : "progress-report.pdf";
  }

  function start(form) {
    var bar = document.getElementById("pdf-progress");
    var status = document.getElementById("pdf-status");
    var button = form.querySelector("button[type=submit]");

    function busy(on, message) {
      bar.classList.toggle("d-none", !on);
      button.disabled = on;
      status.textContent = message;
    }

    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.URL || !URL.createObjectURL) return;
      event.preventDefault();
      var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
      busy(true, "Making your report. This can take a few seconds…");
      fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("application/pdf") !== 0) throw new Error("not a PDF");
          var name = filenameOf(response);
          return response.blob().then(function (blob) {
            var link = document.createElement("a");
            link.href = URL.createObjectURL(blob);
            link.download = name;
            document.body.appendChild(link);
            link.click();
            link.remove();
            window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
            busy(false, "Your report is ready: it has been downloaded (" + name + ").");
          });
        })
        .catch(function () {
          busy(false, "");
          form.submit();
        });
    });
  }

  var form = document.querySelector("form[data-pdf-download]");
  if (form) start(form);
})();
