/* Progress bars of background jobs (templates/jobs/includes/_progress.html).
   Polls each bar's status URL, updates the bar and its message, and reloads the page
   when the job has finished so that the server shows the result. */
(function () {
  "use strict";
  var INTERVAL_MS = 1000;

  function update(box, status) {
    var bar = box.querySelector("[data-job-bar]");
    var fill = box.querySelector("[data-job-fill]");
    var message = box.querySelector("[data-job-message]");
    bar.setAttribute("aria-valuenow", String(status.percent));
    fill.style.width = status.percent + "%";
    fill.textContent = status.percent + " %";
    message.textContent = status.state_label + (status.message ? " — " + status.message : "");
  }

  function poll(box) {
    var url = box.getAttribute("data-job-status-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (status) {
        update(box, status);
        if (status.finished) {
          window.location.reload();
        } else {
          window.setTimeout(function () { poll(box); }, INTERVAL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(box); }, INTERVAL_MS * 5);
      });
  }

  function start() {
    // The server writes the percentage in data-job-percent, never as an inline style (CSP):
    // the bar's width is set here.
    var fills = document.querySelectorAll("[data-job-fill][data-job-percent]");
    for (var j = 0; j < fills.length; j++) {
      fills[j].style.width = fills[j].getAttribute("data-job-percent") + "%";
    }
    var boxes = document.querySelectorAll("[data-job-status-url]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].getAttribute("data-job-finished") !== "1") { poll(boxes[i]); }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
