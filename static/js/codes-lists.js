/* Code lists (CAR, CAE): "tout cocher", print button, and one submission per form. */
(function () {
  "use strict";
  document.querySelectorAll("[data-codes-select-all]").forEach(function (master) {
    var name = master.getAttribute("data-codes-select-all");
    var scope = master.closest("form") || document;
    var boxes = function () {
      return scope.querySelectorAll('input[type="checkbox"][name="' + name + '"]:not(:disabled)');
    };
    master.hidden = false;
    master.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = master.checked; });
    });
    // Unchecking one line means "only the checked lines": the master no longer stands for all.
    boxes().forEach(function (box) {
      box.addEventListener("change", function () {
        if (!box.checked) { master.checked = false; }
      });
    });
  });
  // Actions that cannot be undone (a code invalidated stays invalid): ask once more. With
  // data-codes-confirm-count="<checkbox name>", the question says how many lines are checked
  // ("{n}" in data-codes-confirm, or data-codes-confirm-one for a single line); with none
  // checked nothing is asked and the server says what is missing.
  document.querySelectorAll("[data-codes-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var text = button.getAttribute("data-codes-confirm");
      var counted = button.getAttribute("data-codes-confirm-count");
      if (counted) {
        var scope = button.form || document;
        var n = scope.querySelectorAll('input[type="checkbox"][name="' + counted + '"]:checked').length;
        if (!n) { return; }
        text = (n === 1 && button.getAttribute("data-codes-confirm-one")) || text.replace("{n}", String(n));
      }
      if (!window.confirm(text)) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("[data-codes-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("form[data-codes-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.setAttribute("aria-busy", "true");
    });
  });
})();
