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
  // Actions that cannot be undone (a code invalidated stays invalid): ask once more.
  document.querySelectorAll("[data-codes-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-codes-confirm"))) { event.preventDefault(); }
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
