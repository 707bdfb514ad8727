// Scolarité services, "Créer mon compte": the letter's QR code opens
// .../activation/#code=<code>. The fragment never reaches a server; this fills the code field
// with it, then removes it from the address bar and the history.
(function () {
  "use strict";
  var match = /(?:^#|&)code=([0-9A-Za-z\- ]{1,40})/.exec(window.location.hash || "");
  var field = document.getElementById("id_code");
  if (!match || !field) { return; }
  if (!field.value) { field.value = decodeURIComponent(match[1]).toUpperCase(); }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  var next = document.getElementById("id_birth_date");
  if (next && !next.value) { next.focus(); }
}());
